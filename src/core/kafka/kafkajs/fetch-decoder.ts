/**
 * A faster decoder of fetched records for kafkajs. kafkajs 2.2.4 decodes every record with 64-bit `Long`
 * arithmetic on decimal strings (its offset and timestamp are built as `Long.fromValue(string).add(delta)
 * .toString()`), a `Decoder` object, Buffer copies and a header array per record, then compares each offset
 * with the fetch offset by parsing the string back into a `Long`: most of a consumer's CPU time and garbage.
 * This module reads record batches (magic 2) straight from the fetch response with plain numbers, and makes
 * one object per record that is at once kafkajs's message and the engine's record (`ConsumedRecord`): the
 * key and value stay in the response's bytes until read. Anything it does not handle the same way — an old
 * message format, an offset beyond 2^53 — goes to kafkajs's own decoder.
 *
 * Where the record differs from a kafkajs message: `offset` and `timestamp` are numbers, not decimal strings
 * (kafkajs's own code only passes offsets through `Long.fromValue`, which takes both), and `key` is the
 * key's UTF-8 text (`keyBytes()` gives the bytes). Code reading kafkajs messages in sstream reads them
 * through `messageKey`/`messageOffset`, which take either.
 *
 * Like read-committed.ts, `installFastFetch()` puts its modules in Node's module cache before kafkajs loads
 * them (`installKafkajsPatches()` in index.ts runs it). `fastFetchInstalled()` says whether it worked.
 */
import {createRequire} from 'node:module'

import {installModule} from './module-cache.js'
import {filterAbortedMessages} from './read-committed.js'

const require = createRequire(import.meta.url)

/** What kafkajs's record decoder puts in every record's `batchContext`. */
export interface BatchContext {
  firstOffset: string
  firstTimestamp: string
  partitionLeaderEpoch: number
  inTransaction: boolean
  isControlBatch: boolean
  lastOffsetDelta: number
  producerId: string
  producerEpoch: number
  firstSequence: number
  maxTimestamp: string
  timestampType: number
  magicByte: number
}

type Headers = Record<string, Buffer | Buffer[] | null>

/** Node's Buffer has it: what `toString('utf8', start, end)` calls after checking its arguments. */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string
}

/**
 * A fetched record: kafkajs's message and the engine's record in one object (see above). The key and value
 * stay in the fetch response's bytes until read: `valueBytes()` (the engine's InputRecord) and `value`
 * (kafkajs's message) make one view of the value's bytes, when first read; `readValue` reads them in place.
 */
export class FetchedRecord {
  readonly magicByte = 2
  /** Set by the batch the record is handed out in. */
  topic = ''
  partition = -1
  private decodedKey: string | null | undefined = undefined
  private view: Buffer | null | undefined = undefined

  constructor(
    /** The offset (exact below 2^53). */
    readonly offset: number,
    /** The timestamp in ms since the epoch. */
    readonly timestamp: number,
    readonly attributes: number,
    /** The bytes the key and value are in. */
    private readonly bytes: Buffer,
    private readonly keyStart: number,
    /** -1: no key. */
    private readonly keyLength: number,
    private readonly valueStart: number,
    /** -1: no value. */
    private readonly valueLength: number,
    readonly headers: Headers,
    readonly batchContext: BatchContext,
  ) {}

  /** The key as UTF-8 text, decoded once when first read. */
  get key(): string | null {
    if (this.decodedKey === undefined) this.decodedKey = this.keyLength < 0 ? null : (this.bytes as Buffer & Utf8Slicer).utf8Slice(this.keyStart, this.keyStart + this.keyLength)
    return this.decodedKey
  }

  keyBytes(): Buffer | null {
    return this.keyLength < 0 ? null : this.bytes.subarray(this.keyStart, this.keyStart + this.keyLength)
  }

  /** A view of the value's bytes, made when first read. */
  valueBytes(): Buffer | null {
    if (this.view === undefined) this.view = this.valueLength < 0 ? null : this.bytes.subarray(this.valueStart, this.valueStart + this.valueLength)
    return this.view
  }

  /** The value read in the fetched bytes, without a view: `read(bytes, start, end)`, or `none` without a value. */
  readValue<T>(read: (bytes: Buffer, start: number, end: number) => T, none: T): T {
    return this.valueLength < 0 ? none : read(this.bytes, this.valueStart, this.valueStart + this.valueLength)
  }

