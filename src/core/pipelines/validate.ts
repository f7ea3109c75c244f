/**
 * Validation at decode (SPEC §4 "Bad data"): a record is checked against what the pipeline's outputs accept
 * — the column sizes and ranges of the tables (read from the migrations), the times a DATETIME column and
 * the original's timestamp text can hold, the size of a Kafka message — so that a record that cannot be
 * stored is dead-lettered with a precise reason before it reaches a window, and a sink almost never has to
 * refuse a result.
 */
import {isUtf8} from 'node:buffer'

import {DATETIME_MAX, DATETIME_MIN, type ColumnType} from '../mariadb/schema.js'
import {parseTimestamp} from '../stream/timestamps.js'
import {RecordError, type DeadLetterReason} from '../stream/types.js'

/**
 * A record refused because of one field: the reason (`bad-value`, `bad-timestamp`, …), the field, and a
 * message that starts with the field (`product: …`). The engine puts `field` in the dead letter's
 * `sstream-field` header.
 */
export class FieldError extends RecordError {
  constructor(
    override readonly field: string,
    message: string,
    reason: DeadLetterReason = 'bad-value',
  ) {
    super(reason, `${field}: ${message}`, field)
    this.name = 'FieldError'
  }
}

/**
 * The most bytes (key + value) of one message sstream writes to an output topic: below the broker's default
 * `max.message.bytes` (1 MiB + 12) with room for the record's headers and framing.
 */
export const MAX_OUTPUT_MESSAGE_BYTES = 1_000_000

/** A short, printable excerpt of a refused value for a dead letter's message. */
export function excerpt(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text
  return JSON.stringify(cut)
}

/** Whether a string is well-formed UTF-16 (no lone surrogate, which no UTF-8 column or topic can hold). */
export function isWellFormed(text: string): boolean {
  return (text as unknown as {isWellFormed(): boolean}).isWellFormed()
}

