/**
 * A faster encoder of produce requests for kafkajs, byte for byte the same as kafkajs's own. kafkajs 2.2.4
 * encodes every record it produces with an `Encoder` object per record and per header, 64-bit `Long`
 * (BigInt) arithmetic for each record's timestamp delta, a copy of the message object, and then copies the
 * records into the batch and the batch into the request; a third of the engine's CPU time went there.
 * This module writes each partition's record batch (uncompressed) straight into one buffer, with varints
 * computed on numbers, and the CRC-32C of record-batch.ts.
 *
 * kafkajs picks the produce version the broker supports, up to 7 (Kafka 4 brokers accept 3 and later); the
 * requests of versions 4 to 7 are version 3's with another version number, so the module replaces
 * `produce/v3/request.js`. It keeps kafkajs's quirks: the batch's first and max timestamps are the first and
 * last of the messages' timestamps sorted as strings (`.sort()` without a comparator), a message without a
 * timestamp gets `Date.now()`, read once per partition; the last offset delta is the count less one; the
 * producer id, epoch and first sequence are written as given. Compressed batches, and anything it does not
 * handle the same way (a timestamp that is not a safe integer, a key that is neither text nor bytes, a
 * header value that is neither...), go to kafkajs's own encoder, which fails where it would have failed.
 *
 * Two more modules of kafkajs's producer are replaced with linear, equivalent versions:
 * `groupMessagesPerPartition.js` (kafkajs copies a partition's array for every message it adds to it,
 * quadratic in the messages of a request) and the default partitioner's `murmur2.js` (kafkajs hashes keys
 * with BigInt arithmetic; record-batch.ts's murmur2 gives the same hash on numbers).
 *
 * Like fetch-decoder.ts, `installFastProduce()` puts its modules in Node's module cache before kafkajs loads
 * them (`installKafkajsPatches()` in index.ts runs it). `fastProduceInstalled()` says whether it worked.
 */
import {createRequire} from 'node:module'

import {installModule} from './module-cache.js'
import {crc32c, murmur2, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong} from '../protocol/record-batch.js'

const require = createRequire(import.meta.url)

interface KafkajsLong {
  getHighBits(): number
  getLowBits(): number
}
interface LongStatic {
  fromValue(value: unknown): KafkajsLong
  fromInt(value: number): KafkajsLong
}
interface KafkajsEncoder {
  buf: Buffer
  offset: number
}

/** What kafkajs's broker passes to the produce request of versions 3 to 7. */
export interface ProduceRequestOptions {
  acks: number
  timeout: number
  transactionalId?: string | null
  producerId?: unknown
  producerEpoch?: number
  compression?: number
  topicData: unknown
}

interface ProduceRequest {
  apiKey: number
  apiVersion: number
  apiName: string
  expectResponse(): boolean
  encode(): Promise<unknown>
}

type ProduceRequestFactory = (options: ProduceRequestOptions) => ProduceRequest

const requestPath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js')
const groupPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js')
const murmur2Path = require.resolve('kafkajs/src/producer/partitioners/default/murmur2.js')

const Long = require('kafkajs/src/utils/long.js') as LongStatic
const EncoderClass = require('kafkajs/src/protocol/encoder.js') as {prototype: object}
const {Types: Compression} = require('kafkajs/src/protocol/message/compression/index.js') as {Types: {None: number}}

/** Whether kafkajs's produce request module was loaded before this module (then it cannot be replaced). */
const preloaded = require.cache[requestPath] !== undefined
/** kafkajs's own produce request (version 3), for compressed batches and whatever the fast path declines. */
const kafkajsProduceRequest = require(requestPath) as ProduceRequestFactory

/** Thrown inside the fast path when a request needs kafkajs's own encoder. */
const DECLINE = Symbol('decline')

const MAGIC_BYTE = 2
const TRANSACTIONAL_MASK = 16
/** |timestamp delta| up to this: its zig-zag value is below 2^53, exact in a number (record-batch.ts's varlongs). */
const MAX_DELTA = 2 ** 51

/** A growing scratch buffer the requests are written into; each request is copied out of it whole. */
const INITIAL_SCRATCH = 1 << 16
const MAX_KEPT_SCRATCH = 1 << 23
let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH)
let pos = 0

function ensure(bytes: number): void {
  if (pos + bytes <= scratch.length) return
  let size = scratch.length * 2
  while (size < pos + bytes) size *= 2
  const grown = Buffer.allocUnsafe(size)
  scratch.copy(grown, 0, 0, pos)
  scratch = grown
}

