/**
 * Faults of Kafka itself, on one broker: processors fed live by sstream's own generator (event times of
 * the wall clock) while their private broker is killed with SIGKILL and started again, twice, at random
 * points. An outage is not idleness: the records buffered through it must not arrive at stage 2 after the
 * wall clock closed their windows. At the end each output equals the batch recomputation of what the input
 * topic holds. One private broker serves every test of this file.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runGenerator} from '../../../src/core/generators/index.js'
import {KafkaAdmin} from '../../../src/core/kafka/index.js'
import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import type {PipelineEvent} from '../../../src/core/stream/index.js'
import {uniqueName} from '../../helpers/names.js'
import {startPrivateBroker, type PrivateBroker} from '../generators/private-broker.js'
import {createTestDatabase, seeded, waitFor} from '../stream/fixtures.js'
import {expectedSummaries, rowsAsWindows} from '../stream/orders-data.js'
import {readInput, startFourPipelines} from './four-pipelines.js'
import {startProcessor} from '../stream/processor.js'

let broker: PrivateBroker
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  broker = await startPrivateBroker()
}, 180_000)

afterAll(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined)
  await broker?.destroy()
})

async function createPrivateTopics(prefixes: string[], partitions = 3): Promise<string[]> {
  const names = prefixes.map((p) => uniqueName(`t-${p}`))
  const admin = await KafkaAdmin.connect(broker.brokers)
  try {
    await admin.ensureTopics(names.map((topic) => ({topic, partitions, replicationFactor: 1})))
  } finally {
    await admin.close()
  }
  return names
}

/**
 * Kills the broker (SIGKILL) at two random points while `busy()` holds, each time after `minDelayMs`, and
 * starts it again after an outage longer than the idle timeout. Returns what happened, for the messages.
 */
async function crashTwice(random: () => number, busy: () => boolean, {minDelayMs = 4000, outageMs = 6000} = {}): Promise<string[]> {
  const log: string[] = []
  for (let crash = 1; crash <= 2; crash++) {
    const delay = minDelayMs + Math.floor(random() * 6000)
    await new Promise((resolve) => setTimeout(resolve, delay))
    if (!busy()) throw new Error(`the feed ended before crash ${crash}: make it longer`)
    await broker.stop('SIGKILL')
    const killedAt = new Date().toISOString()
    const down = outageMs + Math.floor(random() * 3000)
    await new Promise((resolve) => setTimeout(resolve, down))
    const at = Date.now()
    await broker.start()
    log.push(`crash ${crash}: ${delay} ms into the phase, killed at ${killedAt}, down ${down} ms, back after ${Date.now() - at} ms`)
  }
  return log
}

describe('processors through kill -9 of the broker (private broker)', () => {
  it('analytics survives two kill -9 of the broker under a live feed: order_summary equals the batch recomputation', async () => {
    const [input, deadLetters] = await createPrivateTopics(['orders', 'dlq'])
    const groupId = uniqueName('crash-broker-analytics')
    const db = await createTestDatabase()
    cleanups.push(() => db.drop())
    const events: PipelineEvent[] = []
    let feeding = true
    const feed = runGenerator({generator: 'orders', brokers: broker.brokers, topic: input, rate: 300, count: 9000, seed: 13}).finally(() => (feeding = false))
    const run = runAnalytics({
      brokers: broker.brokers,
      groupId,
      mariadbUrl: db.url,
      inputTopic: input,
      deadLetterTopic: deadLetters,
      table: 'order_summary',
      idleTimeoutMs: 3000,
      untilIdle: true,
      onEvent: (e) => events.push(e),
    })
    run.catch(() => undefined) // awaited below; handled here so that a failure before then is not unhandled
    await waitFor(() => events.filter((e) => e.type === 'result').length, (n) => n > 0, {what: 'a first window written', timeoutMs: 90_000})
    const crashes = await crashTwice(seeded(Date.now() % 1_000_000), () => feeding)
    const fed = await feed
    const summary = await run

    const records = await readInput(broker.brokers, input)
    expect(records).toHaveLength(fed.sent)
    const expected = expectedSummaries(records)
    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    expect(summary.late, crashes.join('\n')).toBe(expected.late)
    expect(rowsAsWindows(rows), crashes.join('\n')).toEqual(expected.windows)
    expect(summary.recordsIn).toBeGreaterThanOrEqual(records.length)
  }, 360_000)

  it('alerts, views, leaderboard and predictions survive two kill -9 of the broker under a live feed: each output equals its batch recomputation', async () => {
    const pipelines = await startFourPipelines({brokers: broker.brokers, createTopics: createPrivateTopics, name: 'crash-broker', rate: 60, count: 2700, seed: 31, cleanups})
    const crashes = (await crashTwice(seeded(Date.now() % 1_000_000), pipelines.feeding)).join('\n')
    await pipelines.finish(crashes)
  }, 360_000)
})

/** The graceful stop must end the process within this long of the first signal (SPEC §4), whatever the broker does. */
const STOP_WITHIN_MS = 10_000

describe('the graceful stop after a broker crash (private broker)', () => {
  const startRun = async (): Promise<{processor: ReturnType<typeof startProcessor>}> => {
    const [input, deadLetters] = await createPrivateTopics(['orders', 'dlq'])
    const db = await createTestDatabase()
    cleanups.push(() => db.drop())
    await runGenerator({generator: 'orders', brokers: broker.brokers, topic: input, rate: 'max', count: 2000, seed: 3})
    const groupId = uniqueName('stop-broker')
    const processor = startProcessor(['run', 'analytics', '--brokers', broker.brokers.join(','), '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters], {SSTREAM_MARIADB_URL: db.url})
    cleanups.push(async () => processor.kill('SIGKILL'))
    await processor.waitForEvent((e) => e.type === 'result', 120_000)
    return {processor}
  }

  const stopsInTime = async (processor: ReturnType<typeof startProcessor>, signal: NodeJS.Signals): Promise<void> => {
    const sent = Date.now()
    processor.kill(signal)
    const deadline = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), STOP_WITHIN_MS + 1000).unref())
    const exit = await Promise.race([processor.exited, deadline])
    const tookMs = Date.now() - sent
    expect(exit, processor.stderr().slice(-3000)).not.toBe('still running')
    expect(tookMs, processor.stderr().slice(-3000)).toBeLessThanOrEqual(STOP_WITHIN_MS)
    expect(exit).toEqual({code: 130, signal: null})
    const summary = processor.events.at(-1)
    expect(summary?.type).toBe('summary')
    expect(summary?.stoppedBy).toBe('signal')
  }

  it('exits within 10 s of SIGINT, with the summary, while the broker is gone after a kill -9', async () => {
    const {processor} = await startRun()
    await broker.stop('SIGKILL')
    try {
      // Long enough for the consumer to crash on the lost connection and start retrying.
      await new Promise((resolve) => setTimeout(resolve, 6000))
      await stopsInTime(processor, 'SIGINT')
    } finally {
      await broker.start()
    }
  })

  it('exits within 10 s of SIGTERM, with the summary, once the broker is back after a kill -9', async () => {
    const {processor} = await startRun()
    await broker.stop('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 4000))
    await broker.start()
    await new Promise((resolve) => setTimeout(resolve, 3000))
    await stopsInTime(processor, 'SIGTERM')
  })
})
