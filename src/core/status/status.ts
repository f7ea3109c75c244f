/**
 * `sstream status`: what is there and how far the processors are — services reachable, topics with
 * partitions and end offsets, consumer groups with their lag per partition, table row counts and
 * leaderboard sizes. A service that is down is reported, and the rest is still gathered.
 */
import type {KafkaSecurity, SstreamConfig} from '../config/index.js'
import {errorMessage} from '../errors.js'
import {KafkaAdmin, type GroupLag, type TopicOffsets} from '../kafka/index.js'
import {createMariaPool, toMariaError} from '../mariadb/index.js'
import {ALL_TOPICS, REDIS_KEYS, TABLES} from '../names.js'
import {connectRedis, createRedis, readProcessorStats, readStoppedProcessorStats, toRedisError, type ProcessorStats} from '../redis/index.js'
import {stackStatus, type ServiceStatus} from '../stack/index.js'
import {decodeMergeState, decodeSourceState} from '../stream/checkpoint.js'
import type {PartitionStats} from '../stream/index.js'

export interface StatusOptions {
  config: SstreamConfig
  /** Every topic and group on the cluster, not only sstream's. */
  all?: boolean
  tables?: string[]
  leaderboards?: string[]
}

/**
 * A consumer group's two positions per partition. `currentOffset` is the committed offset: where a restart
 * replays from, which for a windowed pipeline is the first record of the oldest window still open.
 * `readOffset` is how far the processor has read: from its live stats while it runs (published to Redis
 * every few seconds), else from its last run's final stats, and never less than what it committed as
 * processed with its offsets; null when none of these is known (a group that is not an sstream processor).
 * `lag` counts from the committed offset, `readLag` from the read position: a backlog is read lag;
 * committed lag beyond it is records held in open windows.
 */
export interface GroupStatus extends Omit<GroupLag, 'topics'> {
  /** Whether a processor is in the group now (the group has members, or one publishes live stats). */
  running: boolean
  /** When the read positions come from the last run's final stats: when that run stopped. */
  stoppedAt?: string
  topics: Array<{
    topic: string
    partitions: Array<GroupLag['topics'][number]['partitions'][number] & {readOffset: string | null; readLag: number | null}>
    lag: number
    /** Null when no partition's read position is known. */
    readLag: number | null
  }>
  lag: number
  readLag: number | null
  /** Records read but not committed yet: committed once the windows they are in close (committed lag − read lag, where the read position is known). */
  readNotCommitted: number
  /** One line on what the lags mean, when the committed lag is more than the backlog. */
  note?: string
}

export interface StatusResult {
  services: ServiceStatus[]
  topics: TopicOffsets[]
  groups: GroupStatus[]
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
  const [kafka, tables, redis] = await Promise.all([
    up.has('kafka') ? kafkaStatus(config.kafkaBrokers, config.kafkaSecurity, Boolean(options.all)) : Promise.resolve({topics: [], groups: []}),
    up.has('mariadb') ? tableStatus(config.mariadbUrl, options.tables ?? [TABLES.orderSummary, TABLES.userViewSummary]) : Promise.resolve([]),
    up.has('redis')
      ? redisStatus(config.redisUrl, options.leaderboards ?? [REDIS_KEYS.playerLeaderboard, REDIS_KEYS.topicsLeaderboard])
      : Promise.resolve({leaderboards: [], processors: [], stopped: []}),
  ])
  const {stopped, ...leaderboards} = redis
  const groups = kafka.groups.map((group) => withPublishedPositions(group, leaderboards.processors, stopped))
  return {services, topics: kafka.topics, groups, tables, ...leaderboards, healthy}
}

async function kafkaStatus(brokers: string[], security: KafkaSecurity, all: boolean): Promise<{topics: TopicOffsets[]; groups: GroupStatus[]}> {
  const admin = await KafkaAdmin.connect(brokers, {security})
  try {
    const topicNames = (await admin.listTopics()).filter((t) => !t.startsWith('__') && (all || isSstreamTopic(t))).sort()
    const topics = await readTopicOffsets(admin, topicNames)
    const groupIds = (await admin.listGroups()).filter((g) => all || g.startsWith('sstream-'))
    const groups: GroupStatus[] = []
    for (const groupId of groupIds) groups.push(await groupStatus(admin, groupId))
    return {topics, groups}
  } finally {
    await admin.close()
  }
}

/**
 * The end offsets of topics listed a moment before. A topic deleted in between (a finished job's, a test's)
 * is left out: it is no longer there to report, and no reason for the status to fail. Any other failure is
 * the status's.
 */
export async function readTopicOffsets(admin: KafkaAdmin, topics: string[]): Promise<TopicOffsets[]> {
  const read = await Promise.all(
    topics.map((topic) =>
      admin.topicOffsets(topic).catch(async (error: unknown) => {
        if ((await admin.listTopics()).includes(topic)) throw error
        return undefined
      }),
    ),
  )
  return read.filter((t): t is TopicOffsets => t !== undefined)
}

