/**
 * Reading the original's quoted CSV straight from a record's bytes, for the usual records: the timestamp's
 * second compared with the last one read, its fraction as digits, and fields taken from small tables of the
 * texts last read. A record read this way makes no text and no field copies; anything unusual is left to the
 * text reading (each caller falls back to it), which decides and words every error.
 */
import {parseTimestamp} from '../stream/timestamps.js'

/** Node's Buffer has it: what `toString('latin1', start, end)` calls after checking its arguments. */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string
}

/** Slots of a table of recent texts (a power of two). */
const SLOTS = 256

/**
 * The texts last read for one field, by a hash of their bytes: fields such as an alert's level and code are
 * the same few texts over and over, so a field read again is the same string (none made per record, and
 * the maps keyed by it hash it once).
 */
export class RecentTexts {
  private readonly texts: string[] = new Array<string>(SLOTS).fill('')

  /** The text of bytes [start, end), printable ASCII with `hash` (quotedFieldEnd's), from the table when it holds it. */
  text(bytes: Buffer, start: number, end: number, hash: number): string {
    const slot = hash & (SLOTS - 1)
    const known = this.texts[slot]
    const length = end - start
    if (known.length === length) {
      let i = 0
      while (i < length && known.charCodeAt(i) === bytes[start + i]) i++
      if (i === length) return known
    }
    const text = (bytes as Buffer & Latin1Slicer).latin1Slice(start, end)
    this.texts[slot] = text
    return text
  }
}

/** What the last scan found besides its answer (no object per call): a field's hash, a timestamp's end. */
export const scanned = {
  /** The hash of the field quotedFieldEnd found last. */
  hash: 0,
  /** The closing quote of the timestamp quotedTimestamp read last. */
  timestampEnd: 0,
}

/** Which bytes a quoted field may hold besides printable ASCII other than `"`. */
export interface FieldBytes {
  spaces: boolean
  commas: boolean
}

const ANY_FIELD: FieldBytes = {spaces: true, commas: true}

/**
 * The end (its closing quote) of a quoted field of printable ASCII without `"` (spaces and commas allowed
 * unless `allow` says otherwise) that starts at `start`, just after its opening quote, before `end`, with its
 * hash in `scanned.hash`; -1 for anything else.
 */
export function quotedFieldEnd(bytes: Buffer, start: number, end: number, allow: FieldBytes = ANY_FIELD): number {
  const lowest = allow.spaces ? 0x20 : 0x21
  const comma = allow.commas ? -1 : 44
  let hash = 0
  for (let i = start; i < end; i++) {
    const b = bytes[i]
    if (b === 34) {
      scanned.hash = hash
      return i
    }
    if (b < lowest || b > 0x7e || b === comma) return -1
    hash = (Math.imul(hash, 31) + b) | 0
  }
  return -1
}

/** The 19 bytes `yyyy-mm-dd hh:mm:ss` of the last second read, and its time (ms). */
const lastSecond = Buffer.alloc(19)
let lastSecondSet = false
let lastSecondTime = 0

/**
 * The time of `"<yyyy-mm-dd hh:mm:ss[.f[f[f]]]>"` at `start` in `bytes` (before `end`), as parseTimestamp reads
 * its text, with its closing quote's index in `scanned.timestampEnd`; undefined for anything else (another
 * form, a year before 1000, a date that is none): the caller then reads the text.
 */
export function quotedTimestamp(bytes: Buffer, start: number, end: number): number | undefined {
  if (end - start < 21 || bytes[start] !== 34) return undefined
  let close = start + 20
  while (close < start + 24 && close < end && bytes[close] !== 34) close++
  if (close >= end || bytes[close] !== 34) return undefined
  let ms = 0
  if (close > start + 20) {
    // `.` and one to three digits, as timestamps.ts reads them.
    if (bytes[start + 20] !== 46 || close === start + 21) return undefined
    for (let i = start + 21, scale = 100; i < close; i++, scale /= 10) {
      const digit = bytes[i] - 48
      if (digit < 0 || digit > 9) return undefined
      ms += digit * scale
    }
  }
  let same = lastSecondSet
  for (let i = 0; same && i < 19; i++) same = lastSecond[i] === bytes[start + 1 + i]
  if (!same) {
    const second = (bytes as Buffer & Latin1Slicer).latin1Slice(start + 1, start + 20)
    // A year before 1000 is refused (checkTimestampYear): by the text's reading.
    if (second.charCodeAt(0) === 48) return undefined
    const parsed = parseTimestamp(second)
    if (parsed === undefined) return undefined
    bytes.copy(lastSecond, 0, start + 1, start + 20)
    lastSecondSet = true
    // As timestamps.ts keeps its last second.
    lastSecondTime = parsed - (parsed - Math.floor(parsed / 1000) * 1000)
  }
  scanned.timestampEnd = close
  return lastSecondTime + ms
}
