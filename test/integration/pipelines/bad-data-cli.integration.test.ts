/**
 * Bad data as a user meets it, through the built CLI (`sstream run <pipeline> --json --until-idle`): records a
 * real topic holds that the input format does not expect. Each bad record is dead-lettered once with its
 * reason and, where one field is at fault, `sstream-field`; the `deadletter` events and the summary say the
 * same; and the outputs equal what the good records alone give.
 * - keys that are not UTF-8, where a pipeline uses the key: the leaderboard's player, a critical alert's key
 *   (which the critical output carries), a review's id. As text their bytes read as U+FFFD, so two players
 *   became one and the outputs carried another key than their input. Where the key is not used (a HIGH
 *   alert, the Spark output format, which writes no key) such a record is processed as any other.
 * - orders whose fields have the wrong JSON type or are missing: `sstream-field` names the field.
 * - an order without a Kafka timestamp (-1): `bad-timestamp`, not a window of 1969.
 * - an alert or an order with a line end after it (`\r\n`, `\n`) or a byte order mark before it: an alert, an
 *   order, as the same view is.
 * - the leaderboard's bad records with no good record after them in their partition: dead-lettered once, not
 *   again by every later run (the board's stored position, its restart point, moves past them).
 */
import {afterAll, describe, expect, it} from 'vitest'

import {DEAD_LETTER_HEADERS} from '../../../src/core/stream/index.js'
import {offsetsKeyFor} from '../../../src/core/redis/index.js'
import {runCli} from '../../helpers/cli.js'
import {javaTimestamp} from '../../helpers/hostile.js'
import {uniqueName} from '../../helpers/names.js'
import {createTopics, kafkaClient, readCommitted, useFileServices, type ReadRecord} from '../stream/fixtures.js'
import {boardScores, deleteKeys} from './leaderboard-data.js'

const file = useFileServices()
const {services} = file
const redisKeys: string[] = []

afterAll(async () => {
  await deleteKeys(redisKeys)
})

/** A record as a producer writes it: any bytes as key and value. */
interface RawRecord {
  key: Buffer | string | null
  value: Buffer | string | null
  timestamp?: number
  /** Default 0. */
  partition?: number
}

/** Produces the records in order (to partition 0 unless they say). */
async function produceRaw(topic: string, records: RawRecord[]): Promise<void> {
  const producer = kafkaClient().producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  try {
    const messages = records.map((r) => ({partition: r.partition ?? 0, key: r.key, value: r.value, timestamp: String(r.timestamp ?? Date.now())}))
    await producer.send({topic, acks: -1, messages})
  } finally {
    await producer.disconnect()
  }
}

