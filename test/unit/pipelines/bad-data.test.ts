/**
 * Property tests of validation at decode and of the exact accumulators (SPEC §4 "Bad data"): generated
 * hostile and valid records (test/helpers/hostile.ts) through every pipeline's decoder and event time.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {columnsFromMigrations, sstreamSchema} from '../../../src/core/mariadb/schema.js'
import {alertsPipeline, countAggregator} from '../../../src/core/pipelines/alerts.js'
import {analyticsPipeline, orderSummaryAggregator, type Order, type OrderAccumulator} from '../../../src/core/pipelines/analytics.js'
import {addExact, formatScaled, multiplyExact, toBigInt, type ExactInteger} from '../../../src/core/pipelines/exact.js'
import {leaderboardPipeline} from '../../../src/core/pipelines/leaderboard.js'
import {decodeReview} from '../../../src/core/pipelines/predictions.js'
import {checkEventTime, FieldError, MAX_EVENT_TIME, MIN_EVENT_TIME} from '../../../src/core/pipelines/validate.js'
import {userViewsAggregator, viewsPipeline} from '../../../src/core/pipelines/views.js'
import {inputRecord, RecordError, type InputRecord, type PipelineDefinition, type Sink} from '../../../src/core/stream/types.js'
import {alertCases, javaTimestamp, orderCases, reviewCases, scoreCases, viewCases, type FuzzCase} from '../../helpers/hostile.js'

const noSink = {kind: 'topic', name: 'x', topic: 'x', toMessage: () => null} as unknown as Sink<never>

const pipelines = {
  orders: analyticsPipeline({inputTopic: 'in', deadLetterTopic: 'dlq', sink: noSink}),
  alerts: alertsPipeline({inputTopic: 'in', deadLetterTopic: 'dlq', criticalTopic: 'c', highVolumeTopic: 'h'}),
  views: viewsPipeline({inputTopic: 'in', deadLetterTopic: 'dlq', userSink: noSink, topicsSink: noSink}),
  scores: leaderboardPipeline({inputTopic: 'in', deadLetterTopic: 'dlq', sink: noSink}),
} as const

/** A record as the fetch leaves it: the value inside a larger buffer (the fast paths), or as its own Buffer. */
function recordOf(key: string | null, value: Buffer | null, timestamp: number, inPlace: boolean): InputRecord {
  if (!inPlace || value === null) return inputRecord({topic: 'in', partition: 0, offset: 0, timestamp, key, value})
  const bytes = Buffer.concat([Buffer.from('<<'), value, Buffer.from('>>')])
  // As a fetched record: the value in the middle of the fetched bytes, read there or through a view.
  const record = inputRecord({topic: 'in', partition: 0, offset: 0, timestamp, key, value: bytes.subarray(2, 2 + value.length)})
  return {...record, readValue: (read, _none) => read(bytes, 2, 2 + value.length)}
}

/** decode + eventTime as the engine runs them, then the stages' `map` (which may refuse too): the value and time, or the RecordError. */
function run<T>(definition: PipelineDefinition<T>, record: InputRecord): {value: T; time: number} | RecordError {
  try {
    const value = definition.decode(record)
    const time = definition.eventTime ? definition.eventTime(value, record) : record.timestamp
    for (const stage of definition.perRecord ?? []) stage.map?.(value, record)
    return {value, time}
  } catch (error) {
    if (error instanceof RecordError) return error
    throw error
  }
}

/** An instant whose window (up to 10 s) a DATETIME column holds. */
const eventTime = fc.oneof(fc.integer({min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1)}), fc.integer({min: MIN_EVENT_TIME + 10_000, max: MAX_EVENT_TIME - 20_000}))

