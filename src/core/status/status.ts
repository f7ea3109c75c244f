/**
 * `sstream status`: what is there and how far the processors are — services reachable, topics with
 * partitions and end offsets, consumer groups with their lag per partition, table row counts and
 * leaderboard sizes. A service that is down is reported, and the rest is still gathered.
 */
import type {SstreamConfig} from '../config/index.js'
import {errorMessage} from '../errors.js'
import {KafkaAdmin, type GroupLag, type TopicOffsets} from '../kafka/index.js'
import {createMariaPool, toMariaError} from '../mariadb/index.js'
import {ALL_TOPICS, REDIS_KEYS, TABLES} from '../names.js'
import {connectRedis, createRedis, readProcessorStats, toRedisError, type ProcessorStats} from '../redis/index.js'
import {stackStatus, type ServiceStatus} from '../stack/index.js'

export interface StatusOptions {
  config: SstreamConfig
  /** Every topic and group on the cluster, not only sstream's. */
  all?: boolean
  tables?: string[]
  leaderboards?: string[]
}

export interface StatusResult {
  services: ServiceStatus[]
  topics: TopicOffsets[]
  groups: GroupLag[]
  tables: Array<{table: string; rows: number | null; detail?: string}>
  leaderboards: Array<{key: string; members: number; leader: string | null; score: number | null}>
  /** Live processors and their latest stats (published every few seconds while they run). */
  processors: ProcessorStats[]
  healthy: boolean
}

export function isSstreamTopic(topic: string): boolean {
  return ALL_TOPICS.includes(topic) || topic.endsWith('-repartition')
}

export async function gatherStatus(options: StatusOptions): Promise<StatusResult> {
  const {config} = options
  const {services, healthy} = await stackStatus(config)
  const up = new Set(services.filter((s) => s.healthy).map((s) => s.service))
  const [kafka, tables, leaderboards] = await Promise.all([
    up.has('kafka') ? kafkaStatus(config.kafkaBrokers, Boolean(options.all)) : Promise.resolve({topics: [], groups: []}),
    up.has('mariadb') ? tableStatus(config.mariadbUrl, options.tables ?? [TABLES.orderSummary, TABLES.userViewSummary]) : Promise.resolve([]),
    up.has('redis')
      ? redisStatus(config.redisUrl, options.leaderboards ?? [REDIS_KEYS.playerLeaderboard, REDIS_KEYS.topicsLeaderboard])
      : Promise.resolve({leaderboards: [], processors: []}),
  ])
  return {services, ...kafka, tables, ...leaderboards, healthy}
}

async function kafkaStatus(brokers: string[], all: boolean): Promise<{topics: TopicOffsets[]; groups: GroupLag[]}> {
  const admin = await KafkaAdmin.connect(brokers)
  try {
    const topicNames = (await admin.listTopics()).filter((t) => !t.startsWith('__') && (all || isSstreamTopic(t))).sort()
    const topics = await Promise.all(topicNames.map((t) => admin.topicOffsets(t)))
    const groupIds = (await admin.listGroups()).filter((g) => all || g.startsWith('sstream-'))
    const groups: GroupLag[] = []
    for (const groupId of groupIds) groups.push(await admin.groupLag(groupId))
    return {topics, groups}
  } finally {
    await admin.close()
  }
}

async function tableStatus(url: string, tables: string[]): Promise<StatusResult['tables']> {
  const pool = createMariaPool(url, {connectionLimit: 1})
  try {
    const out: StatusResult['tables'] = []
    for (const table of tables) {
      try {
        const rows = (await pool.query(`SELECT COUNT(*) AS n FROM \`${table.replace(/`/g, '')}\``)) as Array<{n: number | bigint}>
        out.push({table, rows: Number(rows[0]?.n ?? 0)})
      } catch (error) {
        out.push({table, rows: null, detail: toMariaError(error, url).message})
      }
    }
    return out
  } finally {
    await pool.end().catch(() => undefined)
  }
}

async function redisStatus(url: string, keys: string[]): Promise<Pick<StatusResult, 'leaderboards' | 'processors'>> {
  const client = createRedis(url)
  try {
    await connectRedis(client, url)
    const out: StatusResult['leaderboards'] = []
    for (const key of keys) {
      const [members, top] = await Promise.all([client.zcard(key), client.zrevrange(key, 0, 0, 'WITHSCORES')])
      out.push({key, members, leader: top[0] ?? null, score: top[1] === undefined ? null : Number(top[1])})
    }
    return {leaderboards: out, processors: await readProcessorStats(client)}
  } catch (error) {
    throw toRedisError(error, url, `read the leaderboards: ${errorMessage(error)}`)
  } finally {
    client.disconnect()
  }
}