function writeInt64(value: unknown): void {
  const long = Long.fromValue(value)
  scratch.writeInt32BE(long.getHighBits(), pos)
  scratch.writeInt32BE(long.getLowBits(), pos + 4)
  pos += 8
}

type Utf8Writer = Buffer & {utf8Write(text: string, offset: number, length: number): number}

/** Writes text of `length` UTF-8 bytes at pos (the room is ensured by the caller). */
function writeText(text: string, length: number): void {
  if (length === text.length && length <= 32) {
    // ASCII only (any other character takes more than one byte): short keys go faster byte by byte.
    for (let i = 0; i < length; i++) scratch[pos + i] = text.charCodeAt(i)
  } else {
    // Buffer#write(text, offset, length, 'utf8') without its argument checks.
    ;(scratch as Utf8Writer).utf8Write(text, pos, length)
  }
  pos += length
}

/** kafkajs's `writeString`: an int16 length (-1 for null) and the UTF-8 bytes. */
function writeString(value: unknown): void {
  if (value === null || value === undefined) {
    ensure(2)
    scratch.writeInt16BE(-1, pos)
    pos += 2
    return
  }
  if (typeof value !== 'string') throw DECLINE
  const length = Buffer.byteLength(value, 'utf8')
  ensure(2 + length)
  scratch.writeInt16BE(length, pos)
  pos += 2
  writeText(value, length)
}

/** The byte length of a record's key or value (-1: null), as kafkajs's `sizeOfVarIntBytes` reads it. */
function bytesLength(value: unknown): number {
  if (value === null || value === undefined) return -1
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8')
  if (Buffer.isBuffer(value)) return value.length
  throw DECLINE
}

/** kafkajs's `writeVarIntBytes` of a value whose length was taken by `bytesLength`. */
function writeBytes(value: unknown, length: number): void {
  pos = writeVarint(scratch, pos, length)
  if (length <= 0) return
  if (typeof value === 'string') {
    writeText(value, length)
  } else {
    ;(value as Buffer).copy(scratch, pos)
    pos += length
  }
}

/** A record's headers as kafkajs's Record encoder expands them: one entry per value of an array. */
const headerKeys: string[] = []
const headerKeyLengths: number[] = []
const headerValues: Array<string | Buffer> = []
const headerValueLengths: number[] = []
let headerCount = 0

/** Expands a message's headers into the arrays above; returns the bytes they take in the record. */
function expandHeaders(headers: unknown): number {
  headerCount = 0
  if (headers === undefined) return sizeOfVarint(0)
  if (typeof headers !== 'object' || headers === null) throw DECLINE
  let size = 0
  const object = headers as Record<string, unknown>
  for (const key of Object.keys(object)) {
    const value = object[key]
    const keyLength = Buffer.byteLength(key, 'utf8')
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) size += addHeader(key, keyLength, item)
    } else {
      size += addHeader(key, keyLength, value)
    }
  }
  return size + sizeOfVarint(headerCount)
}

function addHeader(key: string, keyLength: number, value: unknown): number {
  // kafkajs takes Buffer.byteLength of a header value, which throws for anything but text and bytes.
  let length: number
  if (typeof value === 'string') length = Buffer.byteLength(value, 'utf8')
  else if (Buffer.isBuffer(value)) length = value.length
  else throw DECLINE
  headerKeys[headerCount] = key
  headerKeyLengths[headerCount] = keyLength
  headerValues[headerCount] = value
  headerValueLengths[headerCount] = length
  headerCount++
  return sizeOfVarint(keyLength) + keyLength + sizeOfVarint(length) + length
}

/** The first and last of a partition's timestamps as `timestamps.sort()` orders them (as strings, stable). */
function timestampBounds(messages: Array<{timestamp?: unknown}>, dateNow: number): [unknown, unknown] {
  let first: unknown = undefined
  let last: unknown = undefined
  let any = false
  // Non-negative integers of as many digits as the first: the string order is the numeric order.
  let numeric = true
  let low = 0
  let high = 0
  for (const message of messages) {
    const t = message.timestamp
    if (t === null || t === undefined) continue
    if (typeof t !== 'number' && typeof t !== 'string') throw DECLINE
    if (!any) {
      any = true
      first = last = t
      if (typeof t === 'number' && Number.isSafeInteger(t) && t >= 0) {
        low = t === 0 ? 0 : 10 ** (String(t).length - 1)
        high = 10 ** String(t).length
      } else {
        numeric = false
      }
      continue
    }
    if (numeric && typeof t === 'number' && Number.isSafeInteger(t) && t >= low && t < high) {
      if (t < (first as number)) first = t
      if (t >= (last as number)) last = t
      continue
    }
    numeric = false
    break
  }
  if (!any) return [dateNow, dateNow]
  if (numeric) return [first, last]
  // The general case: compare the strings, keeping the first of equal minimums and the last of equal maximums.
  let firstText: string | undefined
  let lastText: string | undefined
  for (const message of messages) {
    const t = message.timestamp
    if (t === null || t === undefined) continue
    if (typeof t !== 'number' && typeof t !== 'string') throw DECLINE
    const text = String(t)
    if (firstText === undefined || text < firstText) {
      firstText = text
      first = t
    }
    if (lastText === undefined || text >= lastText) {
      lastText = text
      last = t
    }
  }
  return [first, last]
}

