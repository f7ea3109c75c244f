/**
 * Kafka's record batch format (magic v2), written directly into one buffer: the generators' hot path.
 * Also the two hashes it needs: CRC-32C for the batch checksum and murmur2 for Kafka's default
 * partitioner (the same partition for a key as the Java client and kafkajs choose).
 */

// ---------------------------------------------------------------------------------------------------------
// CRC-32C (Castagnoli), slice-by-8.

const CRC_TABLE = ((): Int32Array => {
  const table = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    table[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n]
    for (let k = 1; k < 8; k++) {
      c = table[c & 0xff] ^ (c >>> 8)
      table[k * 256 + n] = c
    }
  }
  return table
})()

/** CRC-32C of buf[start, end), as an unsigned 32-bit integer. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = CRC_TABLE
  let c = -1
  let i = start
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)
    c =
      t[1792 + (c & 0xff)] ^
      t[1536 + ((c >>> 8) & 0xff)] ^
      t[1280 + ((c >>> 16) & 0xff)] ^
      t[1024 + (c >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]]
  }
  for (; i < end; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8)
  return (c ^ -1) >>> 0
}

// ---------------------------------------------------------------------------------------------------------
// murmur2, as in Kafka's Utils.murmur2, and the default partitioner of keyed records.

/** Kafka's murmur2 of buf[start, end), a signed 32-bit integer. */
export function murmur2(buf: Uint8Array, start = 0, end = buf.length): number {
  const m = 0x5bd1e995
  const length = end - start
  let h = 0x9747b28c ^ length
  const whole = start + (length & ~3)
  for (let i = start; i < whole; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m)
    h ^= k
  }
  const tail = length & 3
  if (tail === 3) h ^= buf[whole + 2] << 16
  if (tail >= 2) h ^= buf[whole + 1] << 8
  if (tail >= 1) {
    h ^= buf[whole]
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/** The partition Kafka's default partitioner picks for a key: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(keyBytes: Uint8Array, partitions: number, start = 0, end = keyBytes.length): number {
  return (murmur2(keyBytes, start, end) & 0x7fffffff) % partitions
}

// ---------------------------------------------------------------------------------------------------------
// Varints (zig-zag, as in Kafka's ByteUtils); the produce encoder writes with them too.

export function sizeOfVarint(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  let size = 1
  while (v >= 0x80) {
    v >>>= 7
    size++
  }
  return size
}

export function writeVarint(buf: Buffer, offset: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  buf[offset++] = v
  return offset
}

/** A signed 64-bit zig-zag varint of a safe integer. */
function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

export function sizeOfVarlong(value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return sizeOfVarint(value)
  let v = zigzag64(value)
  let size = 1
  while (v >= 0x80) {
    v = Math.floor(v / 128)
    size++
  }
  return size
}

export function writeVarlong(buf: Buffer, offset: number, value: number): number {
  if (value >= -0x40000000 && value < 0x40000000) return writeVarint(buf, offset, value)
  let v = zigzag64(value)
  while (v >= 0x80) {
    buf[offset++] = (v % 128) | 0x80
    v = Math.floor(v / 128)
  }
  buf[offset++] = v
  return offset
}

// ---------------------------------------------------------------------------------------------------------
// The batch.

/** Size of the batch header before the first record. */
export const BATCH_HEADER_BYTES = 61
const NO_PARTITION_LEADER_EPOCH = -1
const MAGIC = 2
const INT32_MAX = 0x7fffffff

/** The sequence number after `sequence` when `increment` records follow it (wraps as Kafka's does). */
export function nextSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment
}

/**
 * Builds one uncompressed record batch. Records are encoded as they are appended; `seal()` fixes the header,
 * and `stamp()` writes the producer id, epoch and base sequence and the checksum just before the first send
 * (a retry resends the stamped bytes unchanged, so the broker can drop the duplicate).
 */
export class RecordBatchBuilder {
  private buffer: Buffer
  private offset = BATCH_HEADER_BYTES
  private baseTimestamp = 0
  private maxTimestamp = 0
  private records = 0

