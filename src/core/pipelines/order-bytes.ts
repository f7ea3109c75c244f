/**
 * A fast path for the orders' value, read straight from the record's bytes: the generators (and the
 * original's Jackson) always write `{"orderId":N,"product":"P","quantity":Q,"price":X}` in that order with
 * no spaces. Anything else — spaces, another field order, escapes, a number JSON would not accept —
 * returns undefined and takes the general path (JSON.parse), so both paths accept exactly the same values;
 * so does a product whose bytes are not valid UTF-8 (the general path refuses it).
 */

import {isUtf8} from 'node:buffer'

const ORDER_ID = Buffer.from('{"orderId":')
const PRODUCT = Buffer.from(',"product":"')
const QUANTITY = Buffer.from('","quantity":')
const PRICE = Buffer.from(',"price":')

const QUOTE = 0x22
const BACKSLASH = 0x5c
const CLOSE = 0x7d

function matchAt(buf: Buffer, at: number, limit: number, literal: Buffer): boolean {
  if (at + literal.length > limit) return false
  for (let i = 0; i < literal.length; i++) if (buf[at + i] !== literal[i]) return false
  return true
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39

const byteAt = (buf: Buffer, i: number, limit: number): number | undefined => (i < limit ? buf[i] : undefined)

/** The end of a JSON number starting at `at` (strict grammar) before `limit`, or -1. */
function scanNumber(buf: Buffer, at: number, limit: number): number {
  let i = at
  if (byteAt(buf, i, limit) === 0x2d) i++
  if (byteAt(buf, i, limit) === 0x30) i++
  else if (isDigit(byteAt(buf, i, limit))) while (isDigit(byteAt(buf, i, limit))) i++
  else return -1
  if (byteAt(buf, i, limit) === 0x2e) {
    i++
    if (!isDigit(byteAt(buf, i, limit))) return -1
    while (isDigit(byteAt(buf, i, limit))) i++
  }
  if (byteAt(buf, i, limit) === 0x65 || byteAt(buf, i, limit) === 0x45) {
    i++
    if (byteAt(buf, i, limit) === 0x2b || byteAt(buf, i, limit) === 0x2d) i++
    if (!isDigit(byteAt(buf, i, limit))) return -1
    while (isDigit(byteAt(buf, i, limit))) i++
  }
  return i
}

const POWERS_OF_TEN = Array.from({length: 16}, (_, i) => 10 ** i)

/**
 * The value of a JSON number already scanned (`scanNumber`). Without an exponent and with at most 15
 * digits, digits / 10^fraction digits: both are exact doubles, and IEEE division rounds the quotient
 * correctly, which is exactly what Number() of the text gives. Anything else goes through the text.
 */
function numberAt(buf: Buffer, start: number, end: number): number {
  let i = start
  const negative = buf[i] === 0x2d
  if (negative) i++
  let digits = 0
  let count = 0
  let fraction = -1
  for (; i < end; i++) {
    const c = buf[i]
    if (c === 0x2e && fraction < 0) {
      fraction = 0
      continue
    }
    if (c < 0x30 || c > 0x39) return Number(buf.toString('latin1', start, end))
    digits = digits * 10 + (c - 0x30)
    count++
    if (fraction >= 0) fraction++
  }
  if (count > 15) return Number(buf.toString('latin1', start, end))
  const value = fraction > 0 ? digits / POWERS_OF_TEN[fraction] : digits
  return negative ? -value : value
}

/** The few product names seen, so that each record does not allocate its own copy. */
const names: Array<{bytes: Buffer; text: string}> = []

/** The product's text, or undefined when its bytes are not valid UTF-8 (the general path refuses it). */
function productAt(buf: Buffer, start: number, end: number): string | undefined {
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
  // Node decodes invalid bytes to U+FFFD: only then are the bytes looked at (a cached name is valid).
  if (text.includes('\ufffd') && !isUtf8(buf.subarray(start, end))) return undefined
  if (names.length < 32) names.push({bytes: Buffer.from(buf.subarray(start, end)), text})
  return text
}

export interface OrderFields {
  orderId: number
  product: string
  quantity: number
  price: number
}

/** The order in `buf[start, end)` (by default the whole buffer), or undefined: the general path decides. */
export function decodeOrderBytes(buf: Buffer, start = 0, end = buf.length): OrderFields | undefined {
  if (!matchAt(buf, start, end, ORDER_ID)) return undefined
  let i = start + ORDER_ID.length
  let stop = scanNumber(buf, i, end)
  if (stop < 0) return undefined
  const orderId = numberAt(buf, i, stop)
  if (!matchAt(buf, stop, end, PRODUCT)) return undefined
  i = stop + PRODUCT.length
  const productStart = i
  while (i < end) {
    const c = buf[i]
    if (c === QUOTE) break
    if (c === BACKSLASH || c < 0x20) return undefined
    i++
  }
  if (!matchAt(buf, i, end, QUANTITY)) return undefined
  const product = productAt(buf, productStart, i)
  if (product === undefined) return undefined
  i += QUANTITY.length
  stop = scanNumber(buf, i, end)
  if (stop < 0) return undefined
  const quantity = numberAt(buf, i, stop)
  if (!matchAt(buf, stop, end, PRICE)) return undefined
  i = stop + PRICE.length
  stop = scanNumber(buf, i, end)
  if (stop < 0 || stop + 1 !== end || buf[stop] !== CLOSE) return undefined
  const price = numberAt(buf, i, stop)
  return {orderId, product, quantity, price}
}
