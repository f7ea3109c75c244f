import {createRequire} from 'node:module'

import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {
  encodeProduceRequest,
  fastProduceInstalled,
  groupMessagesPerPartition,
  murmur2OfKey,
  produceRequest,
  type ProduceRequestOptions,
} from '../../../src/core/kafka/kafkajs/produce-encoder.js'

import {installKafkajsPatches} from '../../../src/core/kafka/kafkajs/index.js'
import {kafkajsOriginal} from '../../helpers/kafkajs-original.js'

// The engine's patches of kafkajs, as the client factory installs them, before anything loads kafkajs.
installKafkajsPatches()

// kafkajs's own modules, as shipped, are the reference.
const require = createRequire(import.meta.url)
type Request = {apiKey: number; apiVersion: number; apiName: string; expectResponse(): boolean; encode(): Promise<{buffer: Buffer}>}
type Factory = (options: ProduceRequestOptions) => Request
const kafkajsProduceRequest = kafkajsOriginal<Factory>('kafkajs/src/protocol/requests/produce/v3/request.js')
const kafkajsGroup = kafkajsOriginal<typeof groupMessagesPerPartition>('kafkajs/src/producer/groupMessagesPerPartition.js')
const kafkajsMurmur2 = kafkajsOriginal<(key: unknown) => number>('kafkajs/src/producer/partitioners/default/murmur2.js')
const produceProtocol = require('kafkajs/src/protocol/requests/produce/index.js') as {protocol(args: {version: number}): (options: ProduceRequestOptions) => {request: Request}}
const createRequest = require('kafkajs/src/protocol/request.js') as (args: {correlationId: number; clientId: string; request: Request}) => Promise<{buffer: Buffer}>
const Long = require('kafkajs/src/utils/long.js') as {fromValue(v: unknown): unknown; fromInt(v: number): unknown}
const {Types: Compression} = require('kafkajs/src/protocol/message/compression/index.js') as {Types: {None: number; GZIP: number}}

const NOW = 1_764_000_000_123