  /** kafkajs's message value: the same view. */
  get value(): Buffer | null {
    return this.valueBytes()
  }

  get isControlRecord(): boolean {
    return this.batchContext.isControlBatch
  }
}

/** A kafkajs message's key as text, from this decoder (text already) or kafkajs's own (a Buffer). */
export function messageKey(message: {key?: Buffer | string | null}): string | null {
  const key = message.key
  if (key === undefined || key === null) return null
  return typeof key === 'string' ? key : key.toString('utf8')
}

/** A kafkajs message's offset as a decimal string, from this decoder (a number) or kafkajs's own. */
export function messageOffset(message: {offset: string | number}): string {
  return String(message.offset)
}

const TIMESTAMP_TYPE_FLAG_MASK = 0x8
const TRANSACTIONAL_FLAG_MASK = 0x10
const CONTROL_FLAG_MASK = 0x20
const LOG_APPEND_TIME = 1
const CREATE_TIME = 0
/** Bytes before the records of a record batch (kafkajs reads a batch only when this many remain). */
const RECORD_BATCH_OVERHEAD = 49
const RECORDS_AT = 61
/** The magic byte sits at the same place in every message format. */
const MAGIC_OFFSET = 16
const MAGIC_RECORD_BATCH = 2
const EMPTY_HEADERS: Headers = Object.freeze({}) as Headers

const int64 = (buf: Buffer, at: number): number => buf.readInt32BE(at) * 4294967296 + buf.readUInt32BE(at + 4)

/** Reads the records of one batch (uncompressed, or the codec's output) with a cursor. */
class RecordReader {
  pos: number
  constructor(
    private readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start
  }

  /** A zig-zag varint of at most 32 bits, as kafkajs's `readVarInt`. */
  varint(): number {
    const buf = this.buf
    let result = 0
    let shift = 0
    let byte: number
    do {
      byte = buf[this.pos++]
      if (byte === undefined) throw new RangeError('a record runs past the end of its batch')
      result |= (byte & 0x7f) << shift
      shift += 7
    } while (byte & 0x80 && shift < 35)
    return (result >>> 1) ^ -(result & 1)
  }

  /** A zig-zag varint of at most 64 bits, as a number (exact within ±2^53). */
  varlong(): number {
    const buf = this.buf
    let result = 0
    let scale = 1
    let byte: number
    do {
      byte = buf[this.pos++]
      if (byte === undefined) throw new RangeError('a record runs past the end of its batch')
      result += (byte & 0x7f) * scale
      scale *= 128
    } while (byte & 0x80 && scale <= 2 ** 63)
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2
  }

  bytes(): Buffer | null {
    const length = this.varint()
    if (length < 0) return null
    const start = this.pos
    this.pos += length
    if (this.pos > this.buf.length) throw new RangeError('a record runs past the end of its batch')
    return this.buf.subarray(start, this.pos)
  }

  record(context: BatchContext, firstOffset: number, firstTimestamp: number, appendTime: number | undefined): FetchedRecord {
    const buf = this.buf
    const length = this.varint()
    const end = this.pos + length
    const attributes = buf.readInt8(this.pos++)
    const timestampDelta = this.varlong()
    const offsetDelta = this.varint()
    const keyLength = this.varint()
    const keyStart = this.pos
    if (keyLength > 0) this.pos += keyLength
    const valueLength = this.varint()
    const valueStart = this.pos
    if (valueLength > 0) this.pos += valueLength
    if (this.pos > end || end > buf.length) throw new RangeError('a record runs past the end of its batch')
    const count = this.varint()
    let headers = EMPTY_HEADERS
    if (count > 0) {
      headers = {}
      for (let i = 0; i < count; i++) {
        const name = this.bytes()
        const headerValue = this.bytes()
        const headerKey = name === null ? 'null' : name.toString('utf8')
        const before = headers[headerKey]
        if (before === undefined) headers[headerKey] = headerValue
        else if (Array.isArray(before)) headers[headerKey] = [...before, headerValue as Buffer]
        else headers[headerKey] = [before as Buffer, headerValue as Buffer]
      }
    }
    // kafkajs reads each record from its own length-delimited slice: trailing bytes are skipped.
    this.pos = end
    const timestamp = appendTime ?? firstTimestamp + timestampDelta
    return new FetchedRecord(firstOffset + offsetDelta, timestamp, attributes, buf, keyStart, keyLength, valueStart, valueLength, headers, context)
  }
}

