/**
 * An independent, strict reading of the original generators' formats (SPEC §3), for tests: every field is
 * checked against its domain and the exact bytes, so a value one byte off the original fails.
 */
export interface CheckedRecord {
  key: string
  value: string
  timestamp: number
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** Java's Timestamp.toString() of an epoch ms in local time, computed the slow, obvious way. */
export function javaTimestamp(epochMs: number): string {
  const d = new Date(epochMs)
  let fraction = pad(d.getMilliseconds(), 3)
  while (fraction.length > 1 && fraction.endsWith('0')) fraction = fraction.slice(0, -1)
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${fraction}`
}

const PRICES: Record<string, string> = {Keyboard: '25.0', Mouse: '10.5', Monitor: '140.0'}
const ORDER = /^\{"orderId":(\d+),"product":"(Keyboard|Mouse|Monitor)","quantity":([1-4]),"price":(25\.0|10\.5|140\.0)\}$/
const ALERT = /^"([^"]+)","(CRITICAL|HIGH|ELEVATED)","(100|200|300|400)","This is a (CRITICAL|HIGH|ELEVATED) alert "$/
const VIEW = /^"([^"]+)","(Bob|Mike|Kathy|Sam)","(AI|BigData|CI_CD|Cloud)",([1-9]|10)$/
const SCORE = /^([1-9]|10)$/
const PLAYERS = new Set(['Bob', 'Mike', 'Kathy', 'Sam'])

export interface Order {
  orderId: number
  product: string
  quantity: number
  price: string
}

/** Throws unless the record is exactly an original order; returns its fields. */
export function checkOrder(r: CheckedRecord): Order {
  const m = ORDER.exec(r.value)
  if (!m) throw new Error(`not an order value: ${JSON.stringify(r.value)}`)
  const [, orderId, product, quantity, price] = m
  if (PRICES[product] !== price) throw new Error(`price ${price} does not go with ${product}`)
  if (r.key !== orderId) throw new Error(`key ${r.key} is not the orderId ${orderId}`)
  return {orderId: Number(orderId), product, quantity: Number(quantity), price}
}

export function checkAlert(r: CheckedRecord): {level: string; code: string; timestamp: string} {
  const m = ALERT.exec(r.value)
  if (!m) throw new Error(`not an alert value: ${JSON.stringify(r.value)}`)
  const [, timestamp, level, code, messageLevel] = m
  if (messageLevel !== level) throw new Error(`message level ${messageLevel} differs from ${level}`)
  if (timestamp !== javaTimestamp(r.timestamp)) throw new Error(`timestamp ${timestamp} is not ${javaTimestamp(r.timestamp)}, the record time`)
  if (!/^\d+$/.test(r.key)) throw new Error(`key ${r.key} is not a counter`)
  return {level, code, timestamp}
}

export function checkView(r: CheckedRecord): {user: string; topic: string; minutes: number; timestamp: string} {
  const m = VIEW.exec(r.value)
  if (!m) throw new Error(`not a view value: ${JSON.stringify(r.value)}`)
  const [, timestamp, user, topic, minutes] = m
  if (timestamp !== javaTimestamp(r.timestamp)) throw new Error(`timestamp ${timestamp} is not ${javaTimestamp(r.timestamp)}, the record time`)
  if (!/^\d+$/.test(r.key)) throw new Error(`key ${r.key} is not a counter`)
  return {user, topic, minutes: Number(minutes), timestamp}
}

export function checkScore(r: CheckedRecord): {player: string; score: number} {
  if (!PLAYERS.has(r.key)) throw new Error(`not a player: ${JSON.stringify(r.key)}`)
  if (!SCORE.test(r.value)) throw new Error(`not a score: ${JSON.stringify(r.value)}`)
  return {player: r.key, score: Number(r.value)}
}

export function checkReview(r: CheckedRecord, corpus: ReadonlySet<string>): {id: number} {
  if (!corpus.has(r.value)) throw new Error(`not a review from the corpus: ${JSON.stringify(r.value)}`)
  if (!/^\d+$/.test(r.key)) throw new Error(`key ${r.key} is not epoch seconds`)
  if (Number(r.key) < Math.floor(r.timestamp / 1000)) throw new Error(`key ${r.key} is before the record's second`)
  return {id: Number(r.key)}
}

/** Keys that count up by one from `first`. */
export function checkCounter(records: readonly CheckedRecord[], first: number): void {
  records.forEach((r, i) => {
    if (r.key !== String(first + i)) throw new Error(`key #${i} is ${r.key}, expected ${first + i}`)
  })
}
