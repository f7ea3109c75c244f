/**
 * The dead-letter topic itself: a record too large for it is dead-lettered with its value cut to fit and a
 * header giving the original size (never a stall), also when the topic accepts less than the usual 1 MiB; a key
 * too long for it is cut with a header of its own giving its size, within a small topic's room; and a missing
 * or compacted dead-letter topic is a clear start-up error. Output topics that accept less than the usual take a
 * batch's many outputs in requests within their limit; a compacted one gets no message without a key (each is
 * dead-lettered `rejected`, where the broker's refusal stalled the partition).
 */
import {afterAll, describe, expect, it} from 'vitest'

import {isSstreamError, type SstreamError} from '../../../src/core/errors.js'
import {runAlerts} from '../../../src/core/pipelines/alerts.js'
import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import {runLeaderboard} from '../../../src/core/pipelines/leaderboard.js'
import {offsetsKeyFor} from '../../../src/core/redis/index.js'
import {DEAD_LETTER_HEADERS, MAX_DEAD_LETTER_BYTES} from '../../../src/core/stream/task-output.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices, testConfig} from '../../helpers/services.js'
import {expectedAlerts, javaTimestamp, keyValues, seedAlerts} from '../stream/alerts-data.js'
import {brokers, createTestDatabase, createTopics, kafkaClient, produce, readCommitted} from '../stream/fixtures.js'
import {expectedSummaries, rowsAsWindows, seedOrders} from '../stream/orders-data.js'
import {boardScores, deleteKeys} from './leaderboard-data.js'

const services = new TestServices()
const redisKeys: string[] = []

/** Sets one setting of a topic. */
async function setTopicConfig(topic: string, name: string, value: string): Promise<void> {
  const admin = kafkaClient().admin()
  await admin.connect()
  try {
    await admin.alterConfigs({validateOnly: false, resources: [{type: 2, name: topic, configEntries: [{name, value}]}]})
  } finally {
    await admin.disconnect()
  }
}

/** Sets a topic's max.message.bytes (the largest record batch it accepts). */
async function setMessageLimit(topic: string, bytes: number): Promise<void> {
  await setTopicConfig(topic, 'max.message.bytes', String(bytes))
}

afterAll(async () => {
  await deleteKeys(redisKeys)
  await services.cleanup()
})