function expectRefused(result: unknown, c: FuzzCase): void {
  expect(result, c.kind).toBeInstanceOf(RecordError)
  const error = result as RecordError
  expect(c.reasons, `${c.kind}: ${error.reason} ${error.message}`).toContain(error.reason)
  if (c.field) {
    expect(error, `${c.kind}: ${error.message}`).toBeInstanceOf(FieldError)
    expect((error as FieldError).field).toBe(c.field)
    expect(error.message.startsWith(`${c.field}: `)).toBe(true)
  }
}

describe('the tables as the migrations define them', () => {
  it('give the column sizes the pipelines validate against', () => {
    const schema = sstreamSchema()
    expect(schema.get('order_summary')?.get('PRODUCT')).toEqual({kind: 'varchar', length: 45})
    expect(schema.get('order_summary')?.get('TOTAL_VALUE')).toEqual({kind: 'decimal', precision: 16, scale: 2})
    expect(schema.get('user_view_summary')?.get('USER_NAME')).toEqual({kind: 'varchar', length: 64})
    expect(schema.get('user_view_summary')?.get('TOTAL_MINUTES')).toEqual({kind: 'int', bits: 32, unsigned: false})
  })

  it('follow ALTER TABLE … MODIFY / CHANGE / ADD in later migrations', () => {
    const tables = columnsFromMigrations([
      'CREATE TABLE IF NOT EXISTS t (ID INT NOT NULL, NAME VARCHAR(10) NOT NULL, V DECIMAL(5,1), PRIMARY KEY (ID), UNIQUE KEY u (NAME, V));',
      'ALTER TABLE t MODIFY NAME VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL, ADD COLUMN W BIGINT UNSIGNED;\nALTER TABLE t CHANGE V V2 DECIMAL(8,3);',
    ])
    expect(Object.fromEntries(tables.get('t')!)).toEqual({
      ID: {kind: 'int', bits: 32, unsigned: false},
      NAME: {kind: 'varchar', length: 20},
      W: {kind: 'int', bits: 64, unsigned: true},
      V2: {kind: 'decimal', precision: 8, scale: 3},
    })
  })
})

describe('exact integers', () => {
  const big = fc.bigInt({min: -(10n ** 30n), max: 10n ** 30n})
  const exact = (b: bigint): ExactInteger => (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString())

  it('add exactly whatever the size, stay plain JSON, and are numbers exactly while safe', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(big, fc.bigInt({min: -(2n ** 53n), max: 2n ** 53n})), {maxLength: 30}), (values) => {
        let acc: ExactInteger = 0
        for (const v of values) acc = JSON.parse(JSON.stringify(addExact(acc, exact(v)))) as ExactInteger
        const sum = values.reduce((a, b) => a + b, 0n)
        expect(toBigInt(acc)).toBe(sum)
        expect(typeof acc === 'number').toBe(sum <= BigInt(Number.MAX_SAFE_INTEGER) && sum >= -BigInt(Number.MAX_SAFE_INTEGER))
      }),
    )
  })

  it('multiply safe integers exactly and print minor units exactly', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (a, b) => {
        expect(toBigInt(multiplyExact(a, b))).toBe(BigInt(a) * BigInt(b))
        const cents = BigInt(a) * BigInt(b)
        const negative = cents < 0n
        const abs = negative ? -cents : cents
        expect(formatScaled(multiplyExact(a, b), 2)).toBe(`${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`)
      }),
    )
    expect(formatScaled(5, 2)).toBe('0.05')
    expect(formatScaled(-5, 2)).toBe('-0.05')
  })

  it('turn what is not an integer (an overflowed old partial, null for Infinity) into NaN, never a number that looks right', () => {
    expect(addExact(1, null as unknown as ExactInteger)).toBeNaN()
    expect(addExact(0.5, 1)).toBeNaN()
    expect(addExact('12x', 1)).toBeNaN()
    expect(addExact(Number.NaN, 1)).toBeNaN()
    expect(formatScaled(Number.NaN, 2)).toBe('NaN')
  })
})

