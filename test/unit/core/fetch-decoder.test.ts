import {createRequire} from 'node:module'

import {describe, expect, it} from 'vitest'

import {toConsumedRecords} from '../../../src/core/kafka/consumer.js'
import {Batch, decodeMessages, fastFetchInstalled, FetchedRecord} from '../../../src/core/kafka/kafkajs/fetch-decoder.js'

import {installKafkajsPatches} from '../../../src/core/kafka/kafkajs/index.js'
import {inputRecord} from '../../../src/core/stream/types.js'
import {kafkajsOriginal} from '../../helpers/kafkajs-original.js'

// The engine's patches of kafkajs, as the client factory installs them, before anything loads kafkajs.
installKafkajsPatches()

// kafkajs's own modules are the reference: its encoder writes the batches, its decoder and Batch read them.
const require = createRequire(import.meta.url)
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown
const {RecordBatch: encodeRecordBatch} = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {RecordBatch(options: object): Promise<{buffer: Buffer}>}
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => unknown
const {Types: Compression} = require('kafkajs/src/protocol/message/compression/index.js') as {Types: {None: number; GZIP: number}}
const Long = require('kafkajs/src/utils/long.js') as {fromValue(v: string | number): unknown}

type Decode = (decoder: unknown) => Promise<unknown[]>
const kafkajsDecodeMessages = kafkajsOriginal<Decode>('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js')
const KafkajsBatch = kafkajsOriginal<new (topic: string, fetchedOffset: string, data: object) => Record<string, unknown>>('kafkajs/src/consumer/batch.js')

interface TestRecord {
  offsetDelta: number
  timestampDelta?: number
  key?: Buffer | null
  value: Buffer | null
  headers?: Record<string, Buffer | Buffer[]>
}

async function batch(records: TestRecord[], options: {firstOffset?: string; firstTimestamp?: number; compression?: number; transactional?: boolean; producerId?: string; flip?: number} = {}): Promise<Buffer> {
  const encoded = await encodeRecordBatch({
    compression: options.compression ?? Compression.None,
    firstOffset: Long.fromValue(options.firstOffset ?? '0'),
    firstTimestamp: options.firstTimestamp ?? 1_700_000_000_000,
    maxTimestamp: (options.firstTimestamp ?? 1_700_000_000_000) + 999,
    lastOffsetDelta: Math.max(0, ...records.map((r) => r.offsetDelta)),
    transactional: options.transactional ?? false,
    producerId: Long.fromValue(options.producerId ?? '-1'),
    producerEpoch: 3,
    firstSequence: 7,
    records: records.map((r) => encodeRecord({offsetDelta: r.offsetDelta, timestampDelta: r.timestampDelta ?? 0, key: r.key ?? null, value: r.value, headers: r.headers ?? {}})),
  })
  const buf = Buffer.from(encoded.buffer)
  // Attribute bits kafkajs's encoder does not write (control batch, broker-set time); the CRC is not checked.
  if (options.flip) buf.writeInt16BE(buf.readInt16BE(21) | options.flip, 21)
  return buf
}

/** A partition's record set as a fetch response holds it: its size, then the batches. */
const recordSet = (...batches: Buffer[]): Buffer => {
  const body = Buffer.concat(batches)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body, Buffer.from([1, 2, 3])])
}

/** The fields a kafkajs message has, as plain data. */
const plain = (records: unknown[]): unknown[] =>
  records.map((r) => {
    // sstream's records carry numbers and the key's text (with its bytes behind keyBytes()).
    const m = r as Record<string, unknown> & {keyBytes?(): Buffer | null}
    return {
      magicByte: m.magicByte,
      attributes: m.attributes,
      offset: String(m.offset),
      timestamp: String(m.timestamp),
      key: m.keyBytes ? m.keyBytes() : m.key,
      value: m.value,
      headers: m.headers,
      isControlRecord: m.isControlRecord,
      batchContext: m.batchContext,
    }
  })

async function both(set: Buffer): Promise<{ours: unknown[]; theirs: unknown[]}> {
  return {ours: await decodeMessages(new Decoder(set) as never), theirs: await kafkajsDecodeMessages(new Decoder(set))}
}