async function groupStatus(admin: KafkaAdmin, groupId: string): Promise<GroupStatus> {
  const lag = await admin.groupLag(groupId)
  const topics: GroupStatus['topics'] = []
  for (const t of lag.topics) {
    const committed = await admin.committedOffsets(groupId, t.topic)
    const partitions = t.partitions.map((p) => withRead(p, processedPosition(committed.find((c) => c.partition === p.partition)?.metadata)))
    topics.push({...t, partitions, readLag: sumKnown(partitions.map((p) => p.readLag))})
  }
  return describeLags({...lag, running: lag.members > 0, topics})
}

type PartitionStatus = GroupStatus['topics'][number]['partitions'][number]

/** A partition with a read position (the furthest known: a position never goes back within a group). */
function withRead(p: Omit<PartitionStatus, 'readOffset' | 'readLag'> & Partial<PartitionStatus>, read: number | undefined): PartitionStatus {
  const known = [read, p.readOffset ? Number(p.readOffset) : undefined, p.currentOffset !== null && read !== undefined ? Number(p.currentOffset) : undefined].filter((n): n is number => n !== undefined)
  if (known.length === 0) return {...p, readOffset: null, readLag: null}
  const readOffset = Math.max(...known)
  return {...p, readOffset: String(readOffset), readLag: Math.max(0, Number(p.logEndOffset) - readOffset)}
}

function sumKnown(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null)
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) : null
}

/**
 * The read positions a processor of the group published: its live stats (it runs), else the final stats of
 * its last run (it stopped). Several live instances share the partitions: each reports its own.
 */
export function withPublishedPositions(group: GroupStatus, live: ProcessorStats[], stopped: ProcessorStats[]): GroupStatus {
  const mine = live.filter((p) => p.groupId === group.groupId)
  const last = stopped.filter((p) => p.groupId === group.groupId).sort((a, b) => String(b.stoppedAt).localeCompare(String(a.stoppedAt)))[0]
  const sources = mine.length > 0 ? mine : last ? [last] : []
  if (sources.length === 0) return group
  const positions = new Map<string, number>()
  for (const source of sources)
    for (const p of (source.partitions ?? []) as PartitionStats[])
      if (typeof p.position === 'number') positions.set(`${p.topic}\u0000${p.partition}`, Math.max(p.position, positions.get(`${p.topic}\u0000${p.partition}`) ?? 0))
  const topics = group.topics.map((t) => {
    const partitions = t.partitions.map((p) => withRead(p, positions.get(`${t.topic}\u0000${p.partition}`)))
    return {...t, partitions, readLag: sumKnown(partitions.map((p) => p.readLag))}
  })
  const {note: _note, ...rest} = group
  return describeLags({...rest, running: group.running || mine.length > 0, ...(mine.length === 0 && last?.stoppedAt ? {stoppedAt: last.stoppedAt} : {}), topics})
}

/** The totals and the note, from the partitions. */
export function describeLags(group: Omit<GroupStatus, 'lag' | 'readLag' | 'readNotCommitted' | 'note'> & Partial<GroupStatus>): GroupStatus {
  const partitions = group.topics.flatMap((t) => t.partitions)
  const lag = group.topics.reduce((sum, t) => sum + t.lag, 0)
  const known = partitions.filter((p) => p.readLag !== null)
  const readLag = known.length > 0 ? group.topics.reduce((sum, t) => sum + (t.readLag ?? 0), 0) : null
  // A partition never committed counts whole in the committed lag (as Kafka's tools count it).
  const readNotCommitted = known.reduce((sum, p) => sum + Math.max(0, (p.lag ?? Number(p.logEndOffset)) - p.readLag!), 0)
  const note =
    readNotCommitted > 0
      ? `${group.groupId}: ${readLag === 0 ? 'every record is read; ' : ''}${readNotCommitted} of the committed lag ${lag} ${readNotCommitted === 1 ? 'is a record' : 'are records'} already read, held in open windows and committed when they close: not a backlog${readLag ? `; the backlog is ${readLag}` : ''}.`
      : undefined
  return {...group, lag, readLag, readNotCommitted, ...(note ? {note} : {})}
}

/** The position a task had processed, from the state it commits with its offset (stage 1 or 2). */
function processedPosition(metadata: string | null | undefined): number | undefined {
  return decodeSourceState(metadata)?.position ?? decodeMergeState(metadata)?.position
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

async function redisStatus(url: string, keys: string[]): Promise<Pick<StatusResult, 'leaderboards' | 'processors'> & {stopped: ProcessorStats[]}> {
  const client = createRedis(url)
  try {
    await connectRedis(client, url)
    const out: StatusResult['leaderboards'] = []
    for (const key of keys) {
      const [members, top] = await Promise.all([client.zcard(key), client.zrevrange(key, 0, 0, 'WITHSCORES')])
      out.push({key, members, leader: top[0] ?? null, score: top[1] === undefined ? null : Number(top[1])})
    }
    return {leaderboards: out, processors: await readProcessorStats(client), stopped: await readStoppedProcessorStats(client)}
  } catch (error) {
    throw toRedisError(error, url, `read the leaderboards: ${errorMessage(error)}`)
  } finally {
    client.disconnect()
  }
}
