/**
 * Generated hostile and valid records for each pipeline (fast-check arbitraries), shared by the decoders'
 * property tests and the fuzz integration tests. Every case says by construction whether it is valid (and
 * then what it means) or which dead-letter reasons it may get: the tests never ask sstream's own decoders
 * which records are valid.
 *
 * A case's value is a function of its event time, so that the integration tests can lay valid records out
 * in time; hostile cases ignore it or carry their own broken time.
 */
import fc from 'fast-check'

import {MAX_CODE_LENGTH} from '../../src/core/pipelines/alerts.js'
import type {DeadLetterReason} from '../../src/core/stream/types.js'

export interface FuzzCase<T = unknown> {
  /** What was generated, for messages: 'valid', 'random-bytes', 'long-product', … */
  kind: string
  key: string | null
  value: (time: number) => Buffer | null
  /** The decoded meaning of a valid case; undefined for a hostile one. */
  data?: T
  /** The reasons a hostile case may be dead-lettered with. */
  reasons?: DeadLetterReason[]
  /** The field a `bad-value` / `bad-timestamp` names, when the case has exactly one broken field. */
  field?: string
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** java.sql.Timestamp.toString() in local time (the original's format), written independently of sstream. */
export function javaTimestamp(ms: number): string {
  const d = new Date(ms)
  const frac = String(d.getMilliseconds()).padStart(3, '0').replace(/0+$/, '') || '0'
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${frac}`
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8')

/** Bytes that are never UTF-8 (0xff), then anything. */
const notUtf8 = fc.uint8Array({minLength: 0, maxLength: 200}).map((bytes) => Buffer.concat([Buffer.from([0xff]), Buffer.from(bytes)]))

/** A well-formed string of at most n code points (any plane, no lone surrogate). */
const unicode = (min: number, max: number): fc.Arbitrary<string> => fc.string({unit: 'binary', minLength: min, maxLength: max})

/** Texts that look like SQL, markup or shell: valid data, stored as text and nothing else. */
const SQLISH = ["'; DROP TABLE order_summary; --", "Robert'); DROP TABLE Students;--", '1 OR 1=1', '\\x00\\n', '<script>alert(1)</script>', '$(rm -rf /)', '%s%n', 'NULL']

/**
 * "Huge" next to what the outputs hold (45- or 64-character columns, scores of 16 digits). Values near the
 * 1 MB message limit are in bad-data-engine.integration.test.ts: their dead letters need the engine's part.
 */
export const HUGE = 4_000

/**
 * What a producer sending a file line by line leaves around a record, mostly nothing: the byte order mark of
 * a file saved with one (its first line), the line end of a file with Windows (or Unix) line ends. No part of
 * the record.
 */
const LINE = fc.record({bom: fc.constantFrom('', '', '', '', '', '\ufeff'), end: fc.constantFrom('', '', '', '', '\r\n', '\n')})

/** Wrong JSON shapes for an order. */
const WRONG_ORDERS = [
  'null',
  '[]',
  '"order"',
  '42',
  '{}',
  '{"orderId":1,"product":7,"quantity":1,"price":1}',
  '{"orderId":1,"product":"Mouse","quantity":"1","price":1}',
  '{"orderId":1,"product":"Mouse","quantity":1,"price":"1"}',
  '{"orderId":1,"product":null,"quantity":1,"price":1}',
  '{"orderId":1,"product":"Mouse","quantity":1}',
  '{"orderId":1,"product":["Mouse"],"quantity":1,"price":1}',
]

// ---------------------------------------------------------------------------------------------------
// orders: key = orderId, value JSON, event time = the Kafka timestamp.

export interface OrderData {
  product: string
  quantity: number
  /** The price in cents. */
  cents: number
}

const validOrder: fc.Arbitrary<FuzzCase<OrderData>> = fc
  .record({
    orderId: fc.integer({min: 1, max: 2 ** 40}),
    product: fc.oneof(fc.constantFrom('Keyboard', 'Mouse', 'Monitor', 'mouse', 'Mouse ', 'MOUSE', ...SQLISH.filter((s) => s.length <= 45)), unicode(0, 45)),
    quantity: fc.oneof(fc.integer({min: 1, max: 4}), fc.integer({min: -1000, max: 100_000})),
    cents: fc.oneof(fc.constantFrom(2500, 1050, 14000), fc.integer({min: -1_000_000_000, max: 1_000_000_000})),
    line: LINE,
  })
  .map(({orderId, product, quantity, cents, line}) => {
    const price = cents / 100
    return {kind: 'valid', key: String(orderId), value: () => text(line.bom + JSON.stringify({orderId, product, quantity, price}) + line.end), data: {product, quantity, cents}}
  })

/**
 * Orders at the edges: the largest value TOTAL_VALUE DECIMAL(16,2) holds for one order (each its own product,
 * so that no window sums two of them beyond the column), a cent, 45 two-byte characters.
 */
const edgeOrder: fc.Arbitrary<FuzzCase<OrderData>> = fc.tuple(fc.integer({min: 0, max: 3}), fc.integer({min: 1, max: 2 ** 40})).map(([which, id]): FuzzCase<OrderData> => {
  const product = which === 3 ? 'é'.repeat(45) : `Edge ${id}`
  const [quantity, price, cents] = [
    [9, '10000000000000', 1_000_000_000_000_000],
    [-9, '10000000000000', 1_000_000_000_000_000],
    [1, '0.01', 1],
    [2, '1.5', 150],
  ][which] as [number, string, number]
  return {kind: 'valid-edge', key: String(id), value: () => text(`{"orderId":${id},"product":${JSON.stringify(product)},"quantity":${quantity},"price":${price}}`), data: {product, quantity, cents}}
})

const hostileOrder: fc.Arbitrary<FuzzCase> = fc.oneof(
  notUtf8.map((b) => ({kind: 'random-bytes', key: '1', value: () => b, reasons: ['malformed-json'] as DeadLetterReason[]})),
  fc.constant({kind: 'tombstone', key: '1', value: () => null, reasons: ['missing-value'] as DeadLetterReason[]}),
  fc.constant({kind: 'empty', key: '1', value: () => Buffer.alloc(0), reasons: ['missing-value'] as DeadLetterReason[]}),
  fc.constant({kind: 'huge', key: '1', value: () => text(`{"orderId":1,"product":"${'x'.repeat(HUGE)}","quantity":1,"price":1}`), reasons: ['bad-value'] as DeadLetterReason[], field: 'product'}),
  fc.constantFrom(...WRONG_ORDERS).map((v) => ({kind: 'wrong-type', key: '1', value: () => text(v), reasons: ['bad-value'] as DeadLetterReason[]})),
  fc.string({minLength: 1, maxLength: 60}).map((s) => ({kind: 'not-json', key: '1', value: () => text(`{${s}`), reasons: ['malformed-json', 'bad-value'] as DeadLetterReason[]})),
  unicode(46, 400).filter((p) => [...p].length > 45).map((p) => ({kind: 'long-product', key: '1', value: () => text(JSON.stringify({orderId: 1, product: p, quantity: 1, price: 1})), reasons: ['bad-value'] as DeadLetterReason[], field: 'product'})),
  fc.constantFrom('\\ud800', 'a\\udfff', '\\udc00\\ud800').map((p) => ({kind: 'lone-surrogate', key: '1', value: () => text(`{"orderId":1,"product":"${p}","quantity":1,"price":1}`), reasons: ['bad-value'] as DeadLetterReason[], field: 'product'})),
  fc.constantFrom('1.5', '1e16', '-1e300', '1e400', '0.0001', '9007199254740993').map((q) => ({kind: 'bad-quantity', key: '1', value: () => text(`{"orderId":1,"product":"Mouse","quantity":${q},"price":10.5}`), reasons: ['bad-value'] as DeadLetterReason[], field: 'quantity'})),
  fc.constantFrom('0.001', '10.555', '1e400', '-1e400', '1e14', '12345678901234.5', '5e-324').map((p) => ({kind: 'bad-price', key: '1', value: () => text(`{"orderId":1,"product":"Mouse","quantity":1,"price":${p}}`), reasons: ['bad-value'] as DeadLetterReason[], field: 'price'})),
  fc.constantFrom(['10', '10000000000000'], ['1000000', '1000000000'], ['-11', '9999999999999.99']).map(([q, p]) => ({kind: 'value-out-of-range', key: '1', value: () => text(`{"orderId":1,"product":"Mouse","quantity":${q},"price":${p}}`), reasons: ['bad-value'] as DeadLetterReason[], field: 'quantity'})),
  fc.constant({kind: 'invalid-utf8-product', key: '1', value: () => Buffer.concat([text('{"orderId":1,"product":"Mo'), Buffer.from([0xc3, 0x28]), text('use","quantity":1,"price":1}')]), reasons: ['malformed-json'] as DeadLetterReason[]}),
)

export const orderCases = {valid: fc.oneof({weight: 9, arbitrary: validOrder}, {weight: 1, arbitrary: edgeOrder}), hostile: hostileOrder}

// ---------------------------------------------------------------------------------------------------
// alerts: quoted CSV `"<ts>","<LEVEL>","<CODE>","<message>"`, event time = the CSV timestamp.

export interface AlertData {
  level: string
  code: string
  message: string
}

/** A CSV field as the original quotes it, with `""` for a quote inside. */
const quoted = (s: string): string => `"${s.replaceAll('"', '""')}"`

const validAlert: fc.Arbitrary<FuzzCase<AlertData>> = fc
  .record({
    key: fc.integer({min: 1, max: 2 ** 40}).map(String),
    level: fc.oneof({weight: 4, arbitrary: fc.constantFrom('CRITICAL', 'HIGH', 'ELEVATED')}, {weight: 1, arbitrary: unicode(0, 20)}),
    code: fc.oneof({weight: 4, arbitrary: fc.constantFrom('100', '200', '300', '400')}, {weight: 1, arbitrary: unicode(1, 30)}, fc.constantFrom(...SQLISH)),
    message: fc.oneof(fc.constant('This is a CRITICAL alert '), unicode(0, 200), fc.constantFrom(...SQLISH)),
    line: LINE,
  })
  .map(({key, level, code, message, line}) => ({
    kind: 'valid',
    key,
    value: (time: number) => text(line.bom + [javaTimestamp(time), level, code, message].map(quoted).join(',') + line.end),
    data: {level, code, message},
  }))

const hostileAlert: fc.Arbitrary<FuzzCase> = fc.oneof(
  {weight: 8, arbitrary: notUtf8.map((b) => ({kind: 'random-bytes', key: '1', value: () => b, reasons: ['malformed-csv'] as DeadLetterReason[]}))},
  {weight: 8, arbitrary: fc.constant({kind: 'tombstone', key: '1', value: () => null, reasons: ['missing-value'] as DeadLetterReason[]})},
  {weight: 8, arbitrary: fc.constant({kind: 'empty', key: '1', value: () => Buffer.alloc(0), reasons: ['missing-value'] as DeadLetterReason[]})},
  {weight: 8, arbitrary: fc.constantFrom('"a","b","c"', '"a","b","c","d","e"', '"2021-06-30 12:11:15.1","CRITICAL","100","open', 'x"y,z,w,v', '"a"b,"c","d","e"').map((v) => ({kind: 'bad-csv', key: '1', value: () => text(v), reasons: ['malformed-csv'] as DeadLetterReason[]}))},
  {
    weight: 8,
    arbitrary: fc
      .constantFrom('2021-13-01 00:00:00.0', '2021-02-30 10:00:00.0', 'yesterday', '', '2021-06-30T12:11:15Z', '0999-12-31 23:59:59.0', '0000-01-01 00:00:00.0', '9999-12-31 23:59:55.0', "'; DROP TABLE x; --", '2021-06-30 12:11:15.1234567891')
      .map((ts) => ({kind: 'bad-timestamp', key: '1', value: () => text(`"${ts}","CRITICAL","100","m"`), reasons: ['bad-timestamp'] as DeadLetterReason[], field: 'timestamp'})),
  },
  // Rare: each is a 10 kB dead letter, and the dead letters of one batch must fit the engine's transaction.
  {weight: 1, arbitrary: fc.constant({kind: 'huge-code', key: '1', value: (time: number) => text(`"${javaTimestamp(time)}","HIGH","${'9'.repeat(MAX_CODE_LENGTH + 1)}","m"`), reasons: ['bad-value'] as DeadLetterReason[], field: 'code'})},
  {weight: 8, arbitrary: fc.constant({kind: 'invalid-utf8', key: '1', value: (time: number) => Buffer.concat([text(`"${javaTimestamp(time)}","CRITICAL","100","b`), Buffer.from([0xe2, 0x82]), text('"')]), reasons: ['malformed-csv'] as DeadLetterReason[]})},
)

export const alertCases = {valid: validAlert, hostile: hostileAlert}

// ---------------------------------------------------------------------------------------------------
// views: `"<ts>","<user>","<topic>",<minutes>`, event time = the CSV timestamp.

export interface ViewData {
  user: string
  topic: string
  minutes: number
}

/** A CSV-safe name: the original's parser drops quotes and splits on commas. */
const csvName = (max: number): fc.Arbitrary<string> => unicode(1, max).filter((s) => !/[",]/.test(s) && s.trim() !== '')

const validView: fc.Arbitrary<FuzzCase<ViewData>> = fc
  .record({
    key: fc.integer({min: 1, max: 2 ** 40}).map(String),
    user: fc.oneof({weight: 4, arbitrary: fc.constantFrom('Bob', 'Mike', 'Kathy', 'Sam', 'bob', 'Bob ')}, {weight: 1, arbitrary: csvName(64)}, fc.constantFrom("'; DROP TABLE user_view_summary; --", '1 OR 1=1')),
    topic: fc.oneof(fc.constantFrom('AI', 'BigData', 'CI_CD', 'Cloud'), csvName(100)),
    minutes: fc.oneof(fc.integer({min: 1, max: 10}), fc.integer({min: 0, max: 100_000})),
  })
  .map(({key, user, topic, minutes}) => ({kind: 'valid', key, value: (time: number) => text(`"${javaTimestamp(time)}","${user}","${topic}",${minutes}`), data: {user, topic, minutes}}))

const hostileView: fc.Arbitrary<FuzzCase> = fc.oneof(
  notUtf8.map((b) => ({kind: 'random-bytes', key: '1', value: () => b, reasons: ['malformed-csv'] as DeadLetterReason[]})),
  fc.constant({kind: 'tombstone', key: '1', value: () => null, reasons: ['missing-value'] as DeadLetterReason[]}),
  fc.constant({kind: 'empty', key: '1', value: () => Buffer.alloc(0), reasons: ['missing-value'] as DeadLetterReason[]}),
  fc.constantFrom('"a","b",1', '"a","b","c",1,2', 'just text').map((v) => ({kind: 'bad-csv', key: '1', value: () => text(v), reasons: ['malformed-csv'] as DeadLetterReason[]})),
  fc
    .constantFrom('2021-13-01 00:00:00.0', 'now', '0999-12-31 23:59:59.0', '9999-12-31 23:59:58.0', '2021-06-30 12:11:15.1234567891')
    .map((ts) => ({kind: 'bad-timestamp', key: '1', value: () => text(`"${ts}","Bob","AI",3`), reasons: ['bad-timestamp'] as DeadLetterReason[], field: 'timestamp'})),
  fc.constantFrom('-1', '1.5', 'ten', '', '99999999999', '2147483648', '1e3', 'NaN').map((m) => ({kind: 'bad-minutes', key: '1', value: (time: number) => text(`"${javaTimestamp(time)}","Bob","AI",${m}`), reasons: ['bad-value'] as DeadLetterReason[], field: 'minutes'})),
  unicode(65, 300)
    .filter((u) => [...u].length > 64 && !/[",]/.test(u))
    .map((u) => ({kind: 'long-user', key: '1', value: (time: number) => text(`"${javaTimestamp(time)}","${u}","AI",3`), reasons: ['bad-value'] as DeadLetterReason[], field: 'user'})),
  fc.constantFrom(['', 'AI'], ['  ', 'AI'], ['Bob', '']).map(([u, t]) => ({kind: 'empty-name', key: '1', value: (time: number) => text(`"${javaTimestamp(time)}","${u}","${t}",3`), reasons: ['bad-value'] as DeadLetterReason[]})),
  fc.constant({kind: 'huge', key: '1', value: (time: number) => text(`"${javaTimestamp(time)}","${'u'.repeat(HUGE)}","AI",3`), reasons: ['bad-value'] as DeadLetterReason[], field: 'user'}),
)

export const viewCases = {valid: validView, hostile: hostileView}

// ---------------------------------------------------------------------------------------------------
// scores: key = the player, value = a decimal score.

export interface ScoreData {
  player: string
  score: number
}

const validScore: fc.Arbitrary<FuzzCase<ScoreData>> = fc
  .record({
    player: fc.oneof({weight: 4, arbitrary: fc.constantFrom('Bob', 'Mike', 'Kathy', 'Sam', 'bob')}, {weight: 1, arbitrary: unicode(1, 50)}, fc.constantFrom(...SQLISH)),
    score: fc.oneof(fc.integer({min: 1, max: 10}), fc.integer({min: -1_000_000, max: 1_000_000})),
    spaces: fc.boolean(),
  })
  .map(({player, score, spaces}) => ({kind: 'valid', key: player, value: () => text(spaces ? ` ${score} ` : String(score)), data: {player, score}}))

const hostileScore: fc.Arbitrary<FuzzCase> = fc.oneof(
  notUtf8.map((b) => ({kind: 'random-bytes', key: 'Bob', value: () => b, reasons: ['bad-value'] as DeadLetterReason[], field: 'score'})),
  fc.constant({kind: 'tombstone', key: 'Bob', value: () => null, reasons: ['missing-value'] as DeadLetterReason[]}),
  fc.constant({kind: 'empty', key: 'Bob', value: () => Buffer.alloc(0), reasons: ['missing-value'] as DeadLetterReason[]}),
  fc.constant({kind: 'no-key', key: null, value: () => text('5'), reasons: ['bad-value'] as DeadLetterReason[], field: 'player'}),
  fc.constant({kind: 'empty-key', key: '', value: () => text('5'), reasons: ['bad-value'] as DeadLetterReason[], field: 'player'}),
  fc
    .constantFrom('five', 'Infinity', '-Infinity', 'NaN', '1e400', '0x10', '1,5', '5 points', '9007199254740993', '-1e300', "'; DROP TABLE x; --", '{"score":5}')
    .map((v) => ({kind: 'bad-score', key: 'Bob', value: () => text(v), reasons: ['bad-value'] as DeadLetterReason[], field: 'score'})),
  fc.constant({kind: 'huge', key: 'Bob', value: () => text('1'.repeat(HUGE)), reasons: ['bad-value'] as DeadLetterReason[], field: 'score'}),
)

export const scoreCases = {valid: validScore, hostile: hostileScore}

// ---------------------------------------------------------------------------------------------------
// reviews: key = the review id, value = plain text.

export interface ReviewData {
  text: string
}

const validReview: fc.Arbitrary<FuzzCase<ReviewData>> = fc
  .record({key: fc.integer({min: 1, max: 2 ** 40}).map(String), review: fc.oneof(fc.constantFrom('A wonderful film.', 'Dull and far too long.', ''), unicode(0, 300), fc.constantFrom(...SQLISH))})
  .map(({key, review}) => ({kind: 'valid', key, value: () => text(review), data: {text: review}}))

/** Reviews larger than a sentiment service with a small request limit takes: a content rejection. */
export const HUGE_REVIEW_BYTES = 64 * 1024

const hostileReview: fc.Arbitrary<FuzzCase> = fc.oneof(
  notUtf8.map((b) => ({kind: 'random-bytes', key: '1', value: () => b, reasons: ['bad-value'] as DeadLetterReason[], field: 'review'})),
  fc.constant({kind: 'tombstone', key: '1', value: () => null, reasons: ['missing-value'] as DeadLetterReason[]}),
  fc.constant({kind: 'invalid-utf8', key: '1', value: () => Buffer.concat([text('Great '), Buffer.from([0xed, 0xa0, 0x80]), text(' film')]), reasons: ['bad-value'] as DeadLetterReason[], field: 'review'}),
)

/** A review the service refuses for its size (only with a service whose body limit is below HUGE_REVIEW_BYTES). */
export const refusedReview: fc.Arbitrary<FuzzCase> = fc.constant({kind: 'too-large-for-the-service', key: '1', value: () => text('so good '.repeat(HUGE_REVIEW_BYTES / 8)), reasons: ['rejected'] as DeadLetterReason[]})

export const reviewCases = {valid: validReview, hostile: hostileReview}

/** `count` cases, about `hostileShare` of them hostile, reproducible from the seed. */
export function sampleCases<T>(cases: {valid: fc.Arbitrary<FuzzCase<T>>; hostile: fc.Arbitrary<FuzzCase>}, count: number, seed: number, hostileShare = 0.3): FuzzCase<T>[] {
  const weight = Math.round(hostileShare * 100)
  return fc.sample(fc.oneof({weight: 100 - weight, arbitrary: cases.valid as fc.Arbitrary<FuzzCase>}, {weight, arbitrary: cases.hostile}), {seed, numRuns: count}) as FuzzCase<T>[]
}
