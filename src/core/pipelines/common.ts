/**
 * Helpers shared by the pipelines: the original's value formats (quoted CSV, Java-style doubles).
 */
import {RecordError, type InputRecord} from '../stream/types.js'

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

/** A number as Java prints a double: `140.0`, `31.5`. */
export function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value)
}

/** The record value as UTF-8 text, or a RecordError('missing-value'). */
export function valueText(value: Buffer | null): string {
  if (value === null || value.length === 0) throw new RecordError('missing-value', 'The record has no value.')
  return value.toString('utf8')
}

/** A record's value as UTF-8 text, read where the bytes are when the record has them (no Buffer view). */
export function recordText(record: InputRecord): string {
  const {bytes, valueStart, valueLength} = record
  if (bytes === undefined || valueStart === undefined || valueLength === undefined) return valueText(record.value)
  if (valueLength <= 0) throw new RecordError('missing-value', 'The record has no value.')
  return bytes.toString('utf8', valueStart, valueStart + valueLength)
}
