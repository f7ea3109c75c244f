/**
 * The original course's timestamp text, `yyyy-mm-dd hh:mm:ss.f` in local time (Java's
 * `java.sql.Timestamp.toString()`): the fraction is the milliseconds with trailing zeros removed, at least
 * one digit (`12:11:15.0`, `12:11:15.12`, `12:11:15.123`).
 */

const PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/

const FRACTION = /^(?:\.(\d{1,9}))?$/

/** The last second parsed: consecutive records mostly share it, and local-time Date construction is slow. */
let lastSecondText = ''
let lastSecondTime = 0

/** The milliseconds of a fraction's digits: its first three (`1234` → 123, `5` → 500), never rounded up. */
const fractionMs = (digits: string | undefined): number => (digits ? Number(digits.slice(0, 3).padEnd(3, '0')) : 0)

/**
 * The milliseconds of the fraction after the 19 characters of the second — nothing, or `.` and one to three
 * digits: what FRACTION and fractionMs read, without their strings — or -1 for anything else.
 */
function shortFractionMs(text: string): number {
  const length = text.length
  if (length === 19) return 0
  if (length > 23 || length < 21 || text.charCodeAt(19) !== 46) return -1
  let ms = 0
  for (let i = 20, scale = 100; i < 23; i++, scale /= 10) {
    if (i >= length) continue
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return -1
    ms += digit * scale
  }
  return ms
}

/** Parses the original's timestamp text (local time) to ms since the epoch, or undefined if it is not one. */
export function parseTimestamp(text: string): number | undefined {
  if (text.length >= 19 && lastSecondText !== '' && text.startsWith(lastSecondText)) {
    const ms = shortFractionMs(text)
    if (ms >= 0) return lastSecondTime + ms
    const f = FRACTION.exec(text.slice(19))
    if (f) return lastSecondTime + fractionMs(f[1])
  }
  const time = parseFully(text)
  if (time !== undefined && text === text.trim()) {
    lastSecondText = text.slice(0, 19)
    lastSecondTime = time - (time - Math.floor(time / 1000) * 1000)
  }
  return time
}

function parseFully(text: string): number | undefined {
  const m = PATTERN.exec(text.trim())
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number)
  const ms = fractionMs(m[7])
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined
  const date = new Date(year, month - 1, day, hour, minute, second, ms)
  // Reject dates that roll over (Feb 30th).
  if (date.getDate() !== day || date.getMonth() !== month - 1) return undefined
  return date.getTime()
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

let lastFormattedSecond = Number.NaN
let lastFormattedPrefix = ''

/** The fraction's text of each whole millisecond: trailing zeros removed, at least one digit. */
const FRACTION_TEXT = Array.from({length: 1000}, (_, ms) => pad(ms, 3).replace(/0+$/, '') || '0')

/** Formats ms since the epoch as the original's timestamp text, in local time. */
export function formatTimestamp(time: number): string {
  const second = Math.floor(time / 1000)
  const ms = time - second * 1000
  if (second !== lastFormattedSecond) {
    const d = new Date(second * 1000)
    lastFormattedPrefix = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.`
    lastFormattedSecond = second
  }
  return lastFormattedPrefix + (Number.isInteger(ms) ? FRACTION_TEXT[ms] : pad(ms, 3).replace(/0+$/, '') || '0')
}
