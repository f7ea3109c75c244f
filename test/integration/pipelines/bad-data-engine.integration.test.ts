/**
 * Bad data that only the engine can settle (issue 14's engine part), against the real services:
 * - a result a sink refuses for its content (`StoreSink.write` resolves to `{rejected}`) is dead-lettered
 *   with reason `rejected`, the sink's message and, for a window, its window and key; the rest is written;
 * - an event time further ahead of the wall clock than `--max-future` (default 1 hour) is dead-lettered
 *   `future-timestamp` instead of moving the watermark.
 * The sinks and decoders already do their part (see the sink tests); these tests fail until the engine
 * consumes it, hence `it.fails`: turn each into `it` when the engine lands.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runAlerts} from '../../../src/core/pipelines/alerts.js'
import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import {runLeaderboard} from '../../../src/core/pipelines/leaderboard.js'
import {runViews} from '../../../src/core/pipelines/views.js'
import {leaderboardSink, offsetsKeyFor} from '../../../src/core/redis/index.js'
import {DEAD_LETTER_HEADERS, type SinkWriteResult} from '../../../src/core/stream/index.js'
import {javaTimestamp} from '../../helpers/hostile.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices, testConfig} from '../../helpers/services.js'
import {brokers, createTestDatabase, createTopics, produce, readCommitted, type SeedRecord} from '../stream/fixtures.js'
import {boardScores, deleteKeys} from './leaderboard-data.js'

const services = new TestServices()
let db: Awaited<ReturnType<typeof createTestDatabase>>
const redisKeys: string[] = []
const T0 = Date.UTC(2024, 0, 1)

beforeAll(async () => {
  db = await createTestDatabase()
})

afterAll(async () => {
  await deleteKeys(redisKeys)
  await services.cleanup()
  await db?.drop()
})

const reasonsOf = async (topic: string): Promise<string[]> => (await readCommitted(topic, {timeoutMs: 20_000})).map((d) => d.headers[DEAD_LETTER_HEADERS.reason])

// Until the engine lands these fail, some by timing out: no retry, and a bounded time each.
describe('bad data the engine settles', {timeout: 120_000, retry: 0}, () => {
  it('analytics: a window whose sum is beyond TOTAL_VALUE is dead-lettered `rejected` with its window and key, and the other windows are written', async () => {
    const groupId = services.groupId('reject-analytics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    // Three valid orders of 9 × 10^13 in one window: 2.7 × 10^14, beyond DECIMAL(16,2).
    const records: SeedRecord[] = []
    for (let i = 0; i < 300; i++) records.push({partition: i % 3, key: String(i), value: JSON.stringify({orderId: i, product: 'Mouse', quantity: 1, price: 10.5}), timestamp: T0 + i * 100})
    // In event-time order after the Mouse orders (which reach T0 + 29.9 s), so that they are not late.
    for (let i = 0; i < 3; i++) records.push({partition: i, key: `big${i}`, value: JSON.stringify({orderId: i, product: 'Big', quantity: 9, price: 1e13}), timestamp: T0 + 31_000})
    for (let i = 0; i < 30; i++) records.push({partition: i % 3, key: `after${i}`, value: JSON.stringify({orderId: i, product: 'Mouse', quantity: 1, price: 1}), timestamp: T0 + 40_000 + i * 100})
    await produce(input, records)
    const summary = await runAnalytics({brokers, groupId, mariadbUrl: db.url, inputTopic: input, deadLetterTopic: deadLetters, table: 'order_summary', idleTimeoutMs: 2000, untilIdle: true})
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => d.headers[DEAD_LETTER_HEADERS.reason])).toEqual(['rejected'])
    expect(dead[0].headers[DEAD_LETTER_HEADERS.error]).toMatch(/Out of range value for column 'TOTAL_VALUE'/)
    expect(dead[0].key).toBe('Big')
    expect(summary.deadLettered).toBe(1)
    const rows = (await db.pool.query("SELECT PRODUCT FROM order_summary WHERE PRODUCT = 'Big'")) as unknown[]
    expect(rows).toHaveLength(0)
    const mouse = (await db.pool.query("SELECT SUM(ORDER_COUNT) AS n FROM order_summary WHERE PRODUCT = 'Mouse'")) as Array<{n: unknown}>
    expect(Number(mouse[0].n)).toBe(330)
  })

  it('leaderboard: a point that would take a score beyond 2^53 − 1 is dead-lettered `rejected`, the others are added', async () => {
    const groupId = services.groupId('reject-leaderboard')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {groups: [groupId]})
    const key = uniqueName('reject-board')
    redisKeys.push(key, offsetsKeyFor(key))
    await produce(input, [
      {partition: 0, key: 'Max', value: '9007199254740991', timestamp: Date.now()},
      {partition: 0, key: 'Max', value: '1', timestamp: Date.now()},
      {partition: 0, key: 'Bob', value: '7', timestamp: Date.now()},
    ])
    await runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true})
    expect(await boardScores(key)).toEqual({Max: 9007199254740991, Bob: 7})
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => [d.headers[DEAD_LETTER_HEADERS.reason], d.headers[DEAD_LETTER_HEADERS.sourceOffset]])).toEqual([['rejected', '1']])
  })

  it('leaderboard: after a crash between the Redis write and the Kafka commit, the refused point and the bad record of that batch are dead-lettered once, and nothing is added twice', async () => {
    const groupId = services.groupId('crash-reject-leaderboard')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {partitions: 1, groups: [groupId]})
    const key = uniqueName('crash-reject-board')
    redisKeys.push(key, offsetsKeyFor(key))
    const run = () => runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true})
    await produce(input, [{partition: 0, key: 'Bob', value: '1', timestamp: Date.now()}])
    expect((await run()).recordsIn).toBe(1)
    await produce(input, [
      {partition: 0, key: 'Max', value: '9007199254740991', timestamp: Date.now()},
      {partition: 0, key: 'Max', value: '1', timestamp: Date.now()},
      {partition: 0, key: 'Bob', value: 'not a score', timestamp: Date.now()},
      {partition: 0, key: 'Bob', value: '7', timestamp: Date.now()},
    ])
    // A process took offsets 1-4 to Redis (refusing Max's second point) and died before its Kafka commit.
    const crashed = leaderboardSink({url: testConfig.redisUrl, key})
    await crashed.open()
    try {
      expect(await crashed.storedPosition!(input, 0)).toBe(1)
      const points = [{member: 'Max', delta: 9007199254740991, offset: 1}, {member: 'Max', delta: 1, offset: 2}, {member: 'Bob', delta: 7, offset: 4}]
      const refused = (await crashed.write(points, {pipeline: 'leaderboard', topic: input, partition: 0, nextOffset: 5})) as SinkWriteResult
      expect(refused.rejected.map((r) => r.index)).toEqual([1])
    } finally {
      await crashed.close()
    }
    const summary = await run()
    expect(summary.recordsIn).toBe(4)
    expect(await boardScores(key)).toEqual({Bob: 8, Max: 9007199254740991})
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    // (In the dead-letter topic, a batch's rejections follow its decoding's dead letters.)
    expect(dead.map((d) => [d.headers[DEAD_LETTER_HEADERS.reason], d.headers[DEAD_LETTER_HEADERS.sourceOffset]]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['rejected', '2'],
      ['bad-value', '3'],
    ])
    // Once more: nothing new, nothing again.
    expect((await run()).recordsIn).toBe(0)
    expect(await readCommitted(deadLetters, {timeoutMs: 20_000})).toHaveLength(2)
  })

  it('leaderboard: after a crash between the first Redis write of a new group and its first Kafka commit, the bad records of that batch are dead-lettered once', async () => {
    const groupId = services.groupId('crash-first-commit')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {partitions: 1, groups: [groupId]})
    const key = uniqueName('crash-first-board')
    redisKeys.push(key, offsetsKeyFor(key))
    const run = () => runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 1000, untilIdle: true})
    // The group's first process starts (on an empty partition, as when it starts before the records come).
    expect((await run()).recordsIn).toBe(0)
    await produce(input, [
      {partition: 0, key: 'Bob', value: '1', timestamp: Date.now()},
      {partition: 0, key: 'Bob', value: 'not a score', timestamp: Date.now()},
      {partition: 0, key: 'Bob', value: '7', timestamp: Date.now()},
    ])
    // It took offsets 0-2 to Redis and died before its first Kafka commit (which held the dead letter of offset 1).
    const crashed = leaderboardSink({url: testConfig.redisUrl, key})
    await crashed.open()
    try {
      expect(await crashed.storedPosition!(input, 0)).toBeUndefined()
      await crashed.write([{member: 'Bob', delta: 1, offset: 0}, {member: 'Bob', delta: 7, offset: 2}], {pipeline: 'leaderboard', topic: input, partition: 0, nextOffset: 3})
    } finally {
      await crashed.close()
    }
    const summary = await run()
    expect(summary.recordsIn).toBe(3)
    expect(summary.deadLettered).toBe(1)
    expect(await boardScores(key)).toEqual({Bob: 8})
    expect((await readCommitted(deadLetters, {timeoutMs: 20_000})).map((d) => [d.headers[DEAD_LETTER_HEADERS.reason], d.headers[DEAD_LETTER_HEADERS.sourceOffset]])).toEqual([['bad-value', '1']])
    // Once more: nothing new, nothing again.
    expect((await run()).recordsIn).toBe(0)
    expect(await readCommitted(deadLetters, {timeoutMs: 20_000})).toHaveLength(1)
  })

  it('leaderboard: 200 scores of 64 KB each are all dead-lettered (the dead letters of one batch exceed a Kafka message), and the run does not stop as idle before they are', async () => {
    const groupId = services.groupId('huge-dead-letters')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {groups: [groupId]})
    const key = uniqueName('huge-board')
    redisKeys.push(key, offsetsKeyFor(key))
    const huge = '9'.repeat(64 * 1024)
    const records: SeedRecord[] = []
    for (let i = 0; i < 200; i++) records.push({partition: 0, key: 'Bob', value: i % 2 === 0 ? huge : '1', timestamp: Date.now()})
    // Produced in small requests: each record fits a message on its own.
    for (let i = 0; i < records.length; i += 10) await produce(input, records.slice(i, i + 10))
    const summary = await runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true})
    expect(summary.recordsIn).toBe(200)
    expect(await reasonsOf(deadLetters)).toEqual(Array.from({length: 100}, () => 'bad-value'))
    expect(await boardScores(key)).toEqual({Bob: 100})
  })

  it('alerts: an alert dated far in the future is dead-lettered `future-timestamp` and closes no window', async () => {
    const groupId = services.groupId('future-alerts')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'hv', 'dlq'], {groups: [groupId]})
    const records: SeedRecord[] = []
    for (let i = 0; i < 200; i++) {
      records.push({partition: i % 3, key: String(i), value: `"${javaTimestamp(T0 + i * 500)}","HIGH","100","m"`, timestamp: T0})
      if (i === 50) records.push({partition: 0, key: 'future', value: `"${javaTimestamp(Date.UTC(2999, 0, 1))}","HIGH","100","m"`, timestamp: T0})
    }
    await produce(input, records)
    const summary = await runAlerts({brokers, groupId, inputTopic: input, criticalTopic: critical, highVolumeTopic: highVolume, deadLetterTopic: deadLetters, idleTimeoutMs: 2000, untilIdle: true})
    expect(await reasonsOf(deadLetters)).toEqual(['future-timestamp'])
    expect(summary.late).toBe(0)
    // 200 alerts of code 100, 20 per 10 s window: 10 high-volume windows.
    expect(await readCommitted(highVolume, {timeoutMs: 20_000})).toHaveLength(10)
  })

  it('views: a view dated far in the future is dead-lettered `future-timestamp` and every user window is still written', async () => {
    const groupId = services.groupId('future-views')
    const [input, deadLetters] = await createTopics(services, ['views', 'dlq'], {groups: [groupId]})
    const key = uniqueName('future-topics')
    redisKeys.push(key, offsetsKeyFor(key))
    const records: SeedRecord[] = []
    for (let i = 0; i < 200; i++) {
      records.push({partition: i % 3, key: String(i), value: `"${javaTimestamp(T0 + i * 250)}","Bob","AI",1`, timestamp: T0})
      if (i === 50) records.push({partition: 0, key: 'future', value: `"${javaTimestamp(Date.UTC(2999, 0, 1))}","Bob","AI",1`, timestamp: T0})
    }
    await produce(input, records)
    const summary = await runViews({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, mariadbUrl: db.url, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true})
    expect(await reasonsOf(deadLetters)).toEqual(['future-timestamp'])
    expect(summary.late).toBe(0)
    const rows = (await db.pool.query("SELECT SUM(VIEW_COUNT) AS n FROM user_view_summary WHERE USER_NAME = 'Bob'")) as Array<{n: unknown}>
    expect(Number(rows[0].n)).toBe(200)
  })
})