  constructor(
    /** The largest batch this builder makes, in bytes (the topic's max.message.bytes bounds it). */
    readonly maxBytes: number,
    initialBytes = 16 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(initialBytes, BATCH_HEADER_BYTES + 64)))
  }

  get count(): number {
    return this.records
  }

  get byteLength(): number {
    return this.offset
  }

  /**
   * Appends a record whose key bytes are keyBytes[keyStart, keyEnd). Returns false, leaving the batch as it
   * was, when the record would make the batch larger than maxBytes (an empty batch takes any record that
   * fits maxBytes; a larger one throws).
   */
  append(keyBytes: Uint8Array, keyStart: number, keyEnd: number, value: string, timestamp: number): boolean {
    if (this.records === 0) {
      this.baseTimestamp = timestamp
      this.maxTimestamp = timestamp
    }
    const keyLength = keyEnd - keyStart
    const valueLength = Buffer.byteLength(value, 'utf8')
    const timestampDelta = timestamp - this.baseTimestamp
    const bodyLength =
      1 +
      sizeOfVarlong(timestampDelta) +
      sizeOfVarint(this.records) +
      sizeOfVarint(keyLength) +
      keyLength +
      sizeOfVarint(valueLength) +
      valueLength +
      1
    const recordLength = sizeOfVarint(bodyLength) + bodyLength
    if (this.offset + recordLength > this.maxBytes) {
      if (this.records > 0) return false
      throw new RangeError(`A record of ${recordLength} bytes does not fit in a batch of at most ${this.maxBytes} bytes`)
    }
    this.ensureCapacity(this.offset + recordLength)
    const buf = this.buffer
    let o = writeVarint(buf, this.offset, bodyLength)
    buf[o++] = 0 // attributes
    o = writeVarlong(buf, o, timestampDelta)
    o = writeVarint(buf, o, this.records)
    o = writeVarint(buf, o, keyLength)
    if (keyLength <= 32) {
      // Short keys (all the generators') copy faster by hand than through a subarray.
      for (let i = keyStart; i < keyEnd; i++) buf[o++] = keyBytes[i]
    } else {
      buf.set(keyBytes.subarray(keyStart, keyEnd), o)
      o += keyLength
    }
    o = writeVarint(buf, o, valueLength)
    o += buf.write(value, o, valueLength, 'utf8')
    buf[o++] = 0 // no headers
    this.offset = o
    this.records++
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp
    return true
  }

  /** Fixes the header (all but producer id, epoch, base sequence and checksum) and returns the batch bytes. */
  seal(): Buffer {
    if (this.records === 0) throw new RangeError('An empty record batch cannot be sealed')
    const buf = this.buffer
    buf.writeBigInt64BE(0n, 0) // base offset, assigned by the broker
    buf.writeInt32BE(this.offset - 12, 8) // batch length after this field
    buf.writeInt32BE(NO_PARTITION_LEADER_EPOCH, 12)
    buf.writeInt8(MAGIC, 16)
    buf.writeInt16BE(0, 21) // attributes: no compression, CreateTime, not transactional
    buf.writeInt32BE(this.records - 1, 23) // last offset delta
    writeInt64(buf, this.baseTimestamp, 27)
    writeInt64(buf, this.maxTimestamp, 35)
    buf.writeInt32BE(this.records, 57)
    return buf.subarray(0, this.offset)
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(needed, this.buffer.length * 2)))
    this.buffer.copy(grown, 0, 0, this.offset)
    this.buffer = grown
  }
}

/** Writes the idempotence fields (producer id, epoch, base sequence) and the CRC into a sealed batch. */
export function stampRecordBatch(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): void {
  batch.writeBigInt64BE(producerId, 43)
  batch.writeInt16BE(producerEpoch, 51)
  batch.writeInt32BE(baseSequence, 53)
  batch.writeUInt32BE(crc32c(batch, 21, batch.length), 17)
}

function writeInt64(buf: Buffer, value: number, offset: number): void {
  buf.writeBigInt64BE(BigInt(value), offset)
}