describe('the analytics accumulator', () => {
  const order = fc.record({quantity: fc.integer({min: -1_000_000, max: 1_000_000}), cents: fc.integer({min: -(10 ** 15), max: 10 ** 15})})

  it('sums quantity × price in cents exactly, in any merge order, through JSON partials, beyond 2^53', () => {
    fc.assert(
      fc.property(fc.array(order, {maxLength: 200}), fc.integer({min: 1, max: 5}), (orders, parts) => {
        const partials: OrderAccumulator[] = Array.from({length: parts}, () => orderSummaryAggregator.init())
        orders.forEach((o, i) => orderSummaryAggregator.add(partials[i % parts], {orderId: i, product: 'p', quantity: o.quantity, price: o.cents / 100} as Order))
        const merged = partials.map((p) => JSON.parse(JSON.stringify(p)) as OrderAccumulator).reduceRight((a, b) => orderSummaryAggregator.merge(a, b))
        const expected = orders.reduce((sum, o) => sum + BigInt(o.quantity) * BigInt(o.cents), 0n)
        const result = orderSummaryAggregator.result(merged)
        expect(result.count).toBe(orders.length)
        const abs = expected < 0n ? -expected : expected
        expect(result.exactTotal).toBe(`${expected < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`)
        expect(result.total).toBe(Number(expected) / 100)
      }),
    )
  })

  it('reads partials written before (cents and count as numbers)', () => {
    const old = JSON.parse('{"cents":3150,"count":3}') as OrderAccumulator
    const now = orderSummaryAggregator.add(orderSummaryAggregator.init(), {orderId: 1, product: 'Mouse', quantity: 2, price: 10.5})
    expect(orderSummaryAggregator.result(orderSummaryAggregator.merge(old, now))).toEqual({total: 52.5, count: 4, exactTotal: '52.50'})
    // An old partial whose sum had become Infinity (null in JSON): never a plausible-looking total.
    const broken = JSON.parse('{"cents":null,"count":3}') as OrderAccumulator
    expect(orderSummaryAggregator.result(orderSummaryAggregator.merge(broken, now)).exactTotal).toBe('NaN')
  })
})

describe('the views and alerts accumulators', () => {
  it('sum minutes and count views exactly past 2^53, and read old partials', () => {
    const acc = {minutes: Number.MAX_SAFE_INTEGER, views: Number.MAX_SAFE_INTEGER}
    userViewsAggregator.add(acc, {time: 0, user: 'u', topic: 't', minutes: 10})
    expect(acc).toEqual({minutes: '9007199254741001', views: '9007199254740992'})
    const merged = userViewsAggregator.merge(JSON.parse(JSON.stringify(acc)), {minutes: 5, views: 1})
    expect(merged).toEqual({minutes: '9007199254741006', views: '9007199254740993'})
    expect(countAggregator.merge(countAggregator.add(Number.MAX_SAFE_INTEGER, undefined), 2)).toBe('9007199254740994')
  })
})

describe('event times', () => {
  it('are refused when their window (start and end) is outside what DATETIME(3) holds', () => {
    expect(() => checkEventTime('timestamp', MIN_EVENT_TIME, 5000)).not.toThrow()
    expect(() => checkEventTime('timestamp', MIN_EVENT_TIME - 1, 5000)).toThrow(/timestamp: .*outside the years 1000 to 9999/)
    expect(() => checkEventTime('timestamp', Number.NaN, 5000)).toThrow(FieldError)
    // The last window whose end (exclusive) a DATETIME still holds: it ends 5 s before the year 10000.
    const lastStart = Math.floor((MAX_EVENT_TIME + 1) / 5000) * 5000 - 10_000
    expect(() => checkEventTime('timestamp', lastStart + 4999, 5000)).not.toThrow()
    expect(() => checkEventTime('timestamp', lastStart + 5000, 5000)).toThrow(/timestamp/)
    // A time of the year 9999 whose window ends in the year 10000: the message says so, not that the year is out of range.
    expect(() => checkEventTime('timestamp', MAX_EVENT_TIME, 5000)).toThrow(/falls in a 5 s window that ends after 9999-12-31 23:59:59\.999/)
    // A time of the year 1000 whose window starts before it (a window size that does not divide the epoch offset).
    expect(() => checkEventTime('timestamp', MIN_EVENT_TIME, 7000)).toThrow(/falls in a 7 s window that starts before the year 1000/)
  })
})

