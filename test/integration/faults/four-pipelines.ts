/**
 * alerts, views, leaderboard and predictions run together, each on its own fresh topics, fed live with
 * seeded records whose event times keep pace with the wall clock, for the tests that break Kafka under
 * them (one private broker in broker-crash, a private three-node cluster in cluster-failover). The feed's
 * producer retries as long as it takes, so that every record is written once and in order; at the end each
 * output must equal the batch recomputation of what its input topic holds.
 */
import {expect} from 'vitest'

import {createKafka, readTopic, RUNNING_RETRY} from '../../../src/core/kafka/index.js'
import {partitionForKey} from '../../../src/core/kafka/protocol/record-batch.js'
import {runAlerts} from '../../../src/core/pipelines/alerts.js'
import {runLeaderboard, type BoardPipelineEvent} from '../../../src/core/pipelines/leaderboard.js'
import {runPredictions} from '../../../src/core/pipelines/predictions.js'
import {runViews} from '../../../src/core/pipelines/views.js'
import {offsetsKeyFor} from '../../../src/core/redis/index.js'
import {uniqueName} from '../../helpers/names.js'
import {testConfig} from '../../helpers/services.js'
import {boardScores, deleteKeys, expectedBoard, expectedViews, seedScores, seedViews} from '../pipelines/leaderboard-data.js'
import {checkLabels, makeReviews} from '../pipelines/predictions-data.js'
import {expectedAlerts, keyValues, seedAlerts} from '../stream/alerts-data.js'
import {createTestDatabase, type SeedRecord} from '../stream/fixtures.js'

/**
 * A producer as slow to come back as the engine allows for (SPEC §4; src/core/stream/runtime.ts,
 * GRACE_AFTER_OUTAGE_MS): 12 s between tries, so that after each crash it resends what it held up to 12 s
 * after the broker is back. A shorter grace lets the wall clock close windows (and --until-idle end a run)
 * before those records arrive.
 */
export const SLOW_PRODUCER_RETRY = {...RUNNING_RETRY, initialRetryTime: 12_000, maxRetryTime: 12_000, factor: 0, multiplier: 1}

/**
 * Produces each topic's records in order, `perSecond` of each per second, through the brokers' crashes: an
 * idempotent producer with one request in flight, retrying as long as it takes (every 12 s), so that every
 * record is written once and in order (the batch recomputations take them in that order).
 */
