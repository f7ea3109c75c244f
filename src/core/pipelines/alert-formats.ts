/**
 * The wire formats of the alerts pipeline's two outputs, written (`run alerts --output-format`) and read
 * back record by record (`watch alerts`, `tail`, the live view), so that sstream and the original course
 * jobs can consume each other's alerts:
 *
 * | format   | critical: key, value                                  | high volume: key, value                                     |
 * |----------|-------------------------------------------------------|-------------------------------------------------------------|
 * | sstream  | input key, `"<ts>","<code>","<message>"`               | `<code>`, `"<window start ts>","<code>","<count>"`          |
 * | spark    | null, `<epoch µs>,<code>,<message>`                   | null, `<window start epoch µs>,<code>,<count>`              |
 * | kstreams | input key, `"<ts>","<code>","<message>"`               | `[<code>@<start ms>/<end ms>]`, `"<start ISO>","<code>","<count>"` |
 *
 * `<ts>` is the original's timestamp text in local time (`2021-06-30 12:11:15.123`, Java's
 * `Timestamp.toString()`). The Spark job formats its values with `format_string("%s,%s,%s", …)`, which
 * prints a timestamp column as its internal value, microseconds since the epoch; it quotes nothing and
 * writes no key. The Kafka Streams job writes critical alerts as sstream does, except that sstream doubles a
 * quote inside a field (RFC 4180) and the job does not; its high-volume
 * records are keyed by the window (`Windowed.toString()`) and carry the window start as an ISO instant in
 * UTC (`Instant.toString()`: `2021-06-30T10:11:10Z`, a fraction only when there is one).
 *
 * sstream's times are milliseconds: a microsecond timestamp is written as `<ms>000`. An input timestamp finer
 * than a millisecond (`…:15.1234`) keeps its digits in the critical alert: written as they came in the
 * quoted formats, to the microsecond in Spark's (which holds no finer).
 */
import {formatTimestamp, parseTimestamp} from '../stream/timestamps.js'
import {parseCsvLine} from './common.js'

export const ALERT_OUTPUT_FORMATS = ['sstream', 'spark', 'kstreams'] as const
export type AlertOutputFormat = (typeof ALERT_OUTPUT_FORMATS)[number]

export type AlertOutputKind = 'critical' | 'high-volume'

/** A CRITICAL alert to forward. */
export interface CriticalAlertOut {
  /** The input record's key. */
  key: string | null
  /** The alert's time, epoch ms. */
  time: number
  code: string
  message: string
  /**
   * The input timestamp's fraction past the milliseconds (`4` of `…:15.1234`, no trailing zeros), when it had
   * one: written back, so that the critical alert carries the timestamp the input did.
   */
  finer?: string
}

/** A window of one code with more alerts than the threshold. */
export interface HighVolumeOut {
  /** Epoch ms, inclusive. */
  windowStart: number
  /** Epoch ms, exclusive. */
  windowEnd: number
  code: string
  count: number
}

export interface AlertMessage {
  key: string | null
  value: string
}

/** Epoch ms as the Spark job's epoch microseconds, in decimal. */
export function epochMicros(ms: number): string {
  const micros = ms * 1000
  return Number.isSafeInteger(micros) ? String(micros) : (BigInt(Math.trunc(ms)) * 1000n).toString()
}

/** Epoch ms as Java's `Instant.toString()`: ISO-8601 in UTC, with a fraction only when it is not zero. */
export function isoInstant(ms: number): string {
  const iso = new Date(ms).toISOString()
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso
}

/**
 * A critical alert's timestamp text: the original's spelling of its millisecond, and the input's digits past
 * it when it had any (`2021-06-30 12:11:15.1234`), as `Timestamp.toString()` writes nanoseconds.
 */
function criticalTimestamp(alert: CriticalAlertOut): string {
  const text = formatTimestamp(alert.time)
  if (alert.finer === undefined) return text
  const ms = alert.time - Math.floor(alert.time / 1000) * 1000
  return `${text.slice(0, text.indexOf('.', 19))}.${String(ms).padStart(3, '0')}${alert.finer}`
}

/**
 * A critical alert's time as the Spark job's epoch microseconds: its milliseconds, and the microseconds of
 * the input's finer digits (digits past the microseconds a Spark timestamp does not hold either).
 */
function criticalMicros(alert: CriticalAlertOut): string {
  if (alert.finer === undefined) return epochMicros(alert.time)
  const micros = Number(alert.finer.slice(0, 3).padEnd(3, '0'))
  return (BigInt(Math.trunc(alert.time)) * 1000n + BigInt(micros)).toString()
}

/** The critical topic's record for an alert, in one of the formats. */
export function encodeCritical(format: AlertOutputFormat, alert: CriticalAlertOut): AlertMessage {
  if (format === 'spark') return {key: null, value: `${criticalMicros(alert)},${alert.code},${alert.message}`}
  if (format === 'kstreams') return {key: alert.key, value: `"${criticalTimestamp(alert)}","${alert.code}","${alert.message}"`}
  // sstream: CSV, a quote inside a field doubled (RFC 4180), so that any message reads back as written.
  return {key: alert.key, value: `${csvField(criticalTimestamp(alert))},${csvField(alert.code)},${csvField(alert.message)}`}
}