describe('the dead-letter topic', {timeout: 120_000}, () => {
  it('a record larger than a dead letter may be is dead-lettered with its value cut and sstream-truncated giving its size; the others go on', async () => {
    const groupId = services.groupId('huge-record')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {partitions: 1, groups: [groupId]})
    // The input topic takes records of up to 4 MB (a producer's choice sstream cannot prevent).
    await setMessageLimit(input, 4 * 1024 * 1024)
    const key = uniqueName('huge-record-board')
    redisKeys.push(key, offsetsKeyFor(key))
    const huge = '7'.repeat(1_500_000)
    await produce(input, [{partition: 0, key: 'Bob', value: '1', timestamp: Date.now()}])
    await produce(input, [{partition: 0, key: 'Bob', value: huge, timestamp: Date.now()}])
    await produce(input, [{partition: 0, key: 'Bob', value: '2', timestamp: Date.now()}])
    const summary = await runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true})
    expect(summary.recordsIn).toBe(3)
    expect(await boardScores(key)).toEqual({Bob: 3})
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead).toHaveLength(1)
    expect(dead[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('bad-value')
    expect(dead[0].headers[DEAD_LETTER_HEADERS.sourceOffset]).toBe('1')
    expect(dead[0].headers[DEAD_LETTER_HEADERS.truncated]).toBe('1500000')
    expect(dead[0].key).toBe('Bob')
    expect(dead[0].value?.length).toBe(MAX_DEAD_LETTER_BYTES - 3)
    expect(huge.startsWith(String(dead[0].value))).toBe(true)
  })

  it('a dead-letter topic that accepts less than the usual 1 MiB: a dead letter too large for it is cut to fit, the others whole, and the run goes on', async () => {
    const groupId = services.groupId('small-dlq')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {partitions: 1, groups: [groupId]})
    const limit = 100_000
    await setMessageLimit(deadLetters, limit)
    const db = await createTestDatabase()
    services.defer(() => db.drop())
    const start = Date.UTC(2024, 4, 1, 12)
    const good = seedOrders({count: 300, seed: 41, start, stepMs: 20, partitions: 1})
    // A 500 kB value that is no order, and several smaller bad ones that fit whole: one batch together.
    const big = `{"product":"${'x'.repeat(500_000)}`
    const records = [...good.slice(0, 100), {partition: 0, key: 'big', value: big, timestamp: start + 2000}, ...Array.from({length: 8}, (_, i) => ({partition: 0, key: `bad-${i}`, value: `{"oops":${'9'.repeat(20_000)}`, timestamp: start + 2000})), ...good.slice(100)]
    await produce(input, records)
    const summary = await runAnalytics({brokers, groupId, mariadbUrl: db.url, inputTopic: input, deadLetterTopic: deadLetters, table: 'order_summary', idleTimeoutMs: 2000, untilIdle: true})
    const expected = expectedSummaries(good)
    expect(summary.recordsIn).toBe(records.length)
    expect(summary.deadLettered).toBe(9 + expected.late)
    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    expect(rowsAsWindows(rows)).toEqual(expected.windows)
    const dead = (await readCommitted(deadLetters, {timeoutMs: 20_000})).filter((d) => d.headers[DEAD_LETTER_HEADERS.reason] !== 'late')
    expect(dead.map((d) => d.key)).toEqual(['big', ...Array.from({length: 8}, (_, i) => `bad-${i}`)])
    const cut = dead[0]
    expect(cut.headers[DEAD_LETTER_HEADERS.truncated]).toBe(String(big.length))
    expect(cut.headers[DEAD_LETTER_HEADERS.reason]).toBe('malformed-json')
    expect(cut.value!.length).toBeGreaterThan(limit / 2)
    expect(cut.value!.length).toBeLessThan(limit)
    expect(big.startsWith(String(cut.value))).toBe(true)
    for (const whole of dead.slice(1)) {
      expect(whole.headers[DEAD_LETTER_HEADERS.truncated]).toBeUndefined()
      expect(whole.value).toBe(records.find((r) => r.key === whole.key)!.value)
    }
  })

  it('a key too long for a dead letter is cut to its first 1,000 characters with sstream-key-truncated giving its size; the value, whole, has no sstream-truncated', async () => {
    const groupId = services.groupId('long-keys')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high-volume', 'dlq'], {partitions: 1, groups: [groupId]})
    await setMessageLimit(input, 4 * 1024 * 1024)
    await setMessageLimit(deadLetters, 20_000)
    const now = Date.now()
    // Beyond half the dead-letter topic's room; beyond half a dead letter (cut when made, then again to fit the topic); and one that fits.
    const records = [
      {partition: 0, key: 'a'.repeat(25_000), value: 'not an alert', timestamp: now},
      {partition: 0, key: 'b'.repeat(600_000), value: 'x'.repeat(600_000), timestamp: now},
      {partition: 0, key: 'c'.repeat(2_000), value: 'not one either', timestamp: now},
    ]
    await produce(input, records)
    const summary = await runAlerts({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, criticalTopic: critical, highVolumeTopic: highVolume, idleTimeoutMs: 2000, untilIdle: true})
    expect(summary.deadLettered).toBe(3)
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => [d.key, d.headers[DEAD_LETTER_HEADERS.keyTruncated], d.headers[DEAD_LETTER_HEADERS.truncated]])).toEqual([
      ['a'.repeat(1000), '25000', undefined],
      ['b'.repeat(1000), '600000', '600000'],
      ['c'.repeat(2000), undefined, undefined],
    ])
    expect(dead.map((d) => d.headers[DEAD_LETTER_HEADERS.sourceOffset])).toEqual(['0', '1', '2'])
    expect([dead[0].value, dead[2].value]).toEqual(['not an alert', 'not one either'])
    expect(dead[1].value!.length).toBeGreaterThan(10_000)
    expect(records[1].value.startsWith(dead[1].value!)).toBe(true)
  })

  it('a dead-letter topic of 1,500 bytes takes a long key of several-byte characters, cut to fit, and the run goes on', async () => {
    const groupId = services.groupId('small-dlq-keys')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high-volume', 'dlq'], {partitions: 1, groups: [groupId]})
    await setMessageLimit(deadLetters, 1500)
    const now = Date.now()
    const records = [
      {partition: 0, key: 'é'.repeat(5000), value: 'not an alert', timestamp: now},
      {partition: 0, key: '😀'.repeat(3000), value: 'nor this', timestamp: now},
      {partition: 0, key: 'ok', value: `"${javaTimestamp(now)}","CRITICAL","E1","after them"`, timestamp: now},
    ]
    await produce(input, records)
    const summary = await runAlerts({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, criticalTopic: critical, highVolumeTopic: highVolume, idleTimeoutMs: 2000, untilIdle: true})
    expect(summary.deadLettered).toBe(2)
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => d.headers[DEAD_LETTER_HEADERS.keyTruncated])).toEqual(['10000', '12000'])
    expect(dead[0].key).toBe('é'.repeat([...dead[0].key!].length))
    expect(dead[1].key).toBe('😀'.repeat([...dead[1].key!].length))
    expect(dead.map((d) => d.value)).toEqual(['not an alert', 'nor this'])
    expect((await readCommitted(critical)).map((c) => c.key)).toEqual(['ok'])
  })

  it('an output topic that accepts less than the usual 1 MiB takes every output of a batch, in requests within its limit', async () => {
    const groupId = services.groupId('small-critical')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high-volume', 'dlq'], {partitions: 1, groups: [groupId]})
    // Room for about 150 critical alerts per record batch: a batch of the input holds many more.
    await setMessageLimit(critical, 16_384)
    const alerts = seedAlerts({count: 6000, seed: 42, start: Date.UTC(2024, 4, 1, 12), stepMs: 5, partitions: 1})
    await produce(input, alerts)
    const summary = await runAlerts({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, criticalTopic: critical, highVolumeTopic: highVolume, idleTimeoutMs: 2000, untilIdle: true})
    const want = expectedAlerts(alerts)
    expect(want.critical.length).toBeGreaterThan(1000)
    expect(summary.deadLettered).toBe(want.late + want.malformed)
    const sorted = (list: Array<{key: string | null; value: string}>) => keyValues(list).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.key.localeCompare(b.key)))
    expect(sorted(await readCommitted(critical, {timeoutMs: 20_000}).then((m) => m.map((r) => ({key: r.key, value: r.value ?? ''}))))).toEqual(want.critical)
  })

  it('a missing dead-letter topic is a start-up error naming it and `sstream setup kafka --topic` for it, before anything is read', async () => {
    const groupId = services.groupId('missing-dlq')
    const [input] = await createTopics(services, ['scores'], {partitions: 1, groups: [groupId]})
    const missing = uniqueName('t-no-such-dlq')
    const key = uniqueName('missing-dlq-board')
    redisKeys.push(key, offsetsKeyFor(key))
    await produce(input, [{partition: 0, key: 'Bob', value: '1', timestamp: Date.now()}])
    const error = await runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: missing, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSstreamError(error)).toBe(true)
    const coded = error as SstreamError
    expect(coded.code).toBe('TOPIC_MISSING')
    expect(coded.message).toBe(`The dead-letter topic ${missing} does not exist on Kafka at ${brokers.join(',')}.`)
    expect(coded.nextSteps.join(' ')).toContain(`\`sstream setup kafka --topic ${missing}\``)
    expect(await boardScores(key)).toEqual({})
  })

  it('a compacted output topic: an output without a key is dead-lettered `rejected` with the reason, once, and the others are written', async () => {
    const groupId = services.groupId('compacted-output')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high-volume', 'dlq'], {partitions: 1, groups: [groupId]})
    await setTopicConfig(critical, 'cleanup.policy', 'compact')
    const now = Date.now()
    const alert = (message: string) => `"${javaTimestamp(now)}","CRITICAL","E1","${message}"`
    await produce(input, [
      {partition: 0, key: null, value: alert('no key'), timestamp: now},
      {partition: 0, key: 'k1', value: alert('a key'), timestamp: now},
      {partition: 0, key: null, value: alert('no key again'), timestamp: now},
      {partition: 0, key: 'k2', value: alert('another key'), timestamp: now},
    ])
    const run = () => runAlerts({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, criticalTopic: critical, highVolumeTopic: highVolume, idleTimeoutMs: 2000, untilIdle: true})
    const summary = await run()
    expect(summary.deadLettered).toBe(2)
    expect((await readCommitted(critical)).map((c) => c.key)).toEqual(['k1', 'k2'])
    const dead = await readCommitted(deadLetters)
    expect(dead.map((d) => [d.key, d.value, d.headers[DEAD_LETTER_HEADERS.reason], d.headers[DEAD_LETTER_HEADERS.sourceOffset]])).toEqual([
      [null, `"${javaTimestamp(now)}","E1","no key"`, 'rejected', '0'],
      [null, `"${javaTimestamp(now)}","E1","no key again"`, 'rejected', '2'],
    ])
    expect(dead[0].headers[DEAD_LETTER_HEADERS.error]).toMatch(/^The message for \S+ has no key, and /)
    expect(dead[0].headers[DEAD_LETTER_HEADERS.error]).toContain(`and ${critical} is compacted (cleanup.policy compact): it refuses a record without a key.`)
    // A second run of the group has nothing left to do: the dead letters were committed with the offsets.
    expect((await run()).recordsIn).toBe(0)
    expect(await readCommitted(deadLetters)).toHaveLength(2)
  })

  it('a compacted dead-letter topic is a start-up error naming the setting, before any record is read', async () => {
    const groupId = services.groupId('compacted-dlq')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high-volume', 'dlq'], {partitions: 1, groups: [groupId]})
    await setTopicConfig(deadLetters, 'cleanup.policy', 'compact,delete')
    await produce(input, [{partition: 0, key: null, value: 'not an alert', timestamp: Date.now()}])
    const error = await runAlerts({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, criticalTopic: critical, highVolumeTopic: highVolume, idleTimeoutMs: 2000, untilIdle: true}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSstreamError(error)).toBe(true)
    const coded = error as SstreamError
    expect(coded.code).toBe('TOPIC_MISMATCH')
    expect(coded.message).toContain(`The dead-letter topic ${deadLetters} is compacted`)
    expect(coded.nextSteps.join(' ')).toContain('cleanup.policy=delete')
    expect(await readCommitted(deadLetters, {timeoutMs: 2000})).toEqual([])
  })
})
