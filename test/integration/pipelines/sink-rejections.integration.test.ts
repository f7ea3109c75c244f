/**
 * Rejection is not an outage, per sink, at the pipeline level (MariaDB: analytics-outage; Redis:
 * bad-data-engine and leaderboard-sink-rejections): an output topic that cannot take a message, and a text
 * the sentiment service refuses, are dead-lettered `rejected` with the sink's words while the rest goes on;
 * side by side, the sentiment service going away is an outage that pauses the run and resumes it.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {runAlerts} from '../../../src/core/pipelines/alerts.js'
import {runPredictions} from '../../../src/core/pipelines/predictions.js'
import {startSentimentServer} from '../../../src/core/sentiment/index.js'
import {DEAD_LETTER_HEADERS, type PipelineEvent, type StatusEvent} from '../../../src/core/stream/index.js'
import {javaTimestamp} from '../../helpers/hostile.js'
import {TestServices} from '../../helpers/services.js'
import {freePort} from '../../helpers/processes.js'
import {brokers, createTopics, kafkaClient, produce, readCommitted, waitFor, type SeedRecord} from '../stream/fixtures.js'
import {makeReviews, produceReviews} from './predictions-data.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

const T0 = Date.UTC(2024, 0, 1)

describe('content rejections, sink by sink, beside outages', {timeout: 180_000}, () => {
  it('an output topic: a critical alert larger than the topic accepts is dead-lettered `rejected`, the other alerts are written', async () => {
    const groupId = services.groupId('reject-topic')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'hv', 'dlq'], {groups: [groupId]})
    const admin = kafkaClient().admin()
    await admin.connect()
    try {
      await admin.alterConfigs({validateOnly: false, resources: [{type: 2, name: critical, configEntries: [{name: 'max.message.bytes', value: '4096'}]}]})
    } finally {
      await admin.disconnect()
    }
    const records: SeedRecord[] = []
    for (let i = 0; i < 60; i++) records.push({partition: i % 3, key: String(i), value: `"${javaTimestamp(T0 + i * 500)}","CRITICAL","100","m${i}"`, timestamp: T0})
    records.push({partition: 1, key: 'long', value: `"${javaTimestamp(T0 + 30_000)}","CRITICAL","100","${'x'.repeat(6000)}"`, timestamp: T0})
    await produce(input, records)
    const summary = await runAlerts({brokers, groupId, inputTopic: input, criticalTopic: critical, highVolumeTopic: highVolume, deadLetterTopic: deadLetters, idleTimeoutMs: 2000, untilIdle: true})
    expect(summary.stoppedBy).toBe('until-idle')
    expect(summary.outputs[critical]).toBe(60)
    expect((await readCommitted(critical, {timeoutMs: 20_000})).map((r) => r.key).sort()).toEqual(Array.from({length: 60}, (_, i) => String(i)).sort())
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => [d.key, d.headers[DEAD_LETTER_HEADERS.reason], d.headers[DEAD_LETTER_HEADERS.sourcePartition]])).toEqual([['long', 'rejected', '1']])
    expect(dead[0].headers[DEAD_LETTER_HEADERS.error]).toMatch(new RegExp(`more than ${critical} accepts \\(max.message.bytes 4096\\)`))
  })

  it('the sentiment service: a text it refuses (413) is dead-lettered `rejected`; the service going away pauses the run, which resumes and labels the rest', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const reviews = (await makeReviews(400)).filter((r) => r.value !== null && r.value !== '')
    const huge = {key: 'huge', value: `${'A fine film. '.repeat(8000)}`}
    const [before, during] = [reviews.slice(0, 200), [...reviews.slice(200, 300), huge, ...reviews.slice(300)]]
    await produceReviews(input, before)
    const port = await freePort()
    const limits = {maxBodyBytes: 64 * 1024}
    let server = await startSentimentServer({port, ...limits})
    const events: PipelineEvent[] = []
    let results = 0
    const run = runPredictions({
      brokers,
      groupId: services.groupId('reject-sentiment'),
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
      await server.close()
      await produceReviews(input, during)
      await waitFor(() => statuses().some((s) => s.state === 'down'), Boolean, {what: 'the outage to be reported'})
      expect(results).toBe(before.length)
      server = await startSentimentServer({port, ...limits})
      const summary = await run
      expect(summary.stoppedBy).toBe('until-idle')
      expect(summary.outputs[output]).toBe(reviews.length)
    } finally {
      await server.close()
    }
    expect(statuses().map((s) => s.state)).toEqual(['down', 'ok'])
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => [d.key, d.headers[DEAD_LETTER_HEADERS.reason]])).toEqual([['huge', 'rejected']])
    expect(dead[0].headers[DEAD_LETTER_HEADERS.error]).toMatch(/HTTP 413/)
    expect((await readCommitted(output, {timeoutMs: 20_000})).length).toBe(reviews.length)
  })
})
