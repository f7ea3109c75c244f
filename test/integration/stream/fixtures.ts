/**
 * Test data and read-back helpers for the engine's integration tests: seeded records produced with
 * kafkajs (exact SPEC §3 value formats), a fresh MariaDB database with the migrations applied, and
 * read_committed reads of output topics. Nothing here calls the engine.
 */
import type {IHeaders, Kafka} from 'kafkajs'

import {installKafkajsPatches} from '../../../src/core/kafka/index.js'
import {afterAll, beforeAll} from 'vitest'

import {freshDatabase, testConfig, TestServices, type FreshDatabase} from '../../helpers/services.js'
import {uniqueIdentifier, uniqueName} from '../../helpers/names.js'

export const brokers = testConfig.kafkaBrokers
export const ROOT_URL = 'mariadb://root@127.0.0.1:3306'

/** A kafkajs client with kafkajs's own defaults, loaded as the engine loads it (its patches installed first). */
export function kafkaClient(): Kafka {
  const {Kafka, logLevel} = installKafkajsPatches()
  return new Kafka({brokers, clientId: 'sstream-test', logLevel: logLevel.NOTHING})
}

/**
 * Fresh topics whose records never expire: the tests use synthetic event times (2024), and time-based
 * retention (7 days by default, judged on record timestamps) would delete them under the test. Deleted
 * again at cleanup, with the repartition topics of the given groups.
 */
export async function createTopics(services: TestServices, prefixes: string[], {partitions = 3, groups = [] as string[]} = {}): Promise<string[]> {
  const names = prefixes.map((p) => uniqueName(`t-${p}`))
  const admin = kafkaClient().admin()
  await admin.connect()
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({topic, numPartitions: partitions, replicationFactor: 1, configEntries: [{name: 'retention.ms', value: '-1'}]})),
    })
  } finally {
    await admin.disconnect()
  }
  services.defer(async () => {
    const a = kafkaClient().admin()
    await a.connect()
    const existing = new Set(await a.listTopics())
    const internal = existing.size > 0 ? [...existing].filter((t) => groups.some((g) => t.startsWith(`${g}-`) && t.endsWith('-repartition'))) : []
    await a.deleteTopics({topics: [...names, ...internal].filter((t) => existing.has(t)), timeout: 10_000}).catch(() => undefined)
    await a.disconnect()
  })
  return names
}

/** A small seeded PRNG (mulberry32): the same seed gives the same data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export interface SeedRecord {
  partition: number
  key: string
  value: string
  timestamp: number
}

/** Produces records in order per partition (acks all, one in flight), in chunks. */
export async function produce(topic: string, records: ReadonlyArray<Omit<SeedRecord, 'key'> & {key: string | null}>): Promise<void> {
  const producer = kafkaClient().producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  try {
    for (let i = 0; i < records.length; i += 5000) {
      await producer.send({
        topic,
        acks: -1,
        messages: records.slice(i, i + 5000).map((r) => ({partition: r.partition, key: r.key, value: r.value, timestamp: String(r.timestamp)})),
      })
    }
  } finally {
    await producer.disconnect()
  }
}

export interface ReadRecord {
  partition: number
  offset: number
  key: string | null
  /** The key as its bytes (a key that is not UTF-8 reads as U+FFFD in `key`). */
  keyBytes: Buffer | null
  value: string
  headers: Record<string, string>
}

/** Reads a whole topic with isolation read_committed (what committed transactions made visible). */
export async function readCommitted(topic: string, {timeoutMs = 60_000} = {}): Promise<ReadRecord[]> {
  const kafka = kafkaClient()
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic)
  await admin.disconnect()
  const consumer = kafka.consumer({groupId: `reader-${uniqueIdentifier('r')}`, readUncommitted: false, maxWaitTimeInMs: 200})
  const out: ReadRecord[] = []
  const reached = new Map<number, number>()
  const target = new Map(ends.map((e) => [e.partition, Number(e.high)]))
  const done = (): boolean => [...target].every(([p, high]) => high === 0 || (reached.get(p) ?? 0) >= high - 1)
  await consumer.connect()
  try {
    await consumer.subscribe({topics: [topic], fromBeginning: true})
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${topic}: timed out`)), timeoutMs)
      const check = (): void => {
        if (done()) {
          clearTimeout(timer)
          resolve()
        }
      }
      void consumer.run({
        eachBatch: async ({batch}) => {
          for (const m of batch.messages) {
            const keyBytes = (m as {keyBytes?: () => Buffer | null}).keyBytes?.() ?? (Buffer.isBuffer(m.key) ? m.key : null)
            out.push({partition: batch.partition, offset: Number(m.offset), key: m.key?.toString() ?? null, keyBytes, value: m.value?.toString() ?? '', headers: headersOf(m.headers)})
          }
          reached.set(batch.partition, Math.max(reached.get(batch.partition) ?? 0, Number(batch.lastOffset())))
          check()
        },
      })
      check()
    })
  } finally {
    await consumer.disconnect()
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = Buffer.isBuffer(v) ? v.toString() : String(v)
  return out
}

/** A fresh database with the migrations applied (the helpers' `freshDatabase`); `drop()` removes it. */
export function createTestDatabase(): Promise<FreshDatabase> {
  return freshDatabase({prefix: 'sstream_test', serverUrl: ROOT_URL})
}

/**
 * The services and the fresh database of one test file: the database is made before its tests, and both are
 * cleaned up after them. `db` is the database, once the file's tests run.
 */
export function useFileServices(): {readonly services: TestServices; readonly db: FreshDatabase} {
  const services = new TestServices()
  let db: FreshDatabase | undefined
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await services.cleanup()
    await db?.drop()
  })
  return {
    services,
    get db() {
      if (!db) throw new Error('the test database is made in beforeAll')
      return db
    },
  }
}

/** Waits for a condition, polling; throws with the last value when the deadline passes. */
export async function waitFor<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, {timeoutMs = 60_000, intervalMs = 250, what = 'condition'} = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T = await read()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
    last = await read()
  }
  return last
}
