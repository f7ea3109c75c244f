/**
 * Helpers shared by the pipelines: the original's value formats (quoted CSV, Java-style doubles).
 */
import {isUtf8} from 'node:buffer'

import {RecordError, type DeadLetterReason, type InputRecord} from '../stream/types.js'
import {FieldError} from './validate.js'

/**
 * Splits a CSV line whose fields may be double-quoted (`""` is a quote inside a quoted field), as the
 * original generators write them: `"2021-06-30 12:11:15.123","CRITICAL","300","This is a CRITICAL alert "`.
 * Throws RecordError('malformed-csv') on an unterminated quote or text after a closing quote.
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      let value = ''
      i += 1
      for (;;) {
        const next = line.indexOf('"', i)
        if (next < 0) throw new RecordError('malformed-csv', 'A quoted field is not closed.')
        value += line.slice(i, next)
        if (line[next + 1] === '"') {
          value += '"'
          i = next + 2
          continue
        }
        i = next + 1
        break
      }
      fields.push(value)
    } else {
      const next = line.indexOf(',', i)
      const end = next < 0 ? line.length : next
      const value = line.slice(i, end)
      if (value.includes('"')) throw new RecordError('malformed-csv', 'A field has a stray quote.')
      fields.push(value)
      i = end
    }
    if (i >= line.length) return fields
    if (line[i] !== ',') throw new RecordError('malformed-csv', 'Text follows a closing quote.')
    i += 1
  }
}

/** Node's Buffer has it: what `toString('utf8', start, end)` calls after checking its arguments. */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string
}

/** The record value as UTF-8 text, or a RecordError('missing-value'). */
export function valueText(value: Buffer | null): string {
  if (value === null || value.length === 0) throw new RecordError('missing-value', 'The record has no value.')
  // Buffer#toString('utf8') without its argument handling (a Buffer's own UTF-8 decoder, as toString calls it).
  return (value as Buffer & Utf8Slicer).utf8Slice(0, value.length)
}

/**
 * A record's text as the line of a file it was sent as (kafka-console-producer sends a file line by line):
 * without the byte order mark before it (a file saved with one, its first line) and the one line end after
 * it (`\r\n`, `\n` or `\r`: a file with Windows line ends leaves `\r` in every record).
 */
export function lineText(text: string): string {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const last = text.charCodeAt(text.length - 1)
  const end = last === 10 ? (text.charCodeAt(text.length - 2) === 13 ? text.length - 2 : text.length - 1) : last === 13 ? text.length - 1 : text.length
  return start === 0 && end === text.length ? text : text.slice(start, Math.max(start, end))
}

/** A record's value as UTF-8 text, or a RecordError('missing-value'). */
export function recordText(record: InputRecord): string {
  return valueText(record.valueBytes())
}

/**
 * Refuses a record whose value is not valid UTF-8 (Node decodes invalid bytes to U+FFFD, which would make
 * two different values one). Only looked at when the decoded text holds U+FFFD: a real one is valid UTF-8.
 */
export function checkRecordUtf8(record: InputRecord, text: string, reason: DeadLetterReason, what: string): void {
  if (!text.includes('\ufffd')) return
  const buffer = record.valueBytes()
  if (buffer && !isUtf8(buffer)) throw new RecordError(reason, `value: is not valid UTF-8 (${what} is UTF-8 text).`)
}

/**
 * Refuses a record whose key is not valid UTF-8 where the pipeline uses the key (`use` says how): read as
 * text, invalid bytes become U+FFFD, so two different keys would be one player, or an output would carry
 * another key than its input. Only looked at when the key's text holds U+FFFD. The message gives the key's
 * bytes in hex (the dead letter keeps the key's bytes too).
 */
export function checkKeyUtf8(record: InputRecord, field: string, use: string): void {
  const key = record.key
  if (key === null || !key.includes('\ufffd')) return
  const bytes = record.keyBytes?.()
  if (!bytes || isUtf8(bytes)) return
  const hex = bytes.length > 32 ? `${bytes.subarray(0, 32).toString('hex')}… (${bytes.length} bytes)` : bytes.toString('hex')
  throw new FieldError(field, `the key is not valid UTF-8 (hex ${hex}); ${use}.`)
}
