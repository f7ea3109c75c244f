/**
 * The original's timestamp format, Java's `java.sql.Timestamp.toString()` in local time:
 * `yyyy-mm-dd hh:mm:ss.f`, where the fraction is the milliseconds with trailing zeros removed and at least
 * one digit (`12:11:15.0`, `12:11:15.12`, `12:11:15.123`).
 */

/** The fraction for each millisecond value 0–999. */
const FRACTIONS: readonly string[] = Array.from({length: 1000}, (_, ms) => {
  const digits = String(ms).padStart(3, '0').replace(/0+$/, '')
  return digits === '' ? '0' : digits
})

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** `yyyy-mm-dd hh:mm:ss.` of the second that contains `secondMs`, in local time. */
function secondPrefix(secondMs: number): string {
  const d = new Date(secondMs)
  const year = d.getFullYear()
  const yyyy = year >= 0 && year < 1000 ? String(year).padStart(4, '0') : String(year)
  return `${yyyy}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`
}

/** Formats an epoch millisecond as the original did. */
export function formatTimestamp(epochMs: number): string {
  const ms = ((epochMs % 1000) + 1000) % 1000
  return secondPrefix(epochMs - ms) + FRACTIONS[ms]
}

/** The same format, caching the date part per second (generators format many timestamps per second). */
export function createTimestampFormatter(): (epochMs: number) => string {
  let cachedSecond = Number.NaN
  let cachedPrefix = ''
  return (epochMs) => {
    const ms = ((epochMs % 1000) + 1000) % 1000
    const second = epochMs - ms
    if (second !== cachedSecond) {
      cachedSecond = second
      cachedPrefix = secondPrefix(second)
    }
    return cachedPrefix + FRACTIONS[ms]
  }
}

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{1,3})$/

/**
 * Parses the original's timestamp (local time) back into epoch ms; undefined if the text is not exactly in
 * that format (a fraction with a trailing zero other than `.0` is not the original's output).
 */
export function parseOriginalTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text)
  if (!m) return undefined
  const fraction = m[7]
  if (fraction.length > 1 && fraction.endsWith('0')) return undefined
  const ms = Number(fraction.padEnd(3, '0'))
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms)
  return formatTimestamp(date.getTime()) === text ? date.getTime() : undefined
}
