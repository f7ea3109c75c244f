/**
 * `sstream demo` with a sentiment service the user names (--sentiment-url or SSTREAM_SENTIMENT_URL): the
 * demo uses that one instead of starting its own, and stops at once when it does not answer. Runs on the
 * default topics, as every demo does.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {DemoResult} from '../../src/core/demo/index.js'
import {startSentimentServer, type SentimentServer} from '../../src/core/sentiment/server.js'
import {lastJson, runCli} from '../helpers/cli.js'

type Event = Record<string, unknown> & {type: string}

describe('sstream demo --sentiment-url', () => {
  let server: SentimentServer

  beforeAll(async () => {
    server = await startSentimentServer({port: 0})
  })

  afterAll(async () => {
    await server?.close()
  })

  it('uses the service given instead of starting one', async () => {
    const result = await runCli(['demo', 'predictions', '--duration', '5', '--json', '--sentiment-url', server.url], {timeoutMs: 90_000})
    expect(result.code, result.stderr).toBe(0)
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event)
    const steps = events.filter((e) => e.type === 'step' && e.step === 'sentiment').map((e) => e.message)
    expect(steps).toEqual([`Sentiment service at ${server.url} (given).`])
    const summary = events.at(-1) as unknown as DemoResult & {type: string}
    expect(summary.type).toBe('summary')
    expect(summary.sentimentUrl).toBe(server.url)
    const predictions = summary.pipelines.find((p) => p.pipeline === 'predictions')!
    expect(predictions.processed).toBeGreaterThan(0)
    // The labels came from this service.
    expect(server.stats().texts).toBeGreaterThanOrEqual(predictions.results)
    expect(predictions.results).toBeGreaterThan(0)
  })

  it('exits 1 at once with SENTIMENT_UNREACHABLE when the service given does not answer', async () => {
    const flag = await runCli(['demo', 'predictions', '--duration', '5', '--json', '--sentiment-url', 'http://127.0.0.1:1/sentiment'])
    expect(flag.code).toBe(1)
    const error = lastJson<{error: {code: string; message: string; nextSteps: string[]}}>(flag.stdout).error
    expect(error.code).toBe('SENTIMENT_UNREACHABLE')
    expect(error.message).toContain('http://127.0.0.1:1/sentiment')
    expect(error.nextSteps.join(' ')).toContain('sstream serve sentiment')
    expect(flag.durationMs).toBeLessThan(10_000)
    expect(flag.stdout).not.toContain('"step":"setup"')

    // Named by the environment: the same, in plain mode.
    const env = await runCli(['demo', 'predictions', '--duration', '5'], {env: {SSTREAM_SENTIMENT_URL: 'http://127.0.0.1:1/sentiment'}})
    expect(env.code).toBe(1)
    expect(env.stderr).toContain("Can't reach the sentiment service at http://127.0.0.1:1/sentiment")
    expect(env.stderr).toContain('SSTREAM_SENTIMENT_URL')
  })
})