/** The high-volume topic's record for a window, in one of the formats. */
export function encodeHighVolume(format: AlertOutputFormat, window: HighVolumeOut): AlertMessage {
  switch (format) {
    case 'spark':
      return {key: null, value: `${epochMicros(window.windowStart)},${window.code},${window.count}`}
    case 'kstreams':
      return {key: `[${window.code}@${window.windowStart}/${window.windowEnd}]`, value: `"${isoInstant(window.windowStart)}","${window.code}","${window.count}"`}
    default:
      return {key: window.code, value: `${csvField(formatTimestamp(window.windowStart))},${csvField(window.code)},"${window.count}"`}
  }
}

/** An output record read back, whichever format wrote it. */
export interface AlertReading {
  kind: AlertOutputKind
  /**
   * The format the record is in. A quoted critical record reads as `sstream`: the Kafka Streams job
   * writes the same bytes.
   */
  format: AlertOutputFormat
  /** The alert's time (critical) or the window start (high volume), epoch ms; undefined when the text is no time sstream knows. */
  time?: number
  /** That time as the original's timestamp text in local time; the record's own text when it is no time. */
  ts: string
  code: string
  /** Critical only. */
  message?: string
  /** High volume only. */
  count?: number
  /** High volume in the kstreams format: the window end, from the key. */
  windowEnd?: number
}

const QUOTED = /^"(.*?)","(.*?)","(.*)",?$/s
const WINDOWED_KEY = /^\[(.*)@(-?\d+)\/(-?\d+)\]$/s
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/
const MICROS = /^-?\d{1,19}$/
const COUNT = /^\d+$/

/** A CSV field in double quotes, a quote inside it doubled. */
export function csvField(text: string): string {
  return text.includes('"') ? `"${text.replaceAll('"', '""')}"` : `"${text}"`
}

/** `"a","b","c"` as CSV (quotes inside doubled; a trailing comma allowed); undefined when it is not. */
function quotedCsv(text: string): [string, string, string] | undefined {
  try {
    const fields = parseCsvLine(text)
    if (fields.length === 3 || (fields.length === 4 && fields[3] === '')) return [fields[0], fields[1], fields[2]]
  } catch {
    // Not CSV: a writer that does not double quotes (read below as such).
  }
  return undefined
}

/**
 * Splits `"a","b","c"` (sstream, with quotes inside doubled; Kafka Streams, which does not double them; a
 * trailing comma, as the Flink job writes, is allowed) or `a,b,c` (Spark).
 */
export function splitAlertValue(value: string): {fields: [string, string, string]; quoted: boolean} | undefined {
  const text = value.trim()
  const csv = text.startsWith('"') ? quotedCsv(text) : undefined
  if (csv) return {fields: csv, quoted: true}
  const quoted = QUOTED.exec(text)
  if (quoted) return {fields: [quoted[1], quoted[2], quoted[3]], quoted: true}
  if (text.startsWith('"')) return undefined
  const first = value.indexOf(',')
  const second = first < 0 ? -1 : value.indexOf(',', first + 1)
  if (second < 0) return undefined
  return {fields: [value.slice(0, first), value.slice(first + 1, second), value.slice(second + 1)], quoted: false}
}

/** A timestamp in any of the formats (local timestamp text, epoch microseconds, ISO instant) as epoch ms. */
export function alertTime(text: string): number | undefined {
  if (MICROS.test(text)) {
    const micros = BigInt(text)
    const ms = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n))
    return Number.isSafeInteger(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined
  }
  if (ISO_INSTANT.test(text)) {
    const ms = Date.parse(text)
    return Number.isNaN(ms) ? undefined : ms
  }
  return parseTimestamp(text)
}

/**
 * Reads a record of the critical or high-volume topic in any of the three formats, detected from the
 * record itself; undefined when it is none of them (e.g. a high-volume count that is not a number).
 */
export function readAlertRecord(kind: AlertOutputKind, key: string | null | undefined, value: string): AlertReading | undefined {
  const split = splitAlertValue(value)
  if (!split) return undefined
  const [tsText, code, rest] = split.fields
  const time = alertTime(tsText)
  const ts = time === undefined ? tsText : formatTimestamp(time)
  const windowed = key ? WINDOWED_KEY.exec(key) : null
  const format: AlertOutputFormat = !split.quoted ? 'spark' : windowed || ISO_INSTANT.test(tsText) ? 'kstreams' : 'sstream'
  const base = {kind, format, ...(time === undefined ? {} : {time}), ts, code}
  if (kind === 'critical') return {...base, message: rest}
  if (!COUNT.test(rest)) return undefined
  return {...base, count: Number(rest), ...(windowed ? {windowEnd: Number(windowed[3])} : {})}
}
