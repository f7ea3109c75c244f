/**
 * A fast path for the orders' value, read straight from the record's bytes: the generators (and the
 * original's Jackson) always write `{"orderId":N,"product":"P","quantity":Q,"price":X}` in that order with
 * no spaces. Anything else — spaces, another field order, escapes, a number JSON would not accept —
 * returns undefined and takes the general path (JSON.parse), so both paths accept exactly the same values.
 */

const ORDER_ID = Buffer.from('{"orderId":')
const PRODUCT = Buffer.from(',"product":"')
const QUANTITY = Buffer.from('","quantity":')
const PRICE = Buffer.from(',"price":')

const QUOTE = 0x22
const BACKSLASH = 0x5c
const CLOSE = 0x7d

function matchAt(buf: Buffer, at: number, literal: Buffer): boolean {
  if (at + literal.length > buf.length) return false
  for (let i = 0; i < literal.length; i++) if (buf[at + i] !== literal[i]) return false
  return true
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39

/** The end of a JSON number starting at `at` (strict grammar), or -1. */
function scanNumber(buf: Buffer, at: number): number {
  let i = at
  if (buf[i] === 0x2d) i++
  if (buf[i] === 0x30) i++
  else if (isDigit(buf[i]) && buf[i] !== 0x30) while (isDigit(buf[i])) i++
  else return -1
  if (buf[i] === 0x2e) {
    i++
    if (!isDigit(buf[i])) return -1
    while (isDigit(buf[i])) i++
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++
    if (!isDigit(buf[i])) return -1
    while (isDigit(buf[i])) i++
  }
  return i
}

function numberAt(buf: Buffer, start: number, end: number): number {
  // Small non-negative integers without a fraction: no string needed.
  if (end - start <= 15) {
    let value = 0
    let plain = true
    for (let i = start; i < end; i++) {
      const c = buf[i]
      if (c < 0x30 || c > 0x39) {
        plain = false
        break
      }
      value = value * 10 + (c - 0x30)
    }
    if (plain) return value
  }
  return Number(buf.toString('latin1', start, end))
}

/** The few product names seen, so that each record does not allocate its own copy. */
const names: Array<{bytes: Buffer; text: string}> = []

function productAt(buf: Buffer, start: number, end: number): string {
  const length = end - start
  for (const name of names) {
    if (name.bytes.length !== length) continue
    let same = true
    for (let i = 0; i < length; i++) {
      if (name.bytes[i] !== buf[start + i]) {
        same = false
        break
      }
    }
    if (same) return name.text
  }
  const text = buf.toString('utf8', start, end)
  if (names.length < 32) names.push({bytes: Buffer.from(buf.subarray(start, end)), text})
  return text
}

export interface OrderFields {
  orderId: number
  product: string
  quantity: number
  price: number
}

export function decodeOrderBytes(buf: Buffer): OrderFields | undefined {
  if (!matchAt(buf, 0, ORDER_ID)) return undefined
  let i = ORDER_ID.length
  let end = scanNumber(buf, i)
  if (end < 0) return undefined
  const orderId = numberAt(buf, i, end)
  if (!matchAt(buf, end, PRODUCT)) return undefined
  i = end + PRODUCT.length
  const productStart = i
  while (i < buf.length) {
    const c = buf[i]
    if (c === QUOTE) break
    if (c === BACKSLASH || c < 0x20) return undefined
    i++
  }
  if (!matchAt(buf, i, QUANTITY)) return undefined
  const product = productAt(buf, productStart, i)
  i += QUANTITY.length
  end = scanNumber(buf, i)
  if (end < 0) return undefined
  const quantity = numberAt(buf, i, end)
  if (!matchAt(buf, end, PRICE)) return undefined
  i = end + PRICE.length
  end = scanNumber(buf, i)
  if (end < 0 || buf[end] !== CLOSE || end + 1 !== buf.length) return undefined
  const price = numberAt(buf, i, end)
  return {orderId, product, quantity, price}
}