/** Every pipeline's decoding: valid cases mean what was generated, hostile cases are refused with their reason. */
describe('validation at decode', {timeout: 180_000}, () => {
  const inPlace = fc.boolean()

  it('orders', () => {
    // An order's event time is its Kafka timestamp: never negative (the broker refuses one below -1, "none").
    const kafkaTime = eventTime.filter((time) => time >= 0)
    fc.assert(
      fc.property(orderCases.valid, kafkaTime, inPlace, (c, time, place) => {
        const result = run(pipelines.orders, recordOf(c.key, c.value(time), time, place))
        expect(result, c.kind).not.toBeInstanceOf(RecordError)
        const {value} = result as {value: Order}
        expect({product: value.product, quantity: value.quantity, cents: Math.round(value.price * 100)}).toEqual(c.data)
        expect(value.price).toBe(c.data!.cents / 100)
      }),
      {numRuns: 1500},
    )
    fc.assert(fc.property(orderCases.hostile, kafkaTime, inPlace, (c, time, place) => expectRefused(run(pipelines.orders, recordOf(c.key, c.value(time), time, place)), c)), {numRuns: 1500})
    // Kafka timestamps outside what a DATETIME holds (the Kafka timestamp is the event time here), and -1, none.
    const valid = Buffer.from('{"orderId":1,"product":"Mouse","quantity":1,"price":1}')
    for (const timestamp of [-1, MIN_EVENT_TIME - 1, MAX_EVENT_TIME, 8.64e15]) {
      expectRefused(run(pipelines.orders, recordOf('1', valid, timestamp, true)), {kind: 'kafka-timestamp', key: '1', value: () => valid, reasons: ['bad-timestamp'], field: 'timestamp'})
    }
    // The broker takes a negative timestamp other than -1 ("none"): refused, and not said to be missing.
    expect((run(pipelines.orders, recordOf('1', valid, -1, true)) as RecordError).message).toMatch(/has no timestamp \(-1\)/)
    const negative = run(pipelines.orders, recordOf('1', valid, -5000, true)) as RecordError
    expect(negative).toMatchObject({reason: 'bad-timestamp', field: 'timestamp'})
    expect(negative.message).toMatch(/the Kafka timestamp -5000 is negative/)
  })

  it('alerts', () => {
    fc.assert(
      fc.property(alertCases.valid, eventTime, inPlace, (c, time, place) => {
        const result = run(pipelines.alerts, recordOf(c.key, c.value(time), 0, place))
        expect(result, c.kind).not.toBeInstanceOf(RecordError)
        const {value, time: decoded} = result as {value: {level: string; code: string; message: string}; time: number}
        expect({level: value.level, code: value.code, message: value.message}).toEqual(c.data)
        expect(javaTimestamp(decoded)).toBe(javaTimestamp(time))
      }),
      {numRuns: 1500},
    )
    fc.assert(fc.property(alertCases.hostile, eventTime, inPlace, (c, time, place) => expectRefused(run(pipelines.alerts, recordOf(c.key, c.value(time), 0, place)), c)), {numRuns: 1500})
  })

  it('views', () => {
    fc.assert(
      fc.property(viewCases.valid, eventTime, inPlace, (c, time, place) => {
        const result = run(pipelines.views, recordOf(c.key, c.value(time), 0, place))
        expect(result, c.kind).not.toBeInstanceOf(RecordError)
        const {value, time: decoded} = result as {value: {user: string; topic: string; minutes: number}; time: number}
        expect({user: value.user, topic: value.topic, minutes: value.minutes}).toEqual(c.data)
        expect(javaTimestamp(decoded)).toBe(javaTimestamp(time))
      }),
      {numRuns: 1500},
    )
    fc.assert(fc.property(viewCases.hostile, eventTime, inPlace, (c, time, place) => expectRefused(run(pipelines.views, recordOf(c.key, c.value(time), 0, place)), c)), {numRuns: 1500})
    // Negative minutes are whole numbers: the message says what minutes must be.
    const negative = run(pipelines.views, recordOf('1', Buffer.from('"2024-01-01 12:00:00.0","Bob","AI",-3'), 0, true)) as RecordError
    expect(negative).toMatchObject({reason: 'bad-value', field: 'minutes'})
    expect(negative.message).toBe('minutes: "-3" is not a whole number of minutes (digits only: 0 or more).')
  })

  it('scores', () => {
    fc.assert(
      fc.property(scoreCases.valid, inPlace, (c, place) => {
        const result = run(pipelines.scores, recordOf(c.key, c.value(0), 0, place))
        expect(result, c.kind).not.toBeInstanceOf(RecordError)
        expect((result as {value: unknown}).value).toEqual({member: c.data!.player, delta: c.data!.score, offset: 0})
      }),
      {numRuns: 1500},
    )
    fc.assert(fc.property(scoreCases.hostile, inPlace, (c, place) => expectRefused(run(pipelines.scores, recordOf(c.key, c.value(0), 0, place)), c)), {numRuns: 1500})
    // The message quotes the value as it is: a value of spaces is not shown as "".
    for (const value of ['   ', ' 3 4 ']) expect((run(pipelines.scores, recordOf('Bob', Buffer.from(value), 0, true)) as RecordError).message).toBe(`score: ${JSON.stringify(value)} is not a number.`)
  })

  it('reviews', () => {
    fc.assert(
      fc.property(reviewCases.valid, (c) => {
        expect(decodeReview(recordOf(c.key, c.value(0), 0, false))).toBe(c.data!.text)
      }),
      {numRuns: 2000},
    )
    fc.assert(
      fc.property(reviewCases.hostile, (c) => {
        let result: unknown
        try {
          result = decodeReview(recordOf(c.key, c.value(0), 0, false))
        } catch (error) {
          result = error
        }
        expectRefused(result, c)
      }),
      {numRuns: 2000},
    )
  })

  it('refuses any bytes with a RecordError or gives values every output accepts', () => {
    const bytes = fc.oneof(fc.uint8Array({maxLength: 120}).map((b) => Buffer.from(b)), fc.string({maxLength: 120}).map((s) => Buffer.from(s)))
    fc.assert(
      fc.property(bytes, fc.option(fc.string({maxLength: 10}), {nil: null}), eventTime, inPlace, (value, key, time, place) => {
        for (const [name, definition] of Object.entries(pipelines)) {
          const result = run(definition as PipelineDefinition<unknown>, recordOf(key, value, time, place))
          if (result instanceof RecordError) continue
          expect(Number.isFinite(result.time), name).toBe(true)
          checkWindow(result.time)
          const v = result.value as Record<string, unknown>
          if (name === 'orders') {
            expect([...(v.product as string)].length).toBeLessThanOrEqual(45)
            expect(Number.isSafeInteger(v.quantity)).toBe(true)
            expect(Math.round((v.price as number) * 100) / 100).toBe(v.price)
          }
          if (name === 'views') expect([...(v.user as string)].length).toBeLessThanOrEqual(64)
          if (name === 'scores') expect(Math.abs(v.delta as number)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
        }
      }),
      {numRuns: 5000},
    )
  })
})

function checkWindow(time: number): void {
  expect(time).toBeGreaterThanOrEqual(MIN_EVENT_TIME)
  expect(time).toBeLessThanOrEqual(MAX_EVENT_TIME)
}