interface PartitionData {
  partition: number
  messages: unknown
  firstSequence?: number
}

interface BatchFields {
  transactional: boolean
  producerId: unknown
  producerEpoch: number
}

/** One partition's entry of the request: partition, record set size, then the record batch. */
function writePartition(data: PartitionData, fields: BatchFields): void {
  const {partition, messages, firstSequence = 0} = data
  if (!Array.isArray(messages)) throw DECLINE
  const list = messages as Array<{key?: unknown; value?: unknown; headers?: unknown; timestamp?: unknown}>
  const dateNow = Date.now()
  const [firstTimestamp, maxTimestamp] = timestampBounds(list, dateNow)

  // The partition and record set size, then the record batch header (61 bytes up to its records).
  ensure(8 + 61)
  scratch.writeInt32BE(partition, pos)
  const sizeAt = pos + 4
  pos += 8
  // firstOffset 0, the batch length (below), partitionLeaderEpoch 0, magic, CRC (below).
  scratch.writeInt32BE(0, pos)
  scratch.writeInt32BE(0, pos + 4)
  const lengthAt = pos + 8
  scratch.writeInt32BE(0, pos + 12)
  scratch.writeInt8(MAGIC_BYTE, pos + 16)
  const crcAt = pos + 17
  pos += 21
  const bodyAt = pos
  scratch.writeInt16BE(fields.transactional ? TRANSACTIONAL_MASK : 0, pos)
  scratch.writeInt32BE(list.length - 1, pos + 2)
  pos += 6
  writeInt64(firstTimestamp)
  writeInt64(maxTimestamp)
  writeInt64(fields.producerId)
  scratch.writeInt16BE(fields.producerEpoch, pos)
  scratch.writeInt32BE(firstSequence, pos + 2)
  scratch.writeInt32BE(list.length, pos + 6)
  pos += 10

  for (let i = 0; i < list.length; i++) {
    const message = list[i]
    if (message === null || typeof message !== 'object') throw DECLINE
    // kafkajs reads the key, value and headers from a copy ({...message}): own properties only.
    const prototype = Object.getPrototypeOf(message) as unknown
    if (prototype !== Object.prototype && prototype !== null) throw DECLINE
    const timestamp = message.timestamp
    // kafkajs: (message.timestamp || dateNow) - firstTimestamp, as JavaScript computes it.
    const delta = ((timestamp || dateNow) as number) - (firstTimestamp as number)
    if (!Number.isSafeInteger(delta) || delta > MAX_DELTA || delta < -MAX_DELTA) throw DECLINE
    const {key, value} = message
    const keyLength = bytesLength(key)
    const valueLength = bytesLength(value)
    const headersSize = expandHeaders(message.headers)
    const body =
      1 +
      sizeOfVarlong(delta) +
      sizeOfVarint(i) +
      sizeOfVarint(keyLength) +
      Math.max(keyLength, 0) +
      sizeOfVarint(valueLength) +
      Math.max(valueLength, 0) +
      headersSize
    ensure(5 + body)
    pos = writeVarint(scratch, pos, body)
    scratch[pos++] = 0
    pos = writeVarlong(scratch, pos, delta)
    pos = writeVarint(scratch, pos, i)
    writeBytes(key, keyLength)
    writeBytes(value, valueLength)
    const count = headerCount
    pos = writeVarint(scratch, pos, count)
    for (let h = 0; h < count; h++) {
      const keyBytes = headerKeyLengths[h]
      pos = writeVarint(scratch, pos, keyBytes)
      writeText(headerKeys[h], keyBytes)
      writeBytes(headerValues[h], headerValueLengths[h])
    }
  }

  scratch.writeUInt32BE(crc32c(scratch, bodyAt, pos), crcAt)
  scratch.writeInt32BE(pos - lengthAt - 4, lengthAt)
  scratch.writeInt32BE(pos - sizeAt - 4, sizeAt)
}

/**
 * The produce request's body as kafkajs's version 3 encoder writes it for uncompressed batches, or
 * undefined when kafkajs's own encoder must write it.
 */
