import {createRequire} from 'node:module'

import {describe, expect, it} from 'vitest'

import {crc32c, murmur2, partitionForKey} from '../../../src/core/kafka/index.js'
import {nextSequence, RecordBatchBuilder, stampRecordBatch} from '../../../src/core/kafka/protocol/record-batch.js'

// kafkajs's own decoder reads the batches back: an independent check of the wire format.
const require = createRequire(import.meta.url)
const Decoder = require('kafkajs/src/protocol/decoder.js')
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<{
  firstTimestamp: string
  maxTimestamp: string
  producerId: string
  producerEpoch: number
  firstSequence: number
  records: Array<{key: Buffer; value: Buffer; timestamp: string; offset: string; headers: object}>
}>
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number

/** Bit by bit, as the specification reads. */
function slowCrc32c(buf: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff
  for (let i = start; i < end; i++) {
    crc ^= buf[i]
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8')

describe('crc32c', () => {
  it('matches the standard check value and a bitwise implementation', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283)
    const data = Buffer.from(Array.from({length: 1031}, (_, i) => (i * 131 + 7) & 0xff))
    for (const [start, end] of [[0, 1031], [3, 1000], [5, 12], [0, 0]]) expect(crc32c(data, start, end)).toBe(slowCrc32c(data, start, end))
  })
})

describe('murmur2 and the default partitioner', () => {
  it("matches Kafka's own test vectors", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ]
    for (const [key, hash] of vectors) expect(murmur2(bytes(key))).toBe(hash)
  })

  it('picks the partition kafkajs and the Java client pick, for every generator key shape', () => {
    const keys = ['Bob', 'Mike', 'Kathy', 'Sam', 'Zoë', ...Array.from({length: 500}, (_, i) => String(1_704_096_000 + i))]
    for (const key of keys) {
      const expected = (kafkajsMurmur2(bytes(key)) & 0x7fffffff) % 3
      expect(partitionForKey(bytes(key), 3)).toBe(expected)
      // With the key somewhere inside a larger buffer.
      const padded = Buffer.concat([bytes('xx'), bytes(key), bytes('yy')])
      expect(partitionForKey(padded, 3, 2, 2 + bytes(key).length)).toBe(expected)
    }
  })
})

describe('RecordBatchBuilder', () => {
  it('writes a batch kafkajs decodes to the same keys, values and timestamps, with a valid checksum', async () => {
    const builder = new RecordBatchBuilder(1_000_000, 64)
    const records = Array.from({length: 300}, (_, i) => ({
      key: String(1_704_096_000 + i),
      value: i % 7 === 0 ? `Zoë's café review #${i} — très bien` : `{"orderId":${i},"product":"Mouse","quantity":3,"price":10.5}`,
      // Out of order and far apart, to exercise negative and large deltas.
      timestamp: 1_704_096_000_000 + (i % 2 === 0 ? i * 1000 : -i) + (i === 299 ? 2 ** 33 : 0),
    }))
    for (const r of records) expect(builder.append(bytes(r.key), 0, bytes(r.key).length, r.value, r.timestamp)).toBe(true)
    const batch = builder.seal()
    stampRecordBatch(batch, 123_456_789n, 3, 2_147_483_000)
    expect(batch.readUInt32BE(17)).toBe(slowCrc32c(batch, 21, batch.length))
    expect(batch.readInt32BE(8)).toBe(batch.length - 12)

    const decoded = await decodeRecordBatch(new Decoder(batch))
    expect(decoded.producerId).toBe('123456789')
    expect(decoded.producerEpoch).toBe(3)
    expect(decoded.firstSequence).toBe(2_147_483_000)
    expect(Number(decoded.maxTimestamp)).toBe(Math.max(...records.map((r) => r.timestamp)))
    expect(decoded.records).toHaveLength(records.length)
    decoded.records.forEach((d, i) => {
      expect(d.key.toString('utf8')).toBe(records[i].key)
      expect(d.value.toString('utf8')).toBe(records[i].value)
      expect(Number(d.timestamp)).toBe(records[i].timestamp)
      expect(d.offset).toBe(String(i))
      expect(d.headers).toEqual({})
    })
  })

  it('refuses a record that would overflow the batch, and takes any record into an empty one', () => {
    const builder = new RecordBatchBuilder(200)
    const key = bytes('k')
    expect(builder.append(key, 0, 1, 'x'.repeat(100), 1)).toBe(true)
    expect(builder.append(key, 0, 1, 'x'.repeat(100), 1)).toBe(false)
    expect(builder.count).toBe(1)
    expect(() => new RecordBatchBuilder(100).append(key, 0, 1, 'x'.repeat(100), 1)).toThrow(RangeError)
  })

  it('wraps sequence numbers as Kafka does', () => {
    expect(nextSequence(0, 10)).toBe(10)
    expect(nextSequence(2_147_483_640, 7)).toBe(2_147_483_647)
    expect(nextSequence(2_147_483_640, 8)).toBe(0)
    expect(nextSequence(2_147_483_647, 5)).toBe(4)
  })
})
