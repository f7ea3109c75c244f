/**
 * Streaming analytics (SPEC §4): orders → value = quantity × price; event time = the Kafka record
 * timestamp; tumbling 5 s windows by product with 5 s allowed lateness; sum and count, written once per
 * (window, product) when the window closes (MariaDB `order_summary`, idempotent upsert).
 */
import {orderSummarySink} from '../mariadb/window-sink.js'
import {runPipeline} from '../stream/runtime.js'
import {formatTimestamp} from '../stream/timestamps.js'
import {
  RecordError,
  type Aggregator,
  type InputRecord,
  type PipelineDefinition,
  type ResultEvent,
  type RunOptions,
  type RunSummary,
  type Sink,
  type WindowResult,
} from '../stream/types.js'
import {javaDouble, recordText} from './common.js'
import {decodeOrderBytes} from './order-bytes.js'

export interface Order {
  orderId: number
  product: string
  quantity: number
  price: number
}

export interface OrderSummary {
  /** Sum of quantity × price, rounded to cents. */
  total: number
  count: number
}

/** The accumulator: cents as an integer, so that sums are exact and independent of the merge order. */
export interface OrderAccumulator {
  cents: number
  count: number
}

export const orderSummaryAggregator: Aggregator<Order, OrderAccumulator, OrderSummary> = {
  init: () => ({cents: 0, count: 0}),
  // The engine owns the accumulator: it is updated in place (no allocation per record).
  add: (acc, order) => {
    acc.cents += Math.round(order.quantity * order.price * 100)
    acc.count += 1
    return acc
  },
  merge: (a, b) => ({cents: a.cents + b.cents, count: a.count + b.count}),
  result: (acc) => ({total: acc.cents / 100, count: acc.count}),
}

/** Parses an order value `{"orderId":N,"product":P,"quantity":Q,"price":X}`. */
export function decodeOrder(record: InputRecord): Order {
  const fast = decodeOrderInPlace(record)
  if (fast && Number.isFinite(fast.quantity) && Number.isFinite(fast.price)) return fast
  return decodeOrderJson(record)
}

/** The fast path, on the value's bytes where the fetch left them (or on `value`); undefined: take the general path. */
function decodeOrderInPlace(record: InputRecord): Order | undefined {
  const {bytes, valueStart, valueLength} = record
  if (bytes === undefined || valueStart === undefined || valueLength === undefined) return record.value === null ? undefined : decodeOrderBytes(record.value)
  return valueLength < 0 ? undefined : decodeOrderBytes(bytes, valueStart, valueStart + valueLength)
}

/** The general path: any JSON. */
export function decodeOrderJson(record: InputRecord): Order {
  const text = recordText(record)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new RecordError('malformed-json', 'The value is not JSON.')
  }
  const o = parsed as Partial<Order> | null
  if (typeof o !== 'object' || o === null || typeof o.product !== 'string' || typeof o.quantity !== 'number' || typeof o.price !== 'number') {
    throw new RecordError('bad-value', 'The order needs a product (string), a quantity and a price (numbers).')
  }
  if (!Number.isFinite(o.quantity) || !Number.isFinite(o.price)) throw new RecordError('bad-value', 'The quantity or price is not a finite number.')
  return {orderId: typeof o.orderId === 'number' ? o.orderId : Number.NaN, product: o.product, quantity: o.quantity, price: o.price}
}

export interface AnalyticsOptions {
  inputTopic: string
  deadLetterTopic: string
  windowMs?: number
  latenessMs?: number
  sink: Sink<WindowResult<OrderSummary>>
}

export function analyticsPipeline(options: AnalyticsOptions): PipelineDefinition<Order> {
  return {
    name: 'analytics',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeOrder,
    eventTime: (_order, record) => record.timestamp,
    window: {
      name: 'order-summary',
      sizeMs: options.windowMs ?? 5000,
      latenessMs: options.latenessMs ?? 5000,
      key: (order) => order.product,
      aggregator: orderSummaryAggregator,
      sink: options.sink,
    },
  }
}

/** The plain line for a result, like the original's console: `Retrieved Summary [[start,end],product,total]`. */
export function formatAnalyticsResult(event: ResultEvent): string {
  const value = event.value as OrderSummary
  const start = event.window ? formatTimestamp(Date.parse(event.window.start)) : '?'
  const end = event.window ? formatTimestamp(Date.parse(event.window.end)) : '?'
  return `Retrieved Summary [[${start},${end}],${event.key},${javaDouble(value.total)}] (${value.count} order${value.count === 1 ? '' : 's'})`
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
