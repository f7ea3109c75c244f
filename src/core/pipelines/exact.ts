/**
 * Exact integer arithmetic for accumulators that stay plain JSON (they cross the repartition topic): an
 * `ExactInteger` is a number while it is a safe integer (|n| ≤ 2^53 − 1) and a decimal string beyond, so a
 * sum never overflows, never loses a unit and never becomes Infinity (which JSON would turn into null).
 *
 * Anything that is not an integer (an old partial aggregate whose sum had already overflowed into a
 * double, or null where Infinity was) reads as NaN and stays NaN: a result built from it is refused by its
 * sink (a `rejected` dead letter) instead of being written wrong.
 */

/** A safe integer as a number, or an integer of any size as a decimal string (`-?[0-9]+`). */
export type ExactInteger = number | string

const MAX = Number.MAX_SAFE_INTEGER
const INTEGER_TEXT = /^-?\d+$/

/** The value as a BigInt, or undefined when it is not an integer (NaN, a fraction, null, malformed text). */
export function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return BigInt(value)
  return undefined
}

/** A BigInt as an ExactInteger: a number while safe, a decimal string beyond. */
export function fromBigInt(value: bigint): ExactInteger {
  return value <= BigInt(MAX) && value >= -BigInt(MAX) ? Number(value) : value.toString()
}

/** a + b, exactly. NaN when either is not an integer. */
export function addExact(a: ExactInteger, b: ExactInteger): ExactInteger {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b
    // Both safe integers and the sum within the safe range: the double sum is exact.
    if (sum <= MAX && sum >= -MAX && Number.isSafeInteger(a) && Number.isSafeInteger(b)) return sum
  }
  const x = toBigInt(a)
  const y = toBigInt(b)
  return x === undefined || y === undefined ? Number.NaN : fromBigInt(x + y)
}

/** a × b for two safe integers, exactly. */
export function multiplyExact(a: number, b: number): ExactInteger {
  const product = a * b
  if (product <= MAX && product >= -MAX) return product
  return fromBigInt(BigInt(a) * BigInt(b))
}

/** acc + 1 (counts). */
export function incrementExact(acc: ExactInteger): ExactInteger {
  // A count is an integer (from init, add and merge): below MAX, + 1 is exact.
  return typeof acc === 'number' && acc < MAX && acc >= -MAX ? acc + 1 : addExact(acc, 1)
}

/** The nearest number (for display and JSON events; exact while safe). */
export function toNumber(value: ExactInteger): number {
  return typeof value === 'number' ? value : Number(value)
}

/**
 * An integer count of minor units as decimal text with `scale` fraction digits: 12345 → "123.45" (scale 2),
 * exact whatever the size; "NaN" when it is not an integer.
 */
export function formatScaled(value: ExactInteger, scale: number): string {
  const big = toBigInt(value)
  if (big === undefined) return 'NaN'
  const negative = big < 0n
  const digits = (negative ? -big : big).toString().padStart(scale + 1, '0')
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`
  return negative ? `-${text}` : text
}

/** Compares |value| with a bound given as a BigInt: whether |value| ≤ bound (false for NaN). */
export function withinMagnitude(value: ExactInteger, bound: bigint): boolean {
  const big = toBigInt(value)
  if (big === undefined) return false
  return (big < 0n ? -big : big) <= bound
}
