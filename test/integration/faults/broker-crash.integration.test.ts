/**
 * Faults of Kafka itself, on one broker: processors fed live by sstream's own generator (event times of
 * the wall clock) while their private broker is killed with SIGKILL and started again, twice, at random
 * points. An outage is not idleness: the records buffered through it must not arrive at stage 2 after the
 * wall clock closed their windows. At the end each output equals the batch recomputation of what the input
 * topic holds. One private broker serves every test of this file.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runGenerator} from '../../../src/core/generators/index.js'
import {createKafka, KafkaAdmin, readTopic, RUNNING_RETRY} from '../../../src/core/kafka/index.js'
import {runAlerts} from '../../../src/core/pipelines/alerts.js'
import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import {runLeaderboard} from '../../../src/core/pipelines/leaderboard.js'
import {runPredictions} from '../../../src/core/pipelines/predictions.js'
import {runViews} from '../../../src/core/pipelines/views.js'
import {offsetsKeyFor} from '../../../src/core/redis/index.js'
import type {PipelineEvent} from '../../../src/core/stream/index.js'
import {uniqueName} from '../../helpers/names.js'
import {testConfig} from '../../helpers/services.js'
import {startPrivateBroker, type PrivateBroker} from '../generators/private-broker.js'
import {createTestDatabase, seeded, waitFor, type SeedRecord} from '../stream/fixtures.js'
import {expectedAlerts, keyValues, seedAlerts} from '../stream/alerts-data.js'
import {expectedSummaries, rowsAsWindows} from '../stream/orders-data.js'
import {boardScores, deleteKeys, expectedBoard, expectedViews, seedScores, seedViews} from '../pipelines/leaderboard-data.js'
import {checkLabels, makeReviews} from '../pipelines/predictions-data.js'
import {partitionForKey} from '../../../src/core/kafka/protocol/record-batch.js'
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

/** Every record of a topic, in offset order per partition, as the batch recomputations take them. */
async function readInput(topic: string): Promise<SeedRecord[]> {
  const records: Array<SeedRecord & {offset: number}> = []
  await readTopic({
    brokers: broker.brokers,
    topic,
    fromBeginning: true,
    exitAtEnd: true,
    onRecord: (r) => records.push({partition: r.partition, offset: Number(r.offset), key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp}),
  })
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

/** A topic read whole with read_committed, as {key, value} pairs. */
async function readPairs(topic: string): Promise<Array<{key: string | null; value: string}>> {
  const out: Array<{key: string | null; value: string}> = []
  await readTopic({brokers: broker.brokers, topic, fromBeginning: true, exitAtEnd: true, onRecord: (r) => out.push({key: r.key, value: r.value ?? ''})})
  return out
}

/**
 * A producer as slow to come back as the engine allows for (SPEC §4; src/core/stream/runtime.ts,
 * GRACE_AFTER_OUTAGE_MS): 12 s between tries, so that after each crash it resends what it held up to 12 s
 * after the broker is back. A shorter grace lets the wall clock close windows (and --until-idle end a run)
 * before those records arrive.
 */
const SLOW_PRODUCER_RETRY = {...RUNNING_RETRY, initialRetryTime: 12_000, maxRetryTime: 12_000, factor: 0, multiplier: 1}

/**
 * Produces each topic's records in order, `perSecond` of each per second, through the broker's crashes: an
 * idempotent producer with one request in flight, retrying as long as it takes (every 12 s), so that every
 * record is written once and in order (the batch recomputations take them in that order).
 */
async function feedPaced(feeds: Array<{topic: string; records: SeedRecord[]}>, perSecond: number, onFirstSent: () => void = () => undefined): Promise<void> {
  const producer = createKafka({brokers: broker.brokers, clientId: 'sstream-test-feed', retry: SLOW_PRODUCER_RETRY}).producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  try {
    const chunk = Math.max(1, Math.round(perSecond / 10))
    const longest = Math.max(...feeds.map((f) => f.records.length))
    for (let i = 0; i < longest; i += chunk) {
      const started = Date.now()
      await producer.sendBatch({
        acks: -1,
        topicMessages: feeds
          .filter((f) => i < f.records.length)
          .map((f) => ({topic: f.topic, messages: f.records.slice(i, i + chunk).map((r) => ({partition: r.partition, key: r.key, value: r.value, timestamp: String(r.timestamp)}))})),
      })
      if (i === 0) onFirstSent()
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - started))))
    }
  } finally {
    await producer.disconnect()
  }
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

    const records = await readInput(input)
    expect(records).toHaveLength(fed.sent)
    const expected = expectedSummaries(records)
    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    expect(summary.late, crashes.join('\n')).toBe(expected.late)
    expect(rowsAsWindows(rows), crashes.join('\n')).toEqual(expected.windows)
    expect(summary.recordsIn).toBeGreaterThanOrEqual(records.length)
  }, 360_000)

  it('alerts, views, leaderboard and predictions survive two kill -9 of the broker under a live feed: each output equals its batch recomputation', async () => {
    const [alertsIn, critical, highVolume, alertsDead, viewsIn, viewsDead, scoresIn, scoresDead, reviewsIn, labels, reviewsDead] = await createPrivateTopics([
      'alerts',
      'critical',
      'high-volume',
      'alerts-dlq',
      'views',
      'views-dlq',
      'scores',
      'scores-dlq',
      'reviews',
      'labels',
      'reviews-dlq',
    ])
    const db = await createTestDatabase()
    cleanups.push(() => db.drop())
    const topicsKey = uniqueName('crash-broker-topics')
    const boardKey = uniqueName('crash-broker-board')
    cleanups.push(() => deleteKeys([topicsKey, offsetsKeyFor(topicsKey), boardKey, offsetsKeyFor(boardKey)]))
    // Event times that keep pace with the wall clock at `rate` records per second over 3 partitions.
    const rate = 60
    const count = 2700
    const now = Date.now()
    const alerts = seedAlerts({count, seed: 31, start: now, stepMs: 3000 / rate, malformedEvery: 401})
    const views = seedViews({count, seed: 32, start: now, stepMs: 3000 / rate, brokenEvery: 397})
    const scores = seedScores({count, seed: 33, brokenEvery: 389})
    // Reviews on the partition of their key, as the reviews generator writes them (labels go to the key's partition).
    const reviews = await makeReviews(count)
    const reviewRecords = reviews.map((r) => ({partition: partitionForKey(Buffer.from(r.key), 3), key: r.key, value: r.value ?? '', timestamp: now}))
    let fedOnce!: () => void
    const firstSent = new Promise<void>((resolve) => (fedOnce = resolve))
    let feeding = true
    const feed = feedPaced(
      [
        {topic: alertsIn, records: alerts},
        {topic: viewsIn, records: views},
        {topic: scoresIn, records: scores},
        {topic: reviewsIn, records: reviewRecords},
      ],
      rate,
      fedOnce,
    ).finally(() => (feeding = false))
    // The processors start on a live feed: --until-idle would rightly end a run on topics still empty.
    await Promise.race([firstSent, feed])
    const common = {brokers: broker.brokers, idleTimeoutMs: 3000, untilIdle: true}
    const runs = {
      alerts: runAlerts({...common, groupId: uniqueName('crash-broker-alerts'), inputTopic: alertsIn, deadLetterTopic: alertsDead, criticalTopic: critical, highVolumeTopic: highVolume}),
      views: runViews({...common, groupId: uniqueName('crash-broker-views'), inputTopic: viewsIn, deadLetterTopic: viewsDead, mariadbUrl: db.url, redisUrl: testConfig.redisUrl, key: topicsKey}),
      leaderboard: runLeaderboard({...common, groupId: uniqueName('crash-broker-leaderboard'), inputTopic: scoresIn, deadLetterTopic: scoresDead, redisUrl: testConfig.redisUrl, key: boardKey}),
      // The model in this process: the broker is what breaks here (the service's outages have their own tests).
      predictions: runPredictions({...common, groupId: uniqueName('crash-broker-predictions'), inputTopic: reviewsIn, outputTopic: labels, deadLetterTopic: reviewsDead, local: true, sentimentUrl: 'http://127.0.0.1:1/sentiment'}),
    }
    for (const run of Object.values(runs)) run.catch(() => undefined) // awaited below
    const crashes = (await crashTwice(seeded(now % 1_000_000), () => feeding)).join('\n')
    await feed
    const [alertsSummary, viewsSummary, boardSummary, predictionsSummary] = await Promise.all([runs.alerts, runs.views, runs.leaderboard, runs.predictions])

    // Every record was written once, in order: the recomputations below take the seeds as the topics hold them.
    for (const [topic, records] of [[alertsIn, alerts], [viewsIn, views], [scoresIn, scores], [reviewsIn, reviewRecords]] as const) {
      const held = await readInput(topic)
      expect(held.map((r) => `${r.partition}/${r.key}`), topic).toEqual([...records].sort((a, b) => a.partition - b.partition).map((r) => `${r.partition}/${r.key}`))
    }

    const wantAlerts = expectedAlerts(alerts)
    expect(alertsSummary.late, `alerts\n${crashes}`).toBe(wantAlerts.late)
    const sorted = (list: Array<{key: string | null; value: string}>) => keyValues(list).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.key.localeCompare(b.key)))
    expect(sorted(await readPairs(critical)), `alerts critical\n${crashes}`).toEqual(wantAlerts.critical)
    expect(sorted(await readPairs(highVolume)), `alerts high volume\n${crashes}`).toEqual(wantAlerts.highVolume)

    const wantViews = expectedViews(views)
    expect(viewsSummary.late, `views\n${crashes}`).toBe(wantViews.late)
    const rows = (await db.pool.query('SELECT WINDOW_START, USER_NAME, TOTAL_MINUTES, VIEW_COUNT FROM user_view_summary')) as Array<{WINDOW_START: Date; USER_NAME: string; TOTAL_MINUTES: number; VIEW_COUNT: number}>
    expect(rows.map((r) => `${r.WINDOW_START.getTime()}/${r.USER_NAME}=${r.TOTAL_MINUTES}#${r.VIEW_COUNT}`).sort(), `views windows\n${crashes}`).toEqual(
      [...wantViews.windows].map(([k, v]) => `${k}=${v.minutes}#${v.views}`).sort(),
    )
    expect(await boardScores(topicsKey), `views topics board\n${crashes}`).toEqual(wantViews.topics)

    expect(await boardScores(boardKey), `leaderboard\n${crashes}`).toEqual(expectedBoard(scores))
    expect(boardSummary.deadLettered, `leaderboard\n${crashes}`).toBe(scores.filter((s) => s.score === undefined).length)

    // Every review labelled exactly once, with the model's label, on its input partition, in input order.
    expect(await checkLabels(reviews, reviewsIn, labels, 'trained', readInput), `predictions\n${crashes}`).toEqual({problems: [], labelled: reviews.length})
    expect(predictionsSummary.deadLettered, `predictions\n${crashes}`).toBe(0)
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
