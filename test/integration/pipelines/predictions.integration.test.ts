import {afterAll, describe, expect, it} from 'vitest'

import {runPredictions, type Prediction} from '../../../src/core/pipelines/predictions.js'
import {createLexiconModel, startSentimentServer, type SentimentServer} from '../../../src/core/sentiment/index.js'
import {DEAD_LETTER_HEADERS, type PipelineEvent, type StatusEvent} from '../../../src/core/stream/index.js'
import {TestServices} from '../../helpers/services.js'
import {freePort} from '../../helpers/processes.js'
import {brokers, readCommitted, waitFor} from '../stream/fixtures.js'
import {checkLabels, expectedLabel, makeReviews, produceReviews} from './predictions-data.js'

const services = new TestServices()
const servers: SentimentServer[] = []

afterAll(async () => {
  for (const server of servers) await server.close()
  await services.cleanup()
})

async function sentimentServer(port = 0, lexicon = false): Promise<SentimentServer> {
  const server = await startSentimentServer({port, ...(lexicon ? {model: createLexiconModel()} : {})})
  servers.push(server)
  return server
}

describe('run predictions against Kafka', () => {
  it('labels every review exactly once through the service, in input order per partition, and dead-letters tombstones', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const reviews = await makeReviews(6000, {tombstoneEvery: 997})
    const tombstones = reviews.filter((r) => r.value === null)
    await produceReviews(input, reviews)
    const server = await sentimentServer()
    const events: PipelineEvent[] = []

    const summary = await runPredictions({
      brokers,
      groupId: services.groupId('predictions'),
      inputTopic: input,
      outputTopic: output,
      deadLetterTopic: deadLetters,
      sentimentUrl: server.url,
      idleTimeoutMs: 2000,
      untilIdle: true,
      onEvent: (e) => events.push(e),
    })

    expect(summary).toMatchObject({stoppedBy: 'until-idle', recordsIn: reviews.length, deadLettered: tombstones.length})
    expect(summary.outputs[output]).toBe(reviews.length - tombstones.length)
    expect(await checkLabels(reviews, input, output)).toEqual({problems: [], labelled: reviews.length - tombstones.length})
    // The service did the work, in batches.
    expect(server.stats().texts).toBeGreaterThanOrEqual(reviews.length - tombstones.length)
    expect(server.stats().requests).toBeLessThan(reviews.length / 10)
    // Result events carry the review with its label (the live view's feed).
    const result = events.find((e) => e.type === 'result')
    expect(result).toMatchObject({type: 'result', output, message: {topic: output}})
    const prediction = (result as {value: Prediction}).value
    expect(prediction.label).toBe(expectedLabel(prediction.review))
    const dead = await readCommitted(deadLetters)
    expect(dead.map((d) => d.key).sort()).toEqual(tombstones.map((t) => t.key).sort())
    expect(dead.every((d) => d.headers[DEAD_LETTER_HEADERS.reason] === 'missing-value' && d.headers[DEAD_LETTER_HEADERS.pipeline] === 'predictions')).toBe(true)
  })

  it('labels every review exactly once with the trained model in-process (--local)', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const reviews = await makeReviews(4000)
    await produceReviews(input, reviews)
    const summary = await runPredictions({
      brokers,
      groupId: services.groupId('predictions'),
      inputTopic: input,
      outputTopic: output,
      deadLetterTopic: deadLetters,
      local: true,
      sentimentUrl: 'http://127.0.0.1:1/sentiment',
      idleTimeoutMs: 2000,
      untilIdle: true,
    })
    expect(summary.outputs[output]).toBe(reviews.length)
    expect(await checkLabels(reviews, input, output)).toEqual({problems: [], labelled: reviews.length})
  })

  it('labels with the lexicon model in-process with --local --model lexicon', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const reviews = await makeReviews(1500)
    await produceReviews(input, reviews)
    const base = {brokers, inputTopic: input, outputTopic: output, deadLetterTopic: deadLetters, sentimentUrl: 'http://127.0.0.1:1/sentiment', idleTimeoutMs: 2000, untilIdle: true}
    const summary = await runPredictions({...base, groupId: services.groupId('predictions'), local: true, model: 'lexicon'})
    expect(summary.outputs[output]).toBe(reviews.length)
    expect(await checkLabels(reviews, input, output, 'lexicon')).toEqual({problems: [], labelled: reviews.length})
    // The two models disagree on some of these reviews: the labels are the lexicon's, not the trained model's.
    expect((await checkLabels(reviews, input, output, 'trained')).problems.length).toBeGreaterThan(0)
  })

  it('refuses with a USAGE error when the service runs another model than --model names', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const server = await sentimentServer(0, true)
    await expect(
      runPredictions({brokers, groupId: services.groupId('predictions'), inputTopic: input, outputTopic: output, deadLetterTopic: deadLetters, sentimentUrl: server.url, model: 'trained'}),
    ).rejects.toMatchObject({code: 'USAGE', nextSteps: expect.arrayContaining([expect.stringMatching(/sstream serve sentiment --model trained/)])})
  })

  it('waits while the service is stopped for 10 s mid-run, then completes with no gap and no review labelled Error', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const reviews = await makeReviews(8000)
    const [before, during] = [reviews.slice(0, 4000), reviews.slice(4000)]
    await produceReviews(input, before)
    const port = await freePort()
    let server = await startSentimentServer({port})
    const events: PipelineEvent[] = []
    let results = 0
    const run = runPredictions({
      brokers,
      groupId: services.groupId('predictions'),
      inputTopic: input,
      outputTopic: output,
      deadLetterTopic: deadLetters,
      sentimentUrl: server.url,
      idleTimeoutMs: 2000,
      untilIdle: true,
      onEvent: (e) => {
        events.push(e)
        if (e.type === 'result') results += 1
      },
    })
    const statuses = (): StatusEvent[] => events.filter((e): e is StatusEvent => e.type === 'status' && e.service === 'sentiment')
    try {
      await waitFor(() => results, (n) => n === before.length, {what: 'the first reviews to be labelled'})
      // The service goes away while the processor runs and more reviews arrive.
      await server.close()
      await produceReviews(input, during)
      await waitFor(() => statuses().some((s) => s.state === 'down'), Boolean, {what: 'the outage to be reported'})
      // It stays away for 10 s (the scenario itself): nothing can be labelled meanwhile, and nothing is made up.
      await new Promise((resolve) => setTimeout(resolve, 10_000))
      expect(results).toBe(before.length)
      server = await startSentimentServer({port})
      const summary = await run
      expect(summary.stoppedBy).toBe('until-idle')
      expect(summary.outputs[output]).toBe(reviews.length)
    } finally {
      await server.close()
    }
    expect(statuses().map((s) => s.state)).toEqual(['down', 'ok'])
    expect(statuses()[0].message).toMatch(/Can't reach the sentiment service/)
    expect(await checkLabels(reviews, input, output)).toEqual({problems: [], labelled: reviews.length})
  })

  it('fails within 10 s with SENTIMENT_UNREACHABLE and the next step when the service is not there at start-up', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const port = await freePort()
    const started = Date.now()
    await expect(
      runPredictions({brokers, groupId: services.groupId('predictions'), inputTopic: input, outputTopic: output, deadLetterTopic: deadLetters, sentimentUrl: `http://127.0.0.1:${port}/sentiment`}),
    ).rejects.toMatchObject({code: 'SENTIMENT_UNREACHABLE', nextSteps: expect.arrayContaining([expect.stringMatching(/sstream serve sentiment/), expect.stringMatching(/--local/)])})
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