const ORDERS: TestRecord[] = [
  {offsetDelta: 0, value: Buffer.from('{"orderId":1,"product":"a","quantity":2,"price":1.5}')},
  {offsetDelta: 1, timestampDelta: 12, key: Buffer.from('k1'), value: Buffer.from('x')},
  {offsetDelta: 2, timestampDelta: -5, key: Buffer.from('k2'), value: null},
  {offsetDelta: 4, timestampDelta: 300_000, value: Buffer.alloc(0), headers: {a: Buffer.from('1')}},
  {offsetDelta: 5, timestampDelta: 1, value: Buffer.from('y'), headers: {a: [Buffer.from('1'), Buffer.from('2'), Buffer.from('3')], 'sstream.reason': Buffer.from('late')}},
]

describe('the fetch decoder', () => {
  it('is what kafkajs uses', () => {
    expect(fastFetchInstalled()).toBe(true)
  })

  it('reads uncompressed batches as kafkajs does, field by field', async () => {
    const {ours, theirs} = await both(recordSet(await batch(ORDERS, {firstOffset: '1099511627776'}), await batch(ORDERS.slice(0, 2), {firstOffset: '1099511627782', firstTimestamp: 5})))
    expect(ours).toHaveLength(7)
    expect(plain(ours)).toEqual(plain(theirs))
    expect(ours[0]).toBeInstanceOf(FetchedRecord)
    const withKey = ours[1] as FetchedRecord
    expect([withKey.key, withKey.value?.toString(), withKey.valueBytes()?.toString()]).toEqual(['k1', 'x', 'x'])
    // One view of the value, made when first read.
    expect(withKey.valueBytes()).toBe(withKey.value)
    expect([(ours[2] as FetchedRecord).value, (ours[2] as FetchedRecord).valueBytes()]).toEqual([null, null])
    expect((ours[6] as FetchedRecord).offset).toBe(1099511627783)
    expect((ours[6] as FetchedRecord).timestamp).toBe(17)
  })

  it('reads a value in place, in the fetched bytes, as valueBytes() gives it', async () => {
    const {ours} = await both(recordSet(await batch(ORDERS, {firstOffset: '40'})))
    const text = (bytes: Buffer, start: number, end: number): string => bytes.toString('latin1', start, end)
    const inPlace = (ours as FetchedRecord[]).map((r) => r.readValue(text, null))
    expect(inPlace).toEqual((ours as FetchedRecord[]).map((r) => r.valueBytes()?.toString('latin1') ?? null))
    // ORDERS: a value, 'x', none, an empty one, 'y'.
    expect(inPlace.slice(1)).toEqual(['x', null, '', 'y'])
    // The records made outside a fetch, and those of kafkajs's own decoder, read the same way.
    expect(toConsumedRecords('t', 0, ours).map((r) => r.readValue(text, null))).toEqual(inPlace)
    expect(inputRecord({topic: 't', partition: 0, offset: 0, timestamp: 0, key: null, value: 'x'}).readValue(text, null)).toBe('x')
    expect(inputRecord({topic: 't', partition: 0, offset: 0, timestamp: 0, key: null, value: null}).readValue(text, 'none')).toBe('none')
  })

  it('reads gzip batches, transactional batches and transaction markers as kafkajs does', async () => {
    const gzip = await batch(ORDERS, {firstOffset: '10', compression: Compression.GZIP})
    const transactional = await batch(ORDERS.slice(0, 3), {firstOffset: '16', transactional: true, producerId: '4242'})
    const marker = await batch([{offsetDelta: 0, key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0])}], {firstOffset: '19', transactional: true, producerId: '4242', flip: 0x20})
    const bigProducer = await batch(ORDERS.slice(0, 1), {firstOffset: '20', producerId: '9007199254740993'})
    const {ours, theirs} = await both(recordSet(gzip, transactional, marker, bigProducer))
    expect(ours).toHaveLength(10)
    expect(ours[9]).toBeInstanceOf(FetchedRecord)
    expect(plain(ours)).toEqual(plain(theirs))
    expect((ours[8] as FetchedRecord).isControlRecord).toBe(true)
  })

  it('takes the batch time for every record when the broker set it, as kafkajs does', async () => {
    const {ours, theirs} = await both(recordSet(await batch(ORDERS, {flip: 0x08})))
    expect(plain(ours)).toEqual(plain(theirs))
    expect((ours[2] as FetchedRecord).timestamp).toBe(1_700_000_000_999)
  })

  it('stops at a batch cut short at the end of the response, as kafkajs does', async () => {
    const whole = await batch(ORDERS, {firstOffset: '0'})
    const cut = (await batch(ORDERS, {firstOffset: '6'})).subarray(0, 70)
    const body = Buffer.concat([whole, cut])
    const size = Buffer.alloc(4)
    size.writeInt32BE(body.length)
    const {ours, theirs} = await both(Buffer.concat([size, body]))
    expect(ours).toHaveLength(5)
    expect(plain(ours)).toEqual(plain(theirs))
  })

  it('leaves offsets beyond 2^53 to kafkajs', async () => {
    const {ours, theirs} = await both(recordSet(await batch(ORDERS, {firstOffset: '9007199254740993'})))
    expect(plain(ours)).toEqual(plain(theirs))
    expect((ours[1] as {offset: string}).offset).toBe('9007199254740994')
    const records = toConsumedRecords('t', 1, ours)
    expect(records.map((r) => [r.topic, r.partition, r.key, r.valueBytes()?.toString() ?? null])).toEqual([
      ['t', 1, null, ORDERS[0].value!.toString()],
      ['t', 1, 'k1', 'x'],
      ['t', 1, 'k2', null],
      ['t', 1, null, ''],
      ['t', 1, null, 'y'],
    ])
  })

  it('reads an empty record set as kafkajs does', async () => {
    const {ours, theirs} = await both(Buffer.from([0, 0, 0, 0]))
    expect(ours).toEqual([])
    expect(theirs).toEqual([])
  })
})

