/**
 * Streaming analytics (SPEC §4): orders → value = quantity × price; event time = the Kafka record
 * timestamp; tumbling 5 s windows by product with 5 s allowed lateness; sum and count, written once per
 * (window, product) when the window closes (MariaDB `order_summary`, idempotent upsert).
 */
import {columnType, type ColumnType} from '../mariadb/schema.js'
import {orderSummarySink} from '../mariadb/window-sink.js'
import {TABLES} from '../names.js'
import {runPipeline} from './run.js'
import {
  RecordError,
  type Aggregator,
  type InputRecord,
  type PipelineDefinition,
  type RunOptions,
  type RunSummary,
  type Sink,
  type WindowResult,
} from '../stream/types.js'
import {checkRecordUtf8, lineText, recordText} from './common.js'
import {addExact, formatScaled, incrementExact, multiplyExact, toNumber, withinMagnitude, type ExactInteger} from './exact.js'
import {decodeOrderBytes} from './order-bytes.js'
import {eventTimeCheck, checkVarchar, decimalMaxUnits, excerpt, FieldError, isWellFormed} from './validate.js'

export interface Order {
  orderId: number
  product: string
  quantity: number
  price: number
}

export interface OrderSummary {
  /** Sum of quantity × price, as a number (for display; exact while the cents are below 2^53). */
  total: number
  count: number
  /** The same sum as decimal text with two fraction digits, exact whatever its size: what TOTAL_VALUE gets. */
  exactTotal: string
}

/**
 * The accumulator: cents as an exact integer (a number while safe, a decimal string beyond; see exact.ts), so
 * that sums are exact, independent of the merge order, and never Infinity. Partials written before (cents
 * and count as numbers) read the same.
 */
export interface OrderAccumulator {
  cents: ExactInteger
  count: ExactInteger
}

export const orderSummaryAggregator: Aggregator<Order, OrderAccumulator, OrderSummary> = {
  init: () => ({cents: 0, count: 0}),
  // The engine owns the accumulator: it is updated in place (no allocation per record).
  add: (acc, order) => {
    // Validated at decode: an integer quantity and a price in whole cents, so this product is exact while
    // safe. The accumulator comes from init() and add() only: its cents are an integer (number or text).
    const value = order.quantity * Math.round(order.price * 100)
    const cents = acc.cents
    const sum = typeof cents === 'number' ? cents + value : Number.NaN
    acc.cents =
      sum <= Number.MAX_SAFE_INTEGER && sum >= -Number.MAX_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER && value >= -Number.MAX_SAFE_INTEGER
        ? sum
        : addExact(cents, multiplyExact(order.quantity, Math.round(order.price * 100)))
    acc.count = incrementExact(acc.count)
    return acc
  },
  merge: (a, b) => ({cents: addExact(a.cents, b.cents), count: addExact(a.count, b.count)}),
  result: (acc) => ({total: toNumber(acc.cents) / 100, count: toNumber(acc.count), exactTotal: formatScaled(acc.cents, 2)}),
}

/**
 * What an order must be for order_summary (its columns read from the migrations): a product that fits
 * PRODUCT, an integer quantity, a price in whole cents, and quantity × price within TOTAL_VALUE's range.
 */
interface OrderLimits {
  product: Extract<ColumnType, {kind: 'varchar'}>
  totalColumn: Extract<ColumnType, {kind: 'decimal'}>
  /** The largest |quantity × price| in cents. */
  maxCents: bigint
  /** The same, capped at 2^53 − 1, as a number. */
  maxSafeCents: number
}

let limits: OrderLimits | undefined

function orderLimits(): OrderLimits {
  if (!limits) {
    const totalColumn = columnType(TABLES.orderSummary, 'TOTAL_VALUE', 'decimal')
    const product = columnType(TABLES.orderSummary, 'PRODUCT', 'varchar')
    // The per-order value in cents: TOTAL_VALUE's range at its own scale, expressed in cents.
    const maxCents = totalColumn.scale >= 2 ? decimalMaxUnits(totalColumn) / 10n ** BigInt(totalColumn.scale - 2) : decimalMaxUnits(totalColumn) * 10n ** BigInt(2 - totalColumn.scale)
    limits = {product, totalColumn, maxCents, maxSafeCents: maxCents >= BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(maxCents)}
  }
  return limits
}

/**
 * The largest price accepted: beyond it a JSON number (a double) can no longer tell whole cents apart, so the
 * cents of the order would not be the cents written.
 */
export const MAX_PRICE = 10_000_000_000_000

const MAX_SAFE_CENTS = Number.MAX_SAFE_INTEGER

/** Checks a decoded order against what order_summary accepts; throws a FieldError (`bad-value`) otherwise. */
export function checkOrder(order: Order, record: InputRecord, fromJson = true): Order {
  const {product, quantity, price} = order
  const {product: productColumn, totalColumn, maxCents, maxSafeCents} = orderLimits()
  // The fast path has checked the product's bytes, and text decoded from UTF-8 never has a lone surrogate
  // (only a JSON escape, \ud800, makes one).
  if (fromJson) checkRecordUtf8(record, product, 'malformed-json', 'JSON')
  if (product.length > productColumn.length || (fromJson && !isWellFormed(product))) checkVarchar('product', product, productColumn, `${TABLES.orderSummary}.PRODUCT`)
  if (!Number.isSafeInteger(quantity)) throw new FieldError('quantity', `${quantity} is not a whole number of items (at most ${MAX_SAFE_CENTS} in magnitude).`)
  if (!(Math.abs(price) <= MAX_PRICE)) throw new FieldError('price', `${price} is beyond ${MAX_PRICE}, the largest price whose cents a JSON number holds exactly.`)
  const cents = Math.round(price * 100)
  if (cents / 100 !== price) throw new FieldError('price', `${price} has fractions of a cent; ${TOTAL_COLUMN} holds cents.`)
  const value = Math.abs(quantity * cents)
  // Within the safe range the double product is exact; beyond it, BigInts decide.
  const fits = value <= maxSafeCents || (value > MAX_SAFE_CENTS && withinMagnitude(multiplyExact(quantity, cents), maxCents))
  if (!fits) {
    throw new FieldError('quantity', `${quantity} × ${price} is beyond what ${TOTAL_COLUMN} (DECIMAL(${totalColumn.precision},${totalColumn.scale})) holds.`)
  }
  return order
}

