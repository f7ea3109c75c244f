/**
 * Seeded scores and views in the exact SPEC §3 formats, spread over the partitions (whatever the keys), with
 * broken records mixed in; and the independent batch recomputation of what the boards and the user windows
 * must hold. Nothing here calls sstream's pipelines.
 */
import {connectRedis, createRedis} from '../../../src/core/redis/index.js'
import {testConfig} from '../../helpers/services.js'
import {javaTimestamp} from '../stream/alerts-data.js'
import {seeded, type SeedRecord} from '../stream/fixtures.js'

const PLAYERS = ['Bob', 'Mike', 'Kathy', 'Sam']
const USERS = ['Bob', 'Mike', 'Kathy', 'Sam']
const TOPICS = ['AI', 'BigData', 'CI_CD', 'Cloud']

export interface SeedScore extends SeedRecord {
  /** The points the record is worth; undefined for a broken record. */
  score?: number
}

/** key = player, value = 1–10 as a decimal string; every `brokenEvery`-th record has a value that is not a number. */
export function seedScores(options: {count: number; seed: number; partitions?: number; brokenEvery?: number; offset?: number}): SeedScore[] {
  const random = seeded(options.seed)
  const partitions = options.partitions ?? 3
  const out: SeedScore[] = []
  for (let i = 0; i < options.count; i++) {
    const player = PLAYERS[Math.floor(random() * PLAYERS.length)]
    const score = 1 + Math.floor(random() * 10)
    const partition = Math.floor(random() * partitions)
    const timestamp = Date.now()
    if (options.brokenEvery && (i + (options.offset ?? 0)) % options.brokenEvery === options.brokenEvery - 1) out.push({partition, key: player, value: `${score} points`, timestamp})
    else out.push({partition, key: player, value: String(score), timestamp, score})
  }
  return out
}

/** The board a batch computation gives: the sum of the scores per player. */
export function expectedBoard(records: Array<{key: string; score?: number}>): Record<string, number> {
  const board: Record<string, number> = {}
  for (const r of records) if (r.score !== undefined) board[r.key] = (board[r.key] ?? 0) + r.score
  return board
}

export interface SeedView extends SeedRecord {
  view?: {time: number; user: string; topic: string; minutes: number}
  broken?: 'malformed-csv' | 'bad-value'
}

/**
 * Views keyed by a counter (epoch seconds + 1, as the original), event times moving forward per partition
 * with some out-of-order ones, a few of them late (more than the lateness behind the partition's newest).
 */
export function seedViews(options: {count: number; seed: number; start: number; partitions?: number; stepMs?: number; brokenEvery?: number}): SeedView[] {
  const random = seeded(options.seed)
  const partitions = options.partitions ?? 3
  const clocks = Array.from({length: partitions}, () => options.start)
  let key = Math.floor(options.start / 1000)
  const out: SeedView[] = []
  for (let i = 0; i < options.count; i++) {
    const partition = Math.floor(random() * partitions)
    clocks[partition] += Math.floor(random() * 2 * (options.stepMs ?? 100))
    const roll = random()
    const time = roll < 0.005 ? clocks[partition] - 20_000 : roll < 0.05 ? clocks[partition] - Math.floor(random() * 4000) : clocks[partition]
    const user = USERS[Math.floor(random() * USERS.length)]
    const topic = TOPICS[Math.floor(random() * TOPICS.length)]
    const minutes = 1 + Math.floor(random() * 10)
    key += 1
    const base = {partition, key: String(key), timestamp: options.start}
    if (options.brokenEvery && i % options.brokenEvery === options.brokenEvery - 1) {
      const broken = random() < 0.5 ? ('malformed-csv' as const) : ('bad-value' as const)
      const value = broken === 'malformed-csv' ? `"${javaTimestamp(time)}","${user}","${topic}"` : `"${javaTimestamp(time)}","${user}","${topic}",many`
      out.push({...base, value, broken})
    } else {
      out.push({...base, value: `"${javaTimestamp(time)}","${user}","${topic}",${minutes}`, view: {time, user, topic, minutes}})
    }
  }
  return out
}

export interface ExpectedViews {
  /** `<window start ms>/<user>` → minutes and views. */
  windows: Map<string, {minutes: number; views: number}>
  topics: Record<string, number>
  late: number
  broken: number
}

/**
 * The batch recomputation: per partition in offset order, a view is late when its 5 s window ends at or
 * before (the newest event time seen so far in the partition) − 5 s; late views are in no user window but
 * still count for their topic.
 */
export function expectedViews(records: SeedView[], sizeMs = 5000, latenessMs = 5000): ExpectedViews {
  const windows = new Map<string, {minutes: number; views: number}>()
  const topics: Record<string, number> = {}
  const newest = new Map<number, number>()
  let late = 0
  let broken = 0
  for (const r of records) {
    if (!r.view) {
      broken += 1
      continue
    }
    const {time, user, topic, minutes} = r.view
    topics[topic] = (topics[topic] ?? 0) + 1
    const start = Math.floor(time / sizeMs) * sizeMs
    const max = newest.get(r.partition) ?? Number.NEGATIVE_INFINITY
    if (start + sizeMs <= max - latenessMs) late += 1
    else {
      const key = `${start}/${user}`
      const acc = windows.get(key) ?? {minutes: 0, views: 0}
      windows.set(key, {minutes: acc.minutes + minutes, views: acc.views + 1})
    }
    newest.set(r.partition, Math.max(max, time))
  }
  return {windows, topics, late, broken}
}

/** A board as {member: score}, read straight from Redis. */
export async function boardScores(key: string, url = testConfig.redisUrl): Promise<Record<string, number>> {
  const client = createRedis(url)
  try {
    await connectRedis(client, url)
    const flat = await client.zrange(key, 0, -1, 'WITHSCORES')
    const out: Record<string, number> = {}
    // defineProperty: a member may be called __proto__.
    for (let i = 0; i < flat.length; i += 2) Object.defineProperty(out, flat[i], {value: Number(flat[i + 1]), enumerable: true, writable: true, configurable: true})
    return out
  } finally {
    client.disconnect()
  }
}

/** Deletes test keys. */
export async function deleteKeys(keys: string[], url = testConfig.redisUrl): Promise<void> {
  const client = createRedis(url)
  try {
    await connectRedis(client, url)
    if (keys.length > 0) await client.del(...keys)
  } finally {
    client.disconnect()
  }
}