describe('the fetched batch', () => {
  const methods = ['isEmpty', 'isEmptyIncludingFiltered', 'isEmptyDueToFiltering', 'isEmptyControlRecord', 'isEmptyDueToLogCompactedMessages', 'firstOffset', 'lastOffset', 'offsetLag', 'offsetLagLow'] as const

  async function compare(set: Buffer, fetchedOffset: string, abortedTransactions: Array<{firstOffset: string; producerId: string}> = []): Promise<Batch> {
    const data = async (): Promise<object> => ({partition: 2, highWatermark: '40', abortedTransactions, messages: await decodeMessages(new Decoder(set) as never)})
    const ours = new Batch('t', fetchedOffset, (await data()) as never)
    const theirs = new KafkajsBatch('t', fetchedOffset, await data())
    // kafkajs's Batch hands out the records' own offsets (numbers, from sstream's decoder); ours, strings as kafkajs's decoder has them.
    const call = (batch: object, method: string): unknown => {
      const result = (batch as Record<string, () => unknown>)[method]()
      return typeof result === 'number' ? String(result) : result
    }
    for (const method of methods) expect([method, call(ours, method)]).toEqual([method, call(theirs, method)])
    expect(plain(ours.messages)).toEqual(plain(theirs.messages as unknown[]))
    expect(plain(ours.messagesWithinOffset)).toEqual(plain(theirs.messagesWithinOffset as unknown[]))
    return ours
  }

  it('drops the records before the fetch offset, aborted records and markers, as kafkajs does', async () => {
    const committed = await batch(ORDERS, {firstOffset: '20'})
    const aborted = await batch(ORDERS.slice(0, 2), {firstOffset: '26', transactional: true, producerId: '77'})
    const abort = await batch([{offsetDelta: 0, key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0])}], {firstOffset: '28', transactional: true, producerId: '77', flip: 0x20})
    const after = await batch(ORDERS.slice(0, 2), {firstOffset: '29', transactional: true, producerId: '77'})
    const set = recordSet(committed, aborted, abort, after)
    const ours = await compare(set, '22', [{firstOffset: '26', producerId: '77'}])
    expect(ours.messages.map((m) => m.offset)).toEqual([22, 24, 25, 29, 30])
    expect(ours.messages.map((m) => [m.topic, m.partition])).toEqual(Array(5).fill(['t', 2]))
    await compare(set, '20')
    await compare(set, '31')
  })

  it('is empty as kafkajs says when nothing or only markers came', async () => {
    await compare(Buffer.from([0, 0, 0, 0]), '12')
    const marker = await batch([{offsetDelta: 0, key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0])}], {firstOffset: '39', transactional: true, producerId: '5', flip: 0x20})
    const ours = await compare(recordSet(marker), '39')
    expect(ours.isEmptyControlRecord()).toBe(true)
  })
})