interface KafkajsDecoder {
  readInt32(): number
  canReadBytes(length: number): boolean
  readBytes(length: number): Buffer
}

type Codec = {decompress(buffer: Buffer): Promise<Buffer>} | null
type DecodeMessages = (decoder: KafkajsDecoder) => Promise<unknown[]>

const decodeMessagesPath = require.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js')
const batchPath = require.resolve('kafkajs/src/consumer/batch.js')
const {lookupCodecByAttributes} = require('kafkajs/src/protocol/message/compression/index.js') as {lookupCodecByAttributes(attributes: number): Codec}
const KafkajsDecoderClass = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkajsDecoder
const kafkajsRecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: KafkajsDecoder) => Promise<{records: unknown[]}>
const kafkajsMessageSetDecoder = require('kafkajs/src/protocol/messageSet/decoder.js') as (decoder: KafkajsDecoder, size: number) => Promise<unknown[]>

/**
 * Decodes one record batch starting at `at` into `out`; returns the offset after it, or -1 when the batch
 * is cut short (the tail of a fetch response often is: kafkajs stops there too).
 */
async function decodeRecordBatch(buf: Buffer, at: number, out: unknown[]): Promise<number> {
  const length = buf.readInt32BE(at + 8)
  const end = at + 12 + length
  if (end > buf.length) return -1
  const firstOffset = int64(buf, at)
  const firstTimestamp = int64(buf, at + 27)
  const maxTimestamp = int64(buf, at + 35)
  if (!Number.isSafeInteger(firstOffset) || !Number.isSafeInteger(firstTimestamp) || !Number.isSafeInteger(maxTimestamp)) {
    // Beyond what a number holds exactly: kafkajs's own decoder, with its 64-bit arithmetic.
    const batch = await kafkajsRecordBatchDecoder(new KafkajsDecoderClass(buf.subarray(at, end)))
    for (const record of batch.records) out.push(record)
    return end
  }
  const attributes = buf.readInt16BE(at + 21)
  const timestampType = attributes & TIMESTAMP_TYPE_FLAG_MASK ? LOG_APPEND_TIME : CREATE_TIME
  const context: BatchContext = {
    firstOffset: String(firstOffset),
    firstTimestamp: String(firstTimestamp),
    partitionLeaderEpoch: buf.readInt32BE(at + 12),
    inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
    isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
    lastOffsetDelta: buf.readInt32BE(at + 23),
    producerId: buf.readBigInt64BE(at + 43).toString(),
    producerEpoch: buf.readInt16BE(at + 51),
    firstSequence: buf.readInt32BE(at + 53),
    maxTimestamp: String(maxTimestamp),
    timestampType,
    magicByte: buf.readInt8(at + 16),
  }
  // kafkajs takes the batch's max timestamp for every record when the broker set the time (if it is not 0).
  const appendTime = timestampType === LOG_APPEND_TIME && maxTimestamp !== 0 ? maxTimestamp : undefined
  const count = buf.readInt32BE(at + 57)
  const codec = lookupCodecByAttributes(attributes)
  let reader: RecordReader
  if (codec) {
    if (count <= 0) return end
    reader = new RecordReader(await codec.decompress(buf.subarray(at + RECORDS_AT, end)), 0)
  } else {
    reader = new RecordReader(buf.subarray(0, end), at + RECORDS_AT)
  }
  for (let i = 0; i < count; i++) out.push(reader.record(context, firstOffset, firstTimestamp, appendTime))
  return end
}

/** The records of a partition's record set, as kafkajs's `decodeMessages` returns them. */
export async function decodeMessages(decoder: KafkajsDecoder): Promise<unknown[]> {
  const size = decoder.readInt32()
  if (size <= 0 || !decoder.canReadBytes(size)) return []
  const buf = decoder.readBytes(size)
  if (buf.length <= MAGIC_OFFSET || buf.readInt8(MAGIC_OFFSET) !== MAGIC_RECORD_BATCH) {
    return kafkajsMessageSetDecoder(new KafkajsDecoderClass(buf), size)
  }
  const records: unknown[] = []
  let at = 0
  while (buf.length - at >= RECORD_BATCH_OVERHEAD) {
    at = await decodeRecordBatch(buf, at, records)
    if (at < 0) break
  }
  return records
}