/** A small seeded generator (mulberry32): the same requests on every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const TEXTS = ['', 'a', 'order-42', 'ünïcödé', '日本語のキー', 'emoji 🎉 key', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(200), 'w'.repeat(8200), '\ud800 lone']

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]
}

function bytesOrText(next: () => number): string | Buffer | null | undefined {
  const r = next()
  if (r < 0.1) return null
  if (r < 0.15) return undefined
  const text = pick(next, TEXTS)
  return r < 0.6 ? text : Buffer.from(text)
}

function headers(next: () => number): Record<string, unknown> | undefined {
  const r = next()
  if (r < 0.4) return undefined
  if (r < 0.5) return {}
  const out: Record<string, unknown> = {}
  const count = 1 + Math.floor(next() * 4)
  for (let i = 0; i < count; i++) {
    const key = pick(next, ['source', 'x-pipeline', 'ключ', 'h', `n${i}`])
    const kind = next()
    if (kind < 0.4) out[key] = pick(next, TEXTS)
    else if (kind < 0.7) out[key] = Buffer.from(pick(next, TEXTS))
    else out[key] = [pick(next, TEXTS), Buffer.from(pick(next, TEXTS)), ...(next() < 0.5 ? [''] : [])]
  }
  return out
}

type Message = {key?: unknown; value?: unknown; headers?: unknown; timestamp?: unknown; partition?: number}

function timestamped(next: () => number, messages: Message[]): void {
  const mode = next()
  for (const m of messages) {
    const r = next()
    if (mode < 0.3) continue // every timestamp missing: Date.now()
    if (mode < 0.55) m.timestamp = NOW - Math.floor(next() * 100_000)
    else if (mode < 0.7) m.timestamp = String(NOW + Math.floor(next() * 100_000))
    else if (mode < 0.85) {
      // some missing, some 0 (kafkajs takes Date.now() for the delta but 0 for the first timestamp)
      if (r < 0.3) m.timestamp = NOW - Math.floor(next() * 1000)
      else if (r < 0.4) m.timestamp = 0
      else if (r < 0.5) m.timestamp = null
    } else {
      // numbers of different lengths: the string sort puts 10000 before 9000
      m.timestamp = pick(next, [9000, 10_000, 123, 99_999, 5, 1_000_000])
    }
  }
}

function randomRequest(seed: number): ProduceRequestOptions {
  const next = random(seed)
  const topics = 1 + Math.floor(next() * 3)
  const topicData = []
  for (let t = 0; t < topics; t++) {
    const partitions = []
    const count = 1 + Math.floor(next() * 4)
    for (let p = 0; p < count; p++) {
      const messages: Message[] = []
      const n = Math.floor(next() * (next() < 0.2 ? 300 : 20))
      for (let i = 0; i < n; i++) {
        const m: Message = {key: bytesOrText(next), value: bytesOrText(next)}
        const h = headers(next)
        if (h !== undefined) m.headers = h
        if (next() < 0.3) m.partition = p
        messages.push(m)
      }
      timestamped(next, messages)
      partitions.push({partition: p * 3 + t, messages, ...(next() < 0.7 ? {firstSequence: Math.floor(next() * 2 ** 31)} : {})})
    }
    topicData.push({topic: pick(next, ['alerts', 'sstream-alerts-repartition', 'dead-letters-ü']), partitions})
  }
  const ids = [undefined, Long.fromInt(-1), Long.fromValue('4200000000000'), Long.fromValue(7), 12345]
  const transactional = next()
  return {
    acks: pick(next, [-1, 1, 0]),
    timeout: pick(next, [30_000, 5000, 0]),
    ...(transactional < 0.4 ? {transactionalId: 'sstream-alerts-orders-1'} : transactional < 0.5 ? {transactionalId: ''} : {}),
    producerId: pick(next, ids),
    producerEpoch: pick(next, [0, 3, 32_000]),
    ...(next() < 0.5 ? {compression: Compression.None} : {}),
    topicData,
  }
}

async function both(options: ProduceRequestOptions): Promise<{ours: Buffer; theirs: Buffer}> {
  const ours = await produceRequest(options).encode()
  const theirs = await kafkajsProduceRequest(options).encode()
  return {ours: Buffer.from((ours as {buffer: Buffer}).buffer), theirs: Buffer.from(theirs.buffer)}
}

describe('the produce request encoder', () => {
  beforeEach(() => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW)
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('is what kafkajs uses, for every produce version from 3 to 7', async () => {
    expect(fastProduceInstalled()).toBe(true)
    const options = randomRequest(1)
    expect(encodeProduceRequest(options)).toBeDefined()
    const theirs = await kafkajsProduceRequest(options).encode()
    for (const version of [3, 4, 5, 6, 7]) {
      const {request} = produceProtocol.protocol({version})(options)
      expect(request.apiVersion).toBe(version)
      // The framed request (size, api key, version, correlation id, client id, body) as the connection sends it.
      const framed = await createRequest({correlationId: 9, clientId: 'sstream', request})
      const expected = await createRequest({correlationId: 9, clientId: 'sstream', request: {...kafkajsProduceRequest(options), apiVersion: version}})
      expect(framed.buffer.equals(expected.buffer)).toBe(true)
      expect(framed.buffer.subarray(framed.buffer.length - theirs.buffer.length).equals(theirs.buffer)).toBe(true)
    }
  })

  it('writes the same bytes as kafkajs for many requests: keys, values, headers, timestamps, producer ids', async () => {
    let records = 0
    for (let seed = 1; seed <= 400; seed++) {
      const options = randomRequest(seed)
      // The fast path takes all of these (no fallback hides a difference).
      expect(encodeProduceRequest(options), `seed ${seed}`).toBeDefined()
      const {ours, theirs} = await both(options)
      expect(ours.equals(theirs), `seed ${seed}`).toBe(true)
      for (const topic of options.topicData as Array<{partitions: Array<{messages: unknown[]}>}>) for (const p of topic.partitions) records += p.messages.length
    }
    expect(records).toBeGreaterThan(10_000)
  }, 60_000) // ~2 s on a quiet machine; kafkajs's own encoder is the slow half

  it('writes a request larger than its scratch space keeps, then the next one, as kafkajs does', async () => {
    const big = {acks: -1, timeout: 30_000, topicData: [{topic: 't', partitions: [{partition: 0, messages: Array.from({length: 1100}, (_, i) => ({key: `k${i}`, value: 'v'.repeat(8200)}))}]}]}
    for (const options of [big, randomRequest(3)]) {
      const {ours, theirs} = await both(options)
      expect(ours.equals(theirs)).toBe(true)
    }
  })

  it('reads the clock once per partition for the messages without a timestamp, as kafkajs does', async () => {
    let clock = NOW
    vi.spyOn(Date, 'now').mockImplementation(() => (clock += 1000))
    const options = {acks: -1, timeout: 30_000, topicData: [{topic: 't', partitions: [0, 1, 2].map((partition) => ({partition, messages: [{key: 'k', value: 'v'}, {key: null, value: 'w', timestamp: NOW}]}))}]}
    const ours = Buffer.from((await produceRequest(options).encode() as {buffer: Buffer}).buffer)
    clock = NOW
    const theirs = Buffer.from((await kafkajsProduceRequest(options).encode()).buffer)
    expect(ours.equals(theirs)).toBe(true)
  })

  it('leaves compressed batches to kafkajs, with the same bytes', async () => {
    const options = {...randomRequest(7), compression: Compression.GZIP}
    expect(encodeProduceRequest(options)).toBeUndefined()
    const {ours, theirs} = await both(options)
    expect(ours.equals(theirs)).toBe(true)
  })

  it('leaves what kafkajs treats differently to kafkajs: NaN deltas, odd keys, class instances', async () => {
    class Keyed {
      get key(): string {
        return 'from the prototype'
      }
      value = 'v'
    }
    const cases: Message[][] = [
      [{key: 'a', value: 'b', timestamp: 'not a number'}, {key: 'c', value: 'd', timestamp: '17'}],
      [{key: 'a', value: 'b', timestamp: NOW + 0.5}],
      [new Keyed() as Message],
      [{key: new Uint8Array([1, 2]), value: 'x'}],
    ]
    for (const messages of cases) {
      const options = {acks: -1, timeout: 1000, topicData: [{topic: 't', partitions: [{partition: 0, messages}]}]}
      expect(encodeProduceRequest(options)).toBeUndefined()
      const ours = await produceRequest(options).encode().then((e) => Buffer.from((e as {buffer: Buffer}).buffer), (e: Error) => e.constructor.name)
      const theirs = await kafkajsProduceRequest(options).encode().then((e) => Buffer.from(e.buffer), (e: Error) => e.constructor.name)
      expect(ours).toEqual(theirs)
    }
  })

  it('fails as kafkajs fails on a header without a value or a numeric key', async () => {
    for (const message of [{key: 'k', value: 'v', headers: {a: null}}, {key: 5, value: 'v'}]) {
      const options = {acks: -1, timeout: 1000, topicData: [{topic: 't', partitions: [{partition: 0, messages: [message]}]}]}
      await expect(produceRequest(options).encode()).rejects.toThrow(TypeError)
      await expect(kafkajsProduceRequest(options).encode()).rejects.toThrow(TypeError)
    }
  })
})

describe('the grouping of messages per partition', () => {
  it('calls the partitioner as kafkajs does and groups the same messages in the same order', () => {
    const next = random(99)
    const messages = Array.from({length: 3000}, (_, i) => ({key: `k${Math.floor(next() * 500)}`, value: String(i), ...(next() < 0.2 ? {partition: 1} : {})}))
    const partitionMetadata = [0, 1, 2, 3, 4].map((partitionId) => ({partitionId, leader: 1}))
    // A partitioner with state (round robin for some messages), created afresh for each side.
    const partitioner = () => {
      let counter = 0
      return ({message}: {message: unknown}) => {
        const m = message as {partition?: number; key: string}
        return m.partition ?? (m.key.endsWith('7') ? counter++ % 5 : murmur2OfKey(m.key) & 3)
      }
    }
    const ours = groupMessagesPerPartition({topic: 't', partitionMetadata, messages, partitioner: partitioner()})
    const theirs = kafkajsGroup({topic: 't', partitionMetadata, messages, partitioner: partitioner()})
    expect(Object.keys(ours)).toEqual(Object.keys(theirs))
    for (const p of Object.keys(theirs)) {
      expect(ours[p].length).toBe(theirs[p].length)
      ours[p].forEach((m, i) => expect(m).toBe(theirs[p][i]))
    }
    expect(groupMessagesPerPartition({topic: 't', partitionMetadata: [], messages, partitioner: partitioner()})).toEqual({})
  })
})

describe("the default partitioner's murmur2", () => {
  it('hashes text and byte keys as kafkajs does', () => {
    const next = random(5)
    const keys: unknown[] = ['', 'a', 'ab', 'abc', 'abcd', 'order-1', '日本語', '🎉', 12345, Buffer.from([0xff, 0x80, 0, 1, 2]), 'k'.repeat(1000), 'é'.repeat(700), 'short again']
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({length: Math.floor(next() * 40)}, () => Math.floor(next() * 256)))
      keys.push(next() < 0.5 ? bytes : bytes.toString('latin1'))
    }
    for (const key of keys) expect(murmur2OfKey(key)).toBe(kafkajsMurmur2(key))
  })
})