export async function feedPaced(brokers: string[], feeds: Array<{topic: string; records: SeedRecord[]}>, perSecond: number, onFirstSent: () => void = () => undefined): Promise<void> {
  const producer = createKafka({brokers, clientId: 'sstream-test-feed', retry: SLOW_PRODUCER_RETRY}).producer({idempotent: true, maxInFlightRequests: 1})
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

/** Every record of a topic (read_committed), in offset order per partition, as the batch recomputations take them. */
export async function readInput(brokers: string[], topic: string): Promise<SeedRecord[]> {
  const records: Array<SeedRecord & {offset: number}> = []
  await readTopic({
    brokers,
    topic,
    fromBeginning: true,
    exitAtEnd: true,
    onRecord: (r) => records.push({partition: r.partition, offset: Number(r.offset), key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp}),
  })
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

/** A topic read whole with read_committed, as {key, value} pairs. */
export async function readPairs(brokers: string[], topic: string): Promise<Array<{key: string | null; value: string}>> {
  const out: Array<{key: string | null; value: string}> = []
  await readTopic({brokers, topic, fromBeginning: true, exitAtEnd: true, onRecord: (r) => out.push({key: r.key, value: r.value ?? ''})})
  return out
}

export interface FourPipelinesOptions {
  brokers: string[]
  /** Creates fresh topics of 3 partitions named after the prefixes (with the replication factor of the test's Kafka) and returns their names. */
  createTopics(prefixes: string[]): Promise<string[]>
  /** The prefix of the group ids and Redis keys: `<name>-alerts`, `<name>-board`... each made unique. */
  name: string
  /** Records per second per input topic, and how many of each. */
  rate: number
  count: number
  /** The seed of the alerts; views and scores take the next two. */
  seed: number
  /** Where the database and the Redis keys are dropped after the file. */
  cleanups: Array<() => Promise<void>>
}

export interface FourPipelines {
  inputs: {alerts: string; views: string; leaderboard: string; predictions: string}
  groupIds: {alerts: string; views: string; leaderboard: string; predictions: string}
  /** Each pipeline's events, newest last. */
  events: Record<'alerts' | 'views' | 'leaderboard' | 'predictions', BoardPipelineEvent[]>
  /** True until the feed has written its last record. */
  feeding(): boolean
  /** Awaits the feed and the four runs (`--until-idle`), then checks every output; `log` goes into each assertion's message. */
  finish(log: string): Promise<void>
}

/**
 * Creates the topics, the database and the Redis keys, starts the live feed and, once its first records are
 * written (--until-idle would rightly end a run on topics still empty), the four runs (the model of
 * predictions in this process: the sentiment service's outages have their own tests).
 */
export async function startFourPipelines(options: FourPipelinesOptions): Promise<FourPipelines> {
  const {brokers, rate, count, seed} = options
  const [alertsIn, critical, highVolume, alertsDead, viewsIn, viewsDead, scoresIn, scoresDead, reviewsIn, labels, reviewsDead] = await options.createTopics([
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
  options.cleanups.push(() => db.drop())
  const topicsKey = uniqueName(`${options.name}-topics`)
  const boardKey = uniqueName(`${options.name}-board`)
  options.cleanups.push(() => deleteKeys([topicsKey, offsetsKeyFor(topicsKey), boardKey, offsetsKeyFor(boardKey)]))
  // Event times that keep pace with the wall clock at `rate` records per second over 3 partitions.
  const now = Date.now()
  const alerts = seedAlerts({count, seed, start: now, stepMs: 3000 / rate, malformedEvery: 401})
  const views = seedViews({count, seed: seed + 1, start: now, stepMs: 3000 / rate, brokenEvery: 397})
  const scores = seedScores({count, seed: seed + 2, brokenEvery: 389})
  // Reviews on the partition of their key, as the reviews generator writes them (labels go to the key's partition).
  const reviews = await makeReviews(count)
  const reviewRecords = reviews.map((r) => ({partition: partitionForKey(Buffer.from(r.key), 3), key: r.key, value: r.value ?? '', timestamp: now}))
  let fedOnce!: () => void
  const firstSent = new Promise<void>((resolve) => (fedOnce = resolve))
  let feeding = true
  const feed = feedPaced(
    brokers,
    [
      {topic: alertsIn, records: alerts},
      {topic: viewsIn, records: views},
      {topic: scoresIn, records: scores},
      {topic: reviewsIn, records: reviewRecords},
    ],
    rate,
    fedOnce,
  ).finally(() => (feeding = false))
  feed.catch(() => undefined) // awaited by finish()
  await Promise.race([firstSent, feed])

  const groupIds = {
    alerts: uniqueName(`${options.name}-alerts`),
    views: uniqueName(`${options.name}-views`),
    leaderboard: uniqueName(`${options.name}-leaderboard`),
    predictions: uniqueName(`${options.name}-predictions`),
  }
  const events: FourPipelines['events'] = {alerts: [], views: [], leaderboard: [], predictions: []}
  const common = (pipeline: keyof typeof events) => ({
    brokers,
    groupId: groupIds[pipeline],
    idleTimeoutMs: 3000,
    untilIdle: true,
    onEvent: (e: BoardPipelineEvent) => void events[pipeline].push(e),
  })
  const runs = {
    alerts: runAlerts({...common('alerts'), inputTopic: alertsIn, deadLetterTopic: alertsDead, criticalTopic: critical, highVolumeTopic: highVolume}),
    views: runViews({...common('views'), inputTopic: viewsIn, deadLetterTopic: viewsDead, mariadbUrl: db.url, redisUrl: testConfig.redisUrl, key: topicsKey}),
    leaderboard: runLeaderboard({...common('leaderboard'), inputTopic: scoresIn, deadLetterTopic: scoresDead, redisUrl: testConfig.redisUrl, key: boardKey}),
    predictions: runPredictions({...common('predictions'), inputTopic: reviewsIn, outputTopic: labels, deadLetterTopic: reviewsDead, local: true, sentimentUrl: 'http://127.0.0.1:1/sentiment'}),
  }
  for (const run of Object.values(runs)) run.catch(() => undefined) // awaited by finish()

  const finish = async (log: string): Promise<void> => {
    await feed
    const [alertsSummary, viewsSummary, boardSummary, predictionsSummary] = await Promise.all([runs.alerts, runs.views, runs.leaderboard, runs.predictions])
    const read = (topic: string) => readInput(brokers, topic)

    // Every record was written once, in order: the recomputations below take the seeds as the topics hold them.
    for (const [topic, records] of [[alertsIn, alerts], [viewsIn, views], [scoresIn, scores], [reviewsIn, reviewRecords]] as const) {
      const held = await read(topic)
      expect(held.map((r) => `${r.partition}/${r.key}`), topic).toEqual([...records].sort((a, b) => a.partition - b.partition).map((r) => `${r.partition}/${r.key}`))
    }

    const wantAlerts = expectedAlerts(alerts)
    expect(alertsSummary.late, `alerts\n${log}`).toBe(wantAlerts.late)
    const sorted = (list: Array<{key: string | null; value: string}>) => keyValues(list).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.key.localeCompare(b.key)))
    expect(sorted(await readPairs(brokers, critical)), `alerts critical\n${log}`).toEqual(wantAlerts.critical)
    expect(sorted(await readPairs(brokers, highVolume)), `alerts high volume\n${log}`).toEqual(wantAlerts.highVolume)

    const wantViews = expectedViews(views)
    expect(viewsSummary.late, `views\n${log}`).toBe(wantViews.late)
    const rows = (await db.pool.query('SELECT WINDOW_START, USER_NAME, TOTAL_MINUTES, VIEW_COUNT FROM user_view_summary')) as Array<{WINDOW_START: Date; USER_NAME: string; TOTAL_MINUTES: number; VIEW_COUNT: number}>
    expect(rows.map((r) => `${r.WINDOW_START.getTime()}/${r.USER_NAME}=${r.TOTAL_MINUTES}#${r.VIEW_COUNT}`).sort(), `views windows\n${log}`).toEqual(
      [...wantViews.windows].map(([k, v]) => `${k}=${v.minutes}#${v.views}`).sort(),
    )
    expect(await boardScores(topicsKey), `views topics board\n${log}`).toEqual(wantViews.topics)

    expect(await boardScores(boardKey), `leaderboard\n${log}`).toEqual(expectedBoard(scores))
    expect(boardSummary.deadLettered, `leaderboard\n${log}`).toBe(scores.filter((s) => s.score === undefined).length)

    // Every review labelled exactly once, with the model's label, on its input partition, in input order.
    expect(await checkLabels(reviews, reviewsIn, labels, 'trained', read), `predictions\n${log}`).toEqual({problems: [], labelled: reviews.length})
    expect(predictionsSummary.deadLettered, `predictions\n${log}`).toBe(0)
  }

  return {
    inputs: {alerts: alertsIn, views: viewsIn, leaderboard: scoresIn, predictions: reviewsIn},
    groupIds,
    events,
    feeding: () => feeding,
    finish,
  }
}
