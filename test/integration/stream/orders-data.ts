/**
 * Seeded orders over 3 partitions, keyed by orderId (not by product), with synthetic Kafka timestamps
 * that move forward with some records out of order (a few beyond the allowed lateness) and a few
 * malformed values; and the independent batch recomputation of what analytics must write.
 */
import {seeded, type SeedRecord} from './fixtures.js'

export const PRODUCTS: Array<[string, number]> = [
  ['Keyboard', 25.0],
  ['Mouse', 10.5],
  ['Monitor', 140.0],
]

export interface OrdersOptions {
  count: number
  seed: number
  partitions?: number
  /** The first event time (ms). */
  start: number
  /** Mean gap between consecutive event times (ms). */
  stepMs?: number
  malformedEvery?: number
}

export function seedOrders(options: OrdersOptions): SeedRecord[] {
  const random = seeded(options.seed)
  const partitions = options.partitions ?? 3
  const clocks = Array.from({length: partitions}, () => options.start)
  const records: SeedRecord[] = []
  let orderId = 1_700_000_000
  for (let i = 0; i < options.count; i++) {
    const partition = Math.floor(random() * partitions)
    clocks[partition] += Math.floor(random() * 2 * (options.stepMs ?? 20))
    const roll = random()
    // 8% out of order within a few seconds, 1% far behind (late beyond the 5 s lateness).
    const timestamp = roll < 0.01 ? clocks[partition] - 15_000 : roll < 0.09 ? clocks[partition] - Math.floor(random() * 4000) : clocks[partition]
    const [product, price] = PRODUCTS[Math.floor(random() * 3)]
    const quantity = 1 + Math.floor(random() * 4)
    orderId += 1
    const malformed = options.malformedEvery && i % options.malformedEvery === options.malformedEvery - 1
    records.push({
      partition,
      key: String(orderId),
      value: malformed ? `{"orderId":${orderId},"product":"${product}",` : JSON.stringify({orderId, product, quantity, price}),
      timestamp,
    })
  }
  return records
}

export interface ExpectedWindow {
  start: number
  product: string
  cents: number
  count: number
}

/**
 * The batch recomputation: per partition in offset order, a record is late when its 5 s window ends at or
 * before (largest timestamp seen before it) − lateness; the rest are summed per (window, product).
 */
export function expectedSummaries(records: SeedRecord[], {windowMs = 5000, latenessMs = 5000} = {}): {windows: ExpectedWindow[]; late: number; malformed: number} {
  const max = new Map<number, number>()
  const sums = new Map<string, ExpectedWindow>()
  let late = 0
  let malformed = 0
  for (const r of records) {
    let order: {product: string; quantity: number; price: number}
    try {
      order = JSON.parse(r.value)
    } catch {
      malformed += 1
      continue
    }
    const start = Math.floor(r.timestamp / windowMs) * windowMs
    const seen = max.get(r.partition) ?? Number.NEGATIVE_INFINITY
    if (start + windowMs <= seen - latenessMs) late += 1
    else {
      const key = `${start}|${order.product}`
      const w = sums.get(key) ?? {start, product: order.product, cents: 0, count: 0}
      w.cents += Math.round(order.quantity * order.price * 100)
      w.count += 1
      sums.set(key, w)
    }
    max.set(r.partition, Math.max(seen, r.timestamp))
  }
  const windows = [...sums.values()].sort((a, b) => a.start - b.start || a.product.localeCompare(b.product))
  return {windows, late, malformed}
}

/** Rows of order_summary as the same shape. */
export function rowsAsWindows(rows: Array<{INTERVAL_TIMESTAMP: Date; PRODUCT: string; TOTAL_VALUE: string | number; ORDER_COUNT: number}>): ExpectedWindow[] {
  return rows
    .map((r) => ({start: r.INTERVAL_TIMESTAMP.getTime(), product: r.PRODUCT, cents: Math.round(Number(r.TOTAL_VALUE) * 100), count: Number(r.ORDER_COUNT)}))
    .sort((a, b) => a.start - b.start || a.product.localeCompare(b.product))
}
