/** What the process-based benchmarks share: unique names, fresh databases, topics, and clean-up. */
import {applyMigrations, createMariaPool} from '../src/core/mariadb/index.js'
import {createKafka, KafkaAdmin} from '../src/core/kafka/index.js'
import {formatTimestamp} from '../src/core/stream/timestamps.js'
import type {BenchContext} from './lib.js'

export const ADMIN_URL = process.env.SSTREAM_MARIADB_ADMIN_URL ?? 'mariadb://root@127.0.0.1:3306'

export const uniqueId = (): string => `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`

export type Pool = ReturnType<typeof createMariaPool>

/** A fresh database with sstream's tables; `drop` removes it. */
export async function freshDatabase(prefix: string): Promise<{url: string; pool: Pool; drop: () => Promise<void>}> {
  const name = `${prefix}_${uniqueId()}`
  const admin = createMariaPool(ADMIN_URL, {connectionLimit: 1})
  await admin.query(`CREATE DATABASE \`${name}\``)
  const url = `${ADMIN_URL}/${name}`
  const pool = createMariaPool(url, {connectionLimit: 2})
  await applyMigrations(pool)
  return {
    url,
    pool,
    drop: async () => {
      await pool.end().catch(() => undefined)
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined)
      await admin.end().catch(() => undefined)
    },
  }
}

/** Creates the topics; `cleanup` deletes them (and any topic starting with one of `prefixes`) and the groups. */
export async function freshTopics(
  ctx: BenchContext,
  topics: Array<{topic: string; partitions: number}>,
): Promise<{admin: KafkaAdmin; cleanup: (extra?: {topics?: string[]; groups?: string[]}) => Promise<void>}> {
  const admin = await KafkaAdmin.connect(ctx.brokers)
  await admin.ensureTopics(topics.map((t) => ({...t, replicationFactor: 1})))
  return {
    admin,
    cleanup: async (extra = {}) => {
      const existing = new Set(await admin.listTopics().catch(() => [] as string[]))
      const names = [...topics.map((t) => t.topic), ...(extra.topics ?? [])].filter((t) => existing.has(t))
      if (names.length > 0) await admin.deleteTopics(names).catch(() => undefined)
      if (extra.groups?.length) await admin.deleteGroups(extra.groups).catch(() => undefined)
      await admin.close()
    },
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `done` every `everyMs` until it holds or `timeoutMs` passes; resolves with whether it held. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await done()) return true
    if (Date.now() >= deadline) return false
    await sleep(everyMs)
  }
}

/**
 * Appends one end marker to every partition of a preloaded topic: a record `afterMs` past the last event
 * time, so that the watermark passes every real window and the pipeline closes and commits them all
 * without waiting for the idle timeout. Markers belong to a key of their own ("end-marker"), left out of
 * every check; their own window stays open. Returns each partition's end before the markers: all real
 * records are committed once a partition's committed offset reaches it.
 */
export async function appendEndMarkers(
  ctx: BenchContext,
  topic: string,
  markerTime: number,
  value: string,
): Promise<Map<number, number>> {
  const admin = await KafkaAdmin.connect(ctx.brokers)
  const ends = new Map<number, number>()
  try {
    for (const p of (await admin.topicOffsets(topic)).partitions) ends.set(p.partition, Number(p.high))
  } finally {
    await admin.close()
  }
  const producer = createKafka({brokers: ctx.brokers}).producer()
  await producer.connect()
  try {
    await producer.send({topic, acks: -1, messages: [...ends.keys()].map((partition) => ({partition, key: 'end-marker', value, timestamp: String(markerTime)}))})
  } finally {
    await producer.disconnect()
  }
  return ends
}

export const END_MARKER = 'end-marker'

/** The marker's value for each generator's format, at event time `time`. */
export function endMarkerValue(generator: 'orders' | 'alerts' | 'views', time: number): string {
  if (generator === 'orders') return `{"orderId":0,"product":"${END_MARKER}","quantity":1,"price":1.0}`
  if (generator === 'alerts') return `"${formatTimestamp(time)}","INFO","${END_MARKER}","end of the preloaded alerts"`
  return `"${formatTimestamp(time)}","${END_MARKER}","${END_MARKER}",1`
}