const TOTAL_COLUMN = `${TABLES.orderSummary}.TOTAL_VALUE`

/** Parses and checks an order value `{"orderId":N,"product":P,"quantity":Q,"price":X}`. */
export function decodeOrder(record: InputRecord): Order {
  const fast = decodeOrderInPlace(record)
  if (fast && Number.isFinite(fast.quantity) && Number.isFinite(fast.price)) return checkOrder(fast, record, false)
  return decodeOrderJson(record)
}

/** The fast path, on the value's bytes; undefined: take the general path. */
function decodeOrderInPlace(record: InputRecord): Order | undefined {
  const bytes = record.valueBytes()
  return bytes === null ? undefined : decodeOrderBytes(bytes)
}

/** The general path: any JSON. */
export function decodeOrderJson(record: InputRecord): Order {
  // JSON.parse takes the whitespace around it, not a byte order mark before it (RFC 8259 lets a reader ignore one).
  const text = lineText(recordText(record))
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new RecordError('malformed-json', 'The value is not JSON.')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RecordError('bad-value', `The value is ${jsonKind(parsed)}, not an order: an object with a product (string), a quantity and a price (numbers).`)
  }
  const o = parsed as Record<string, unknown>
  // The field at fault is named (the dead letter's sstream-field) when there is one.
  const wrong = ORDER_FIELDS.filter(([field, type]) => typeof o[field] !== type).map(([field, type]) => ({
    field,
    why: Object.hasOwn(o, field) ? `is ${jsonKind(o[field])}, not a ${type}` : `is missing (a ${type})`,
  }))
  if (wrong.length === 1) throw new FieldError(wrong[0].field, `${wrong[0].why}.`)
  if (wrong.length > 1) throw new RecordError('bad-value', `The order needs a product (string), a quantity and a price (numbers): ${wrong.map((w) => `${w.field} ${w.why}`).join(', ')}.`)
  const {product, quantity, price} = o as {product: string; quantity: number; price: number}
  if (!Number.isFinite(quantity)) throw new FieldError('quantity', 'is not a finite number.')
  if (!Number.isFinite(price)) throw new FieldError('price', 'is not a finite number.')
  return checkOrder({orderId: typeof o.orderId === 'number' ? o.orderId : Number.NaN, product, quantity, price}, record)
}

/** The fields an order must have, with their JSON types. */
const ORDER_FIELDS: ReadonlyArray<[field: 'product' | 'quantity' | 'price', type: 'string' | 'number']> = [
  ['product', 'string'],
  ['quantity', 'number'],
  ['price', 'number'],
]

/** What a JSON value is, for a message: `the text "1"`, `a number`, `null`, `an object`, … */
function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return `the text ${excerpt(value, 20)}`
    case 'number':
      return 'a number'
    case 'boolean':
      return `${value}`
    default:
      return 'an object'
  }
}

export interface AnalyticsOptions {
  inputTopic: string
  deadLetterTopic: string
  windowMs?: number
  latenessMs?: number
  sink: Sink<WindowResult<OrderSummary>>
}

export function analyticsPipeline(options: AnalyticsOptions): PipelineDefinition<Order> {
  const windowMs = options.windowMs ?? 5000
  const checkTime = eventTimeCheck('timestamp', windowMs)
  return {
    name: 'analytics',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeOrder,
    eventTime: (_order, record) => {
      // Kafka's -1 is "no timestamp": not an instant of 1969. No Kafka client writes any other negative one (the
      // broker takes it all the same): not an event time either.
      if (record.timestamp === -1) throw new FieldError('timestamp', "the record has no timestamp (-1); an order's event time is its Kafka timestamp.", 'bad-timestamp')
      if (record.timestamp < 0) throw new FieldError('timestamp', `the Kafka timestamp ${record.timestamp} is negative, which no Kafka client writes (-1 is "none"): not an order's event time.`, 'bad-timestamp')
      checkTime(record.timestamp)
      return record.timestamp
    },
    window: {
      name: 'order-summary',
      sizeMs: windowMs,
      latenessMs: options.latenessMs ?? 5000,
      key: (order) => order.product,
      aggregator: orderSummaryAggregator,
      sink: options.sink,
    },
  }
}

export interface RunAnalyticsOptions extends RunOptions {
  mariadbUrl: string
  inputTopic: string
  deadLetterTopic: string
  table: string
  windowMs?: number
  latenessMs?: number
}

/** Runs the analytics pipeline against Kafka and MariaDB until stopped. */
export async function runAnalytics(options: RunAnalyticsOptions): Promise<RunSummary> {
  const sink = orderSummarySink({url: options.mariadbUrl, table: options.table})
  return runPipeline(
    analyticsPipeline({inputTopic: options.inputTopic, deadLetterTopic: options.deadLetterTopic, sink, windowMs: options.windowMs, latenessMs: options.latenessMs}),
    options,
  )
}