/** The number of characters (code points) a VARCHAR counts. */
export function codePoints(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

/** Checks a text for a VARCHAR(n) column: well-formed, at most n characters. */
export function checkVarchar(field: string, text: string, column: Extract<ColumnType, {kind: 'varchar'}>, where: string): void {
  // length counts UTF-16 units, never fewer than the characters: the common case needs no count.
  if (text.length > column.length && codePoints(text) > column.length) {
    throw new FieldError(field, `${codePoints(text)} characters (${excerpt(text)}); ${where} holds at most ${column.length}.`)
  }
  if (!isWellFormed(text)) throw new FieldError(field, `${excerpt(text)} has a lone surrogate (\\ud800-\\udfff), which is not text ${where} can store.`)
}

/** The largest magnitude a DECIMAL(p, s) holds, in units of 10^-s (e.g. DECIMAL(16,2): 99999999999999.99 → 9999999999999999n). */
export function decimalMaxUnits(column: Extract<ColumnType, {kind: 'decimal'}>): bigint {
  return 10n ** BigInt(column.precision) - 1n
}

/** The range of an integer column. */
export function intRange(column: Extract<ColumnType, {kind: 'int'}>): {min: number; max: number} {
  if (column.bits === 64) return column.unsigned ? {min: 0, max: Number.MAX_SAFE_INTEGER} : {min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER}
  const span = 2 ** column.bits
  return column.unsigned ? {min: 0, max: span - 1} : {min: -span / 2, max: span / 2 - 1}
}

/** The first and last instants (local time, ms) a DATETIME column and the original's `yyyy-mm-dd` text can hold. */
export const MIN_EVENT_TIME = DATETIME_MIN
export const MAX_EVENT_TIME = DATETIME_MAX

/**
 * The event times whose window (start and end) lies within what a DATETIME column (1000-01-01 …
 * 9999-12-31, local time) and the original's four-digit-year text can hold, for a window size: [min, max].
 */
export function eventTimeBounds(windowMs: number): {min: number; max: number} {
  const min = Math.ceil(MIN_EVENT_TIME / windowMs) * windowMs
  // The last window that ends (its WINDOW_END is stored too) by MAX_EVENT_TIME.
  const lastStart = Math.floor((MAX_EVENT_TIME - windowMs) / windowMs) * windowMs
  return {min, max: lastStart + windowMs - 1}
}

/**
 * A check of event times for one window size, cheap enough for every record: throws a `bad-timestamp`
 * FieldError for a time that is not finite or whose window a DATETIME column cannot hold.
 */
export function eventTimeCheck(field: string, windowMs: number): (time: number) => void {
  const {min, max} = eventTimeBounds(windowMs)
  return (time) => {
    if (time >= min && time <= max) return
    if (!Number.isFinite(time)) throw new FieldError(field, 'is not a time.', 'bad-timestamp')
    // Within the years 1000 to 9999, but its window starts before them or ends after them.
    if (time >= MIN_EVENT_TIME && time <= MAX_EVENT_TIME) {
      const edge = time < min ? 'starts before the year 1000' : 'ends after 9999-12-31 23:59:59.999'
      throw new FieldError(field, `${describeTime(time)} falls in a ${windowMs / 1000} s window that ${edge}, which sstream's outputs cannot hold.`, 'bad-timestamp')
    }
    throw new FieldError(field, `${describeTime(time)} is outside the years 1000 to 9999 that sstream's outputs hold.`, 'bad-timestamp')
  }
}

/** The same check, once (see eventTimeCheck). */
export function checkEventTime(field: string, time: number, windowMs: number): void {
  eventTimeCheck(field, windowMs)(time)
}

function describeTime(time: number): string {
  const date = new Date(time)
  return Number.isNaN(date.getTime()) ? `${time} ms` : `${date.toISOString()} (${time} ms)`
}

/**
 * Checks that a record's bytes are valid UTF-8 when its decoded text holds U+FFFD (which is how Node
 * decodes an invalid sequence; a real U+FFFD in valid UTF-8 passes).
 */
export function checkUtf8(text: string, bytes: Buffer, start: number, end: number, error: () => RecordError): void {
  if (text.includes('\ufffd') && !isUtf8(bytes.subarray(start, end))) throw error()
}

/**
 * Checks the year of a timestamp text before it is read: years 0000–0999 are outside what sstream's outputs
 * hold (and JavaScript's Date would read 0000–0099 as 1900–1999).
 */
export function checkTimestampYear(field: string, timestamp: string): void {
  if (timestamp.trimStart().startsWith('0')) throw new FieldError(field, `${excerpt(timestamp)} is before the year 1000, outside what sstream's outputs hold.`, 'bad-timestamp')
}

/** The digits of a timestamp's fraction after its third (the milliseconds), as far as the last that is not 0. */
const FINER_DIGITS = /\.\d{3}(\d*[1-9])0*\s*$/

/**
 * Reads a CSV timestamp (alerts, views) as an event time in ms, or throws a `bad-timestamp` FieldError: not
 * the original's format (a fraction of 1 to 9 digits), or a year before 1000. A fraction finer than a
 * millisecond (`…:15.1234`) is read to the millisecond: windows are aligned to milliseconds, so no window
 * changes; the alerts keep the rest for the critical alert's text (`finerThanMillisecond`).
 */
export function readEventTimestamp(field: string, timestamp: string): number {
  checkTimestampYear(field, timestamp)
  const time = parseTimestamp(timestamp)
  if (time === undefined) throw new FieldError(field, `${excerpt(timestamp)} is not a timestamp like 2021-06-30 12:11:15.123.`, 'bad-timestamp')
  return time
}

/**
 * The digits of a timestamp's fraction past the milliseconds, trailing zeros left out: `4` for `…:15.1234`,
 * `000001` for `…:15.000000001`, '' for a fraction of at most 3 digits (or only zeros past them).
 */
export function finerThanMillisecond(timestamp: string): string {
  return FINER_DIGITS.exec(timestamp)?.[1] ?? ''
}