interface Message {
  offset: string | number
  isControlRecord?: boolean
  topic?: string
  partition?: number
  batchContext: {producerId: string; inTransaction: boolean}
}

interface PartitionData {
  partition: number
  highWatermark: string
  abortedTransactions?: Array<{firstOffset: string; producerId: string}>
  messages: Message[]
}

const offsetOf = (message: Message): number => (typeof message.offset === 'number' ? message.offset : Number(message.offset))

/**
 * kafkajs's `Batch` (consumer/batch.js) with offsets compared as numbers: the records of one fetched
 * partition, without those before the fetch offset, aborted ones and transaction markers.
 */
export class Batch {
  readonly topic: string
  readonly partition: number
  readonly highWatermark: string
  readonly fetchedOffset: string
  readonly rawMessages: Message[]
  readonly messagesWithinOffset: Message[]
  readonly messages: Message[]

  constructor(topic: string, fetchedOffset: string, partitionData: PartitionData) {
    this.fetchedOffset = fetchedOffset
    this.topic = topic
    this.partition = partitionData.partition
    this.highWatermark = partitionData.highWatermark
    this.rawMessages = partitionData.messages
    const from = Number(fetchedOffset)
    const exact = Number.isSafeInteger(from)
    const raw = this.rawMessages
    // Fetches may start before the offset asked for (a whole record batch is returned): those are dropped.
    let within: Message[] = raw
    if (!exact) within = raw.filter((m) => BigInt(m.offset) >= BigInt(fetchedOffset))
    else if (raw.length > 0 && offsetOf(raw[0]) < from) within = raw.filter((m) => offsetOf(m) >= from)
    this.messagesWithinOffset = within
    const kept = filterAbortedMessages({messages: within, abortedTransactions: partitionData.abortedTransactions}) as Message[]
    let controls = false
    for (const m of kept) {
      if (m.isControlRecord) {
        controls = true
        break
      }
    }
    this.messages = controls ? kept.filter((m) => !m.isControlRecord) : kept
    for (const m of this.messages) {
      if (m instanceof FetchedRecord) {
        m.topic = topic
        m.partition = this.partition
      }
    }
  }

  isEmpty(): boolean {
    return this.messages.length === 0
  }

  isEmptyIncludingFiltered(): boolean {
    return this.messagesWithinOffset.length === 0
  }

  isEmptyDueToFiltering(): boolean {
    return this.isEmpty() && this.rawMessages.length > 0
  }

  isEmptyControlRecord(): boolean {
    return this.isEmpty() && this.messagesWithinOffset.some((m) => m.isControlRecord)
  }

  isEmptyDueToLogCompactedMessages(): boolean {
    return this.rawMessages.length > 0 && this.isEmptyIncludingFiltered()
  }

  firstOffset(): string | null {
    return this.isEmptyIncludingFiltered() ? null : String(this.messagesWithinOffset[0].offset)
  }

  lastOffset(): string {
    if (this.isEmptyDueToLogCompactedMessages()) return this.fetchedOffset
    if (this.isEmptyIncludingFiltered()) return (BigInt(this.highWatermark) - 1n).toString()
    return String(this.messagesWithinOffset[this.messagesWithinOffset.length - 1].offset)
  }

  offsetLag(): string {
    return (BigInt(this.highWatermark) - 1n - BigInt(this.lastOffset())).toString()
  }

  offsetLagLow(): string {
    if (this.isEmptyIncludingFiltered()) return '0'
    return (BigInt(this.highWatermark) - 1n - BigInt(this.firstOffset()!)).toString()
  }
}

export function installFastFetch(): void {
  installModule(decodeMessagesPath, decodeMessages as DecodeMessages)
  installModule(batchPath, Batch)
}

/** Whether kafkajs uses this decoder and batch (false if kafkajs's fetch modules were loaded before it was installed). */
export function fastFetchInstalled(): boolean {
  return require.cache[decodeMessagesPath]?.exports === decodeMessages && require.cache[batchPath]?.exports === Batch
}