/** The NDJSON events of a run. */
function eventsOf(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** [source offset, reason, field] of each dead letter, by offset. */
const deadLetterHeaders = (dead: ReadRecord[]): Array<[number, string, string | undefined]> =>
  dead.map((d) => [Number(d.headers[DEAD_LETTER_HEADERS.sourceOffset]), d.headers[DEAD_LETTER_HEADERS.reason], d.headers[DEAD_LETTER_HEADERS.field]] as [number, string, string | undefined]).sort((a, b) => a[0] - b[0])

/**
 * The run's dead letters, checked against its `deadletter` events and summary: each once, the same offsets
 * and reasons, counted. Returns them as [source offset, reason, field].
 */
async function checkedDeadLetters(deadLetterTopic: string, events: Array<Record<string, unknown>>, recordsIn: number): Promise<Array<[number, string, string | undefined]>> {
  const dead = await readCommitted(deadLetterTopic, {timeoutMs: 20_000})
  const headers = deadLetterHeaders(dead)
  const reported = events.filter((e) => e.type === 'deadletter').map((e) => [e.offset, e.reason])
  expect(reported.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(headers.map(([offset, reason]) => [offset, reason]))
  expect(new Set(headers.map(([offset]) => offset)).size).toBe(headers.length)
  expect(events.at(-1)).toMatchObject({type: 'summary', stoppedBy: 'until-idle', recordsIn, deadLettered: headers.length})
  return headers
}

const T0 = new Date(2024, 0, 1, 12, 0, 0).getTime()

/** Key bytes that are not UTF-8, each different; as text each reads as U+FFFD and the rest. */
const NOT_UTF8 = [Buffer.from([0xff, 0x01]), Buffer.from([0xfe, 0x01]), Buffer.from([0xed, 0xa0, 0x80])]

describe('bad data through the CLI', {timeout: 180_000}, () => {
  it('leaderboard: a key that is not UTF-8 is dead-lettered `bad-value` (player) with its bytes in hex, never merged with another player', async () => {
    const groupId = services.groupId('cli-binary-players')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {partitions: 1, groups: [groupId]})
    const key = uniqueName('cli-binary-board')
    redisKeys.push(key, offsetsKeyFor(key))
    await produceRaw(input, [
      {key: 'Bob', value: '5'},
      {key: NOT_UTF8[0], value: '3'},
      {key: NOT_UTF8[1], value: '4'},
      {key: 'Bob', value: '2'},
      {key: NOT_UTF8[2], value: '1'},
      // A real U+FFFD is valid UTF-8: a player like any other.
      {key: 'Zoë\ufffd', value: '6'},
    ])
    const run = await runCli(['run', 'leaderboard', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--idle-timeout', '1s', '--until-idle'])
    expect(run.code, run.stderr).toBe(0)
    const events = eventsOf(run.stdout)
    expect(await checkedDeadLetters(deadLetters, events, 6)).toEqual([
      [1, 'bad-value', 'player'],
      [2, 'bad-value', 'player'],
      [4, 'bad-value', 'player'],
    ])
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => d.headers[DEAD_LETTER_HEADERS.error])).toEqual(NOT_UTF8.map((bytes) => expect.stringContaining(`hex ${bytes.toString('hex')}`)))
    // The dead letters keep the keys as they were, byte for byte.
    expect(dead.map((d) => d.keyBytes?.toString('hex'))).toEqual(NOT_UTF8.map((bytes) => bytes.toString('hex')))
    expect(await boardScores(key)).toEqual({Bob: 7, 'Zoë\ufffd': 6})
    expect(events.at(-1)).toMatchObject({recordsOut: 3})
  })

  it('leaderboard: a bad record is dead-lettered once, across runs, also when no good record follows it in its partition', async () => {
    const groupId = services.groupId('cli-trailing-bad-scores')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {partitions: 2, groups: [groupId]})
    const key = uniqueName('cli-trailing-bad-board')
    redisKeys.push(key, offsetsKeyFor(key))
    await produceRaw(input, [
      // Partition 0: bad records only; partition 1: a score, then bad records.
      {key: 'Bob', value: 'lots', partition: 0},
      {key: null, value: '3', partition: 0},
      {key: 'Bob', value: '2', partition: 1},
      {key: 'Bob', value: '', partition: 1},
      {key: NOT_UTF8[0], value: '4', partition: 1},
    ])
    const args = ['run', 'leaderboard', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--idle-timeout', '1s', '--until-idle']
    const first = await runCli(args)
    expect(first.code, first.stderr).toBe(0)
    expect(eventsOf(first.stdout).at(-1)).toMatchObject({recordsIn: 5, deadLettered: 4})
    // Run again, as after a restart: nothing is read again, nothing dead-lettered again.
    const again = await runCli(args)
    expect(again.code, again.stderr).toBe(0)
    expect(eventsOf(again.stdout).at(-1)).toMatchObject({type: 'summary', recordsIn: 0, deadLettered: 0})
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead.map((d) => [d.headers[DEAD_LETTER_HEADERS.sourcePartition], d.headers[DEAD_LETTER_HEADERS.sourceOffset], d.headers[DEAD_LETTER_HEADERS.reason], d.headers[DEAD_LETTER_HEADERS.field]]).sort()).toEqual([
      ['0', '0', 'bad-value', 'score'],
      ['0', '1', 'bad-value', 'player'],
      ['1', '1', 'missing-value', undefined],
      ['1', '2', 'bad-value', 'player'],
    ])
    expect(await boardScores(key)).toEqual({Bob: 2})
  })

  it('alerts: a critical alert whose key is not UTF-8 is dead-lettered (key); the key of any other alert, or with --output-format spark, is not used', async () => {
    const groupId = services.groupId('cli-binary-alerts')
    const sparkGroupId = services.groupId('cli-binary-alerts-spark')
    const [input, critical, highVolume, deadLetters, sparkCritical, sparkHighVolume, sparkDeadLetters] = await createTopics(
      services,
      ['alerts', 'critical', 'hv', 'dlq', 'spark-critical', 'spark-hv', 'spark-dlq'],
      {partitions: 1, groups: [groupId, sparkGroupId]},
    )
    const alert = (i: number, level: string, code: string): string => `"${javaTimestamp(T0 + i * 100)}","${level}","${code}","This is a ${level} alert "`
    await produceRaw(input, [
      {key: '1', value: alert(0, 'CRITICAL', '100')},
      {key: NOT_UTF8[0], value: alert(1, 'CRITICAL', '100')},
      {key: NOT_UTF8[1], value: alert(2, 'HIGH', '100')},
      {key: '4', value: alert(3, 'ELEVATED', '100')},
      {key: NOT_UTF8[2], value: alert(4, 'CRITICAL', '200')},
      {key: '6', value: alert(5, 'CRITICAL', '200')},
    ])
    const run = await runCli(['run', 'alerts', '--json', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', highVolume, '--deadletter-topic', deadLetters, '--idle-timeout', '1s', '--until-idle'])
    expect(run.code, run.stderr).toBe(0)
    expect(await checkedDeadLetters(deadLetters, eventsOf(run.stdout), 6)).toEqual([
      [1, 'bad-value', 'key'],
      [4, 'bad-value', 'key'],
    ])
    const keyValue = async (topic: string): Promise<Array<[string | null, string]>> => (await readCommitted(topic, {timeoutMs: 20_000})).map((r) => [r.key, r.value])
    expect(await keyValue(critical)).toEqual([
      ['1', `"${javaTimestamp(T0)}","100","This is a CRITICAL alert "`],
      ['6', `"${javaTimestamp(T0 + 500)}","200","This is a CRITICAL alert "`],
    ])
    // Code 100: the first, the HIGH and the ELEVATED alert (the HIGH one's key is not used).
    expect(await keyValue(highVolume)).toEqual([['100', `"${javaTimestamp(T0)}","100","3"`]])

    // The Spark job's format writes no key: nothing to refuse.
    const spark = await runCli([
      'run', 'alerts', '--json', '--output-format', 'spark', '--group-id', sparkGroupId, '--input-topic', input,
      '--critical-topic', sparkCritical, '--highvolume-topic', sparkHighVolume, '--deadletter-topic', sparkDeadLetters, '--idle-timeout', '1s', '--until-idle',
    ])
    expect(spark.code, spark.stderr).toBe(0)
    expect(await checkedDeadLetters(sparkDeadLetters, eventsOf(spark.stdout), 6)).toEqual([])
    expect((await keyValue(sparkCritical)).map(([k, v]) => [k, v.split(',')[1]])).toEqual([
      [null, '100'],
      [null, '100'],
      [null, '200'],
      [null, '200'],
    ])
    expect((await keyValue(sparkHighVolume)).map(([, v]) => v.split(',').slice(1))).toEqual([['100', '4']])
  })

  it('alerts: an alert sent with a line end (Windows or Unix) or a byte order mark, as a producer reading a file line by line leaves them, is an alert like any other', async () => {
    const groupId = services.groupId('cli-line-ends')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'hv', 'dlq'], {partitions: 1, groups: [groupId]})
    const alert = (i: number, level: string): string => `"${javaTimestamp(T0 + i * 100)}","${level}","300","This is a ${level} alert "`
    await produceRaw(input, [
      {key: '1', value: `${alert(0, 'CRITICAL')}\r\n`},
      {key: '2', value: `${alert(1, 'HIGH')}\n`},
      {key: '3', value: alert(2, 'CRITICAL')},
      {key: '4', value: `${alert(3, 'CRITICAL')}\r`},
      // Not an alert, whatever its line end.
      {key: '5', value: '\r\n'},
      {key: '6', value: `\ufeff${alert(5, 'CRITICAL')}\r\n`},
    ])
    const run = await runCli(['run', 'alerts', '--json', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', highVolume, '--deadletter-topic', deadLetters, '--idle-timeout', '1s', '--until-idle'])
    expect(run.code, run.stderr).toBe(0)
    expect(await checkedDeadLetters(deadLetters, eventsOf(run.stdout), 6)).toEqual([[4, 'malformed-csv', undefined]])
    const keyValue = async (topic: string): Promise<Array<[string | null, string]>> => (await readCommitted(topic, {timeoutMs: 20_000})).map((r) => [r.key, r.value])
    expect(await keyValue(critical)).toEqual([0, 2, 3, 5].map((i) => [String(i + 1), `"${javaTimestamp(T0 + i * 100)}","300","This is a CRITICAL alert "`]))
    expect(await keyValue(highVolume)).toEqual([['300', `"${javaTimestamp(T0)}","300","5"`]])
  })

  it('alerts: a timestamp finer than a millisecond goes out in the critical alert with every digit it came with; the same millisecond spelt otherwise in the original\'s spelling', async () => {
    const groupId = services.groupId('cli-sub-ms')
    const [input, critical, highVolume, deadLetters] = await createTopics(services, ['alerts', 'critical', 'hv', 'dlq'], {partitions: 1, groups: [groupId]})
    const alert = (ts: string): string => `"${ts}","CRITICAL","300","This is a CRITICAL alert "`
    const second = javaTimestamp(T0).slice(0, 19)
    await produceRaw(input, [
      {key: '1', value: alert(`${second}.1234`)},
      {key: '2', value: alert(`${second}.5`)},
      {key: '3', value: alert(`${second}.000000001`)},
      {key: '4', value: alert(`${second}.1230`)},
      {key: '5', value: alert(second)},
    ])
    const run = await runCli(['run', 'alerts', '--json', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', highVolume, '--deadletter-topic', deadLetters, '--idle-timeout', '1s', '--until-idle'])
    expect(run.code, run.stderr).toBe(0)
    expect(await checkedDeadLetters(deadLetters, eventsOf(run.stdout), 5)).toEqual([])
    const keyValue = async (topic: string): Promise<Array<[string | null, string]>> => (await readCommitted(topic, {timeoutMs: 20_000})).map((r) => [r.key, r.value])
    expect(await keyValue(critical)).toEqual([
      ['1', `"${second}.1234","300","This is a CRITICAL alert "`],
      ['2', `"${second}.5","300","This is a CRITICAL alert "`],
      ['3', `"${second}.000000001","300","This is a CRITICAL alert "`],
      ['4', `"${second}.123","300","This is a CRITICAL alert "`],
      ['5', `"${second}.0","300","This is a CRITICAL alert "`],
    ])
    // T0 starts a window: the five alerts of code 300 are one high-volume window.
    expect(await keyValue(highVolume)).toEqual([['300', `"${second}.0","300","5"`]])
  })

  it('predictions: a review whose key (its id) is not UTF-8 is dead-lettered (key); every other review is labelled once, under its own key', async () => {
    const groupId = services.groupId('cli-binary-reviews')
    const [input, output, deadLetters] = await createTopics(services, ['reviews', 'labels', 'dlq'], {partitions: 1, groups: [groupId]})
    await produceRaw(input, [
      {key: '1', value: 'A wonderful, moving film.'},
      {key: NOT_UTF8[0], value: 'Dull and far too long.'},
      {key: '3', value: 'Great acting.'},
      {key: NOT_UTF8[2], value: 'Terrible.'},
      {key: null, value: 'No id at all.'},
    ])
    const run = await runCli(['run', 'predictions', '--json', '--local', '--group-id', groupId, '--input-topic', input, '--output-topic', output, '--deadletter-topic', deadLetters, '--idle-timeout', '1s', '--until-idle'])
    expect(run.code, run.stderr).toBe(0)
    expect(await checkedDeadLetters(deadLetters, eventsOf(run.stdout), 5)).toEqual([
      [1, 'bad-value', 'key'],
      [3, 'bad-value', 'key'],
    ])
    const labels = await readCommitted(output, {timeoutMs: 20_000})
    expect(labels.map((r) => r.key)).toEqual(['1', '3', null])
    for (const r of labels) expect(['Very Negative', 'Negative', 'Neutral', 'Positive', 'Very Positive']).toContain(r.value)
  })

  it('analytics: an order with a field of the wrong JSON type or missing names the field; one without a Kafka timestamp is `bad-timestamp`; one with a byte order mark is an order; order_summary holds the good orders only', async () => {
    const groupId = services.groupId('cli-wrong-types')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {partitions: 1, groups: [groupId]})
    const table = 'order_summary'
    const order = (fields: Record<string, unknown>): string => JSON.stringify({orderId: 1, product: 'Mouse', quantity: 2, price: 10.5, ...fields})
    const orders: Array<[string, number?]> = [
      [order({})],
      [order({quantity: '1'})],
      [order({price: '10.5'})],
      [order({product: 7})],
      [order({product: {name: 'Mouse'}})],
      [order({quantity: null})],
      ['{"orderId":1,"product":"Mouse","quantity":2}'],
      [order({product: 'Keyboard', quantity: 1, price: 25})],
      // Several fields wrong, or no object at all: no one field to name.
      ['{}'],
      [`[${order({})}]`],
      // No Kafka timestamp: not an order of 1969-12-31 23:59:55.
      [order({}), -1],
      [order({quantity: 1})],
      // As the first line of a file saved with a byte order mark, and Windows line ends.
      [`\ufeff${order({product: 'Keyboard', quantity: 1, price: 25})}\r\n`],
    ]
    await produceRaw(
      input,
      orders.map(([value, timestamp], i) => ({key: String(i), value, timestamp: timestamp ?? T0 + i * 10})),
    )
    const run = await runCli(['run', 'analytics', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--table', table, '--idle-timeout', '1s', '--until-idle'], {
      env: {SSTREAM_MARIADB_URL: file.db.url},
    })
    expect(run.code, run.stderr).toBe(0)
    const events = eventsOf(run.stdout)
    expect(await checkedDeadLetters(deadLetters, events, orders.length)).toEqual([
      [1, 'bad-value', 'quantity'],
      [2, 'bad-value', 'price'],
      [3, 'bad-value', 'product'],
      [4, 'bad-value', 'product'],
      [5, 'bad-value', 'quantity'],
      [6, 'bad-value', 'price'],
      [8, 'bad-value', undefined],
      [9, 'bad-value', undefined],
      [10, 'bad-timestamp', 'timestamp'],
    ])
    const errors = (await readCommitted(deadLetters, {timeoutMs: 20_000})).map((d) => d.headers[DEAD_LETTER_HEADERS.error])
    expect(errors.slice(0, 3)).toEqual(['quantity: is the text "1", not a number.', 'price: is the text "10.5", not a number.', 'product: is a number, not a string.'])
    const rows = (await file.db.pool.query(`SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM ${table}`)) as Array<{INTERVAL_TIMESTAMP: Date; PRODUCT: string; TOTAL_VALUE: string; ORDER_COUNT: number}>
    expect(rows.map((r) => [r.INTERVAL_TIMESTAMP.getTime(), r.PRODUCT, String(r.TOTAL_VALUE), r.ORDER_COUNT]).sort()).toEqual([
      [T0, 'Keyboard', '50.00', 2],
      [T0, 'Mouse', '31.50', 2],
    ])
    expect(events.at(-1)).toMatchObject({recordsOut: 2, outputs: {[table]: 2}})
  })
})