export function encodeProduceRequest(options: ProduceRequestOptions): Buffer | undefined {
  const {acks, timeout, transactionalId = null, producerId = Long.fromInt(-1), producerEpoch = 0, compression = Compression.None, topicData} = options
  if (compression !== Compression.None || !Array.isArray(topicData)) return undefined
  if (transactionalId !== null && typeof transactionalId !== 'string') return undefined
  pos = 0
  try {
    writeString(transactionalId)
    ensure(10)
    scratch.writeInt16BE(acks, pos)
    scratch.writeInt32BE(timeout, pos + 2)
    scratch.writeInt32BE(topicData.length, pos + 6)
    pos += 10
    const fields: BatchFields = {transactional: !!transactionalId, producerId, producerEpoch}
    for (const data of topicData as Array<{topic: unknown; partitions: unknown}>) {
      const {topic, partitions} = data
      writeString(topic)
      if (!Array.isArray(partitions)) throw DECLINE
      ensure(4)
      scratch.writeInt32BE(partitions.length, pos)
      pos += 4
      for (const partition of partitions as PartitionData[]) writePartition(partition, fields)
    }
  } catch {
    // DECLINE, or anything else that failed: kafkajs's encoder decides (and fails with its own error if it does).
    return undefined
  }
  const out = Buffer.allocUnsafe(pos)
  scratch.copy(out, 0, 0, pos)
  // An exceptionally large request does not keep its scratch space.
  if (scratch.length > MAX_KEPT_SCRATCH) scratch = Buffer.allocUnsafe(INITIAL_SCRATCH)
  return out
}

/** An Encoder of kafkajs holding `buffer` (what kafkajs's request framing takes from `encode()`). */
function asEncoder(buffer: Buffer): KafkajsEncoder {
  const encoder = Object.create(EncoderClass.prototype) as KafkajsEncoder
  encoder.buf = buffer
  encoder.offset = buffer.length
  return encoder
}

/** The produce request (version 3, and 4 to 7 through it), encoding uncompressed batches itself. */
export function produceRequest(options: ProduceRequestOptions): ProduceRequest {
  const request = kafkajsProduceRequest(options)
  const kafkajsEncode = request.encode
  request.encode = async () => {
    const buffer = encodeProduceRequest(options)
    return buffer === undefined ? kafkajsEncode() : asEncoder(buffer)
  }
  return request
}

interface PartitionerArgs {
  topic: string
  partitionMetadata: unknown[]
  message: unknown
}

/**
 * kafkajs's `groupMessagesPerPartition` without its copy of a partition's array on every message: the
 * same partitioner calls in the same order, the same object of arrays.
 */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string
  partitionMetadata: unknown[]
  messages: unknown[]
  partitioner: (args: PartitionerArgs) => number
}): Record<string, unknown[]> {
  if (partitionMetadata.length === 0) return {}
  return messages.reduce((result: Record<string, unknown[]>, message) => {
    const partition = partitioner({topic, partitionMetadata, message})
    const current = result[partition]
    if (current) current.push(message)
    else result[partition] = [message]
    return result
  }, {})
}

/** The UTF-8 bytes of the key being hashed. */
let keyScratch = Buffer.allocUnsafe(256)

/** kafkajs's default partitioner's murmur2 of a key (bytes, or the UTF-8 of its text), on numbers instead of BigInts. */
export function murmur2OfKey(key: unknown): number {
  if (Buffer.isBuffer(key)) return murmur2(key)
  const text = String(key)
  const length = Buffer.byteLength(text, 'utf8')
  if (length > keyScratch.length) keyScratch = Buffer.allocUnsafe(length * 2)
  ;(keyScratch as Utf8Writer).utf8Write(text, 0, length)
  return murmur2(keyScratch, 0, length)
}

export function installFastProduce(): void {
  if (!preloaded && require.cache[requestPath]?.exports === kafkajsProduceRequest) {
    // This module loaded kafkajs's own above to keep it: the cache gets the fast one instead.
    delete require.cache[requestPath]
    installModule(requestPath, produceRequest)
  }
  installModule(groupPath, groupMessagesPerPartition)
  installModule(murmur2Path, murmur2OfKey)
}

/** Whether kafkajs uses this encoder, grouping and hash (false if kafkajs's modules were loaded before it was installed). */
export function fastProduceInstalled(): boolean {
  return (
    require.cache[requestPath]?.exports === produceRequest &&
    require.cache[groupPath]?.exports === groupMessagesPerPartition &&
    require.cache[murmur2Path]?.exports === murmur2OfKey
  )
}
