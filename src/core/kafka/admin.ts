/**
 * Topic administration: idempotent creation with a report of what was created, what was already there
 * and what exists with other settings; topic end offsets; consumer groups with their lag.
 */
import type {Admin, Kafka} from 'kafkajs'

import {retry, sleep} from '../async.js'
import {SstreamError} from '../errors.js'
import type {KafkaSecurity} from '../config/index.js'
import {createKafka, isKafkaConnectionError, toKafkaError, withKafkaDeadline} from './client.js'
import type {TopicLimits} from '../stream/ports.js'

export interface TopicSpec {
  topic: string
  partitions: number
  replicationFactor: number
}

export type TopicStatus = 'created' | 'exists' | 'mismatch'

export interface TopicReport {
  topic: string
  status: TopicStatus
  partitions: number
  replicationFactor: number
  /** Why a topic is a mismatch, e.g. "has 1 partition, 3 wanted". */
  detail?: string
}

export interface PartitionOffsets {
  partition: number
  low: string
  high: string
}

export interface TopicOffsets {
  topic: string
  partitions: PartitionOffsets[]
  /** Records in the topic (sum of high − low). */
  records: number
}

export interface GroupLag {
  groupId: string
  state: string
  members: number
  topics: Array<{
    topic: string
    partitions: Array<{partition: number; currentOffset: string | null; logEndOffset: string; lag: number | null}>
    lag: number
  }>
}

/** How long an admin request is asked again when Kafka answers with a retriable error, and the pauses between. */
export interface ProtocolRetryOptions {
  /** No new attempt starts once this long has passed since the first (its pause included). */
  budgetMs: number
  initialDelayMs: number
  maxDelayMs: number
}

export const PROTOCOL_RETRY: ProtocolRetryOptions = {budgetMs: 5000, initialDelayMs: 100, maxDelayMs: 1000}

/**
 * How long a request is asked again on a cluster of several nodes when one of them cannot be reached: the
 * controller moves a crashed node's leaders and coordinators once its session expires (Kafka's
 * `broker.session.timeout.ms`, 9 s by default), so a command run in the first seconds after a crash waits for
 * that instead of failing.
 */
export const NODE_FAILOVER_RETRY: ProtocolRetryOptions = {budgetMs: 30_000, initialDelayMs: 250, maxDelayMs: 2000}

/**
 * Whether Kafka refused a request with an error that passes by itself: a protocol error marked retriable, such
 * as NOT_LEADER_OR_FOLLOWER or LEADER_NOT_AVAILABLE while a topic created a moment ago gets its leader. Not a
 * broker that cannot be reached (that is KAFKA_UNREACHABLE, at once), nor an error the client already retried
 * to its limit.
 */
export function isRetriableProtocolError(error: unknown): boolean {
  if (isKafkaConnectionError(error)) return false
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = current as {name?: string; type?: unknown; retriable?: unknown; cause?: unknown}
    if (e.name === 'KafkaJSNumberOfRetriesExceeded') return false
    if (typeof e.type === 'string') return e.retriable === true
    current = e.cause
  }
  return false
}

/**
 * Runs `work`, and runs it again after a short pause while it fails with a retriable protocol error (or one
 * `alsoRetriable` accepts), within the budget.
 */
export async function retryProtocolErrors<T>(
  work: () => Promise<T>,
  {
    budgetMs = PROTOCOL_RETRY.budgetMs,
    initialDelayMs = PROTOCOL_RETRY.initialDelayMs,
    maxDelayMs = PROTOCOL_RETRY.maxDelayMs,
    alsoRetriable = () => false,
    now = Date.now,
    sleep: pause = sleep,
  }: Partial<ProtocolRetryOptions> & {alsoRetriable?: (error: unknown) => boolean; now?: () => number; sleep?: (ms: number) => Promise<void>} = {},
): Promise<T> {
  return retry(() => work(), {initialMs: initialDelayMs, maxMs: maxDelayMs, budgetMs, retriable: (error) => isRetriableProtocolError(error) || alsoRetriable(error), now, sleep: pause})
}

/**
 * A connected admin client, closed by `close()`. Connection failures become KAFKA_UNREACHABLE within seconds;
 * requests Kafka answers with a retriable error are asked again for a few seconds (`retryProtocolErrors`).
 */
export class KafkaAdmin {
  private constructor(
    private readonly admin: Admin,
    readonly brokers: string[],
    /** The nodes the cluster named when the client connected. */
    readonly nodes: number,
  ) {}

  /** When a request first found a node of the cluster unreachable: the wait for fail-over is counted from there, over all requests. */
  private unreachableSince: number | undefined

  private awaitingFailover(): boolean {
    this.unreachableSince ??= Date.now()
    return Date.now() - this.unreachableSince < NODE_FAILOVER_RETRY.budgetMs
  }

  /** Connects with a client of its own (built with `security`), or through the given kafkajs client. */
  static async connect(brokers: string[], options: {security?: KafkaSecurity; kafka?: Kafka} | Kafka = {}): Promise<KafkaAdmin> {
    const {security, kafka = createKafka({brokers, clientId: 'sstream-admin', ...(security ? {security} : {})})} = 'admin' in options ? {kafka: options, security: undefined} : options
    const admin = kafka.admin()
    const cluster = await withKafkaDeadline(
      brokers,
      async () => {
        await admin.connect()
        return admin.describeCluster()
      },
      {security},
    )
    return new KafkaAdmin(admin, brokers, cluster.brokers.length)
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined)
  }

  async listTopics(): Promise<string[]> {
    return this.call(() => this.admin.listTopics(), 'list topics')
  }

  /** Creates the topics that are missing; reports existing ones, and flags those whose settings differ. */
  async ensureTopics(specs: TopicSpec[]): Promise<TopicReport[]> {
    const existing = new Set(await this.listTopics())
    const missing = specs.filter((spec) => !existing.has(spec.topic))
    if (missing.length > 0) {
      await this.call(
        () =>
          this.admin.createTopics({
            // Leaders are awaited below with a deadline of our own: on a loaded broker, kafkajs's short
            // metadata retries give up before the new partitions have leaders.
            waitForLeaders: false,
            topics: missing.map((spec) => ({topic: spec.topic, numPartitions: spec.partitions, replicationFactor: spec.replicationFactor})),
          }),
        'create topics',
      ).catch((error) => {
        // Another process may have created a topic between the listing and the creation.
        if (!/already exists/i.test(String((error as Error).message))) throw error
      })
    }
    if (missing.length > 0) await this.waitForLeaders(missing.map((spec) => spec.topic))
    const present = specs.filter((spec) => existing.has(spec.topic))
    const described = present.length > 0 ? await this.describe(present.map((spec) => spec.topic)) : new Map()
    return specs.map((spec): TopicReport => {
      if (!existing.has(spec.topic)) return {...spec, status: 'created'}
      const actual = described.get(spec.topic) ?? {partitions: 0, replicationFactor: 0}
      const problems: string[] = []
      if (actual.partitions < spec.partitions) problems.push(`has ${actual.partitions} partition${actual.partitions === 1 ? '' : 's'}, ${spec.partitions} wanted`)
      if (actual.replicationFactor !== spec.replicationFactor)
        problems.push(`has replication factor ${actual.replicationFactor}, ${spec.replicationFactor} wanted`)
      return {
        topic: spec.topic,
        status: problems.length > 0 ? 'mismatch' : 'exists',
        partitions: actual.partitions,
        replicationFactor: actual.replicationFactor,
        ...(problems.length > 0 ? {detail: problems.join('; ')} : {}),
      }
    })
  }

  /** Waits until every partition of the topics has a leader (new topics), up to the deadline. */
  async waitForLeaders(topics: string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let lastError: unknown
    while (Date.now() < deadline) {
      try {
        const {topics: metadata} = await this.admin.fetchTopicMetadata({topics})
        if (metadata.length === topics.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return
      } catch (error) {
        // UNKNOWN_TOPIC_OR_PARTITION and LEADER_NOT_AVAILABLE are expected while the topics are being created.
        lastError = error
      }
      await sleep(200)
    }
    throw toKafkaError(lastError ?? new Error(`no leader for ${topics.join(', ')} after ${timeoutMs / 1000} s`), this.brokers, 'elect leaders for new topics')
  }

  /** Partition count and replication factor of existing topics. */
  async describe(topics: string[]): Promise<Map<string, {partitions: number; replicationFactor: number}>> {
    const {topics: metadata} = await this.call(() => this.admin.fetchTopicMetadata({topics}), 'describe topics')
    return new Map(
      metadata.map((t) => [t.name, {partitions: t.partitions.length, replicationFactor: t.partitions[0]?.replicas.length ?? 0}]),
    )
  }

  /**
   * What each topic refuses for a record's content, in one request: its `max.message.bytes` (topics without an
   * answer are left out) and whether its `cleanup.policy` compacts it (it then refuses a record without a key).
   */
  async topicLimits(topics: string[]): Promise<TopicLimits> {
    const limits: TopicLimits = {maxMessageBytes: new Map(), compacted: new Set()}
    if (topics.length === 0) return limits
    const settings = await this.topicConfig(topics, ['max.message.bytes', 'cleanup.policy'], "read the topics' max.message.bytes and cleanup.policy")
    for (const [topic, values] of settings) {
      const maxMessageBytes = Number(values.get('max.message.bytes'))
      if (Number.isSafeInteger(maxMessageBytes) && maxMessageBytes > 0) limits.maxMessageBytes.set(topic, maxMessageBytes)
      if ((values.get('cleanup.policy') ?? '').split(',').some((policy) => policy.trim() === 'compact')) limits.compacted.add(topic)
    }
    return limits
  }

  /** A topic's `retention.ms` (-1: kept forever); undefined when the broker gives none. */
  async retentionMs(topic: string): Promise<number | undefined> {
    const value = Number((await this.topicConfig([topic], ['retention.ms'], `read the retention.ms of ${topic}`, [topic])).get(topic)?.get('retention.ms'))
    return Number.isSafeInteger(value) ? value : undefined
  }

  /** Some settings of each topic, as the broker answers them; a topic or setting without an answer is left out. */
  private async topicConfig(topics: string[], names: string[], doing: string, metadataTopics?: string[]): Promise<Map<string, Map<string, string>>> {
    const TOPIC = 2
    const answer = await this.call(
      () => this.admin.describeConfigs({includeSynonyms: false, resources: topics.map((topic) => ({type: TOPIC, name: topic, configNames: names}))}),
      doing,
      metadataTopics,
    )
    const settings = new Map<string, Map<string, string>>()
    for (const resource of answer.resources) {
      const values = new Map<string, string>()
      for (const entry of resource.configEntries) if (names.includes(entry.configName) && typeof entry.configValue === 'string') values.set(entry.configName, entry.configValue)
      settings.set(resource.resourceName, values)
    }
    return settings
  }

  async deleteTopics(topics: string[]): Promise<void> {
    if (topics.length === 0) return
    await this.call(() => this.admin.deleteTopics({topics, timeout: 10_000}), 'delete topics')
  }

  async topicOffsets(topic: string): Promise<TopicOffsets> {
    const offsets = await this.call(() => leaderlessAsRetriable(topic, () => this.admin.fetchTopicOffsets(topic)), `read the offsets of ${topic}`, [topic])
    const partitions = offsets
      .map((o) => ({partition: o.partition, low: o.low, high: o.high}))
      .sort((a, b) => a.partition - b.partition)
    return {topic, partitions, records: partitions.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0)}
  }

  async listGroups(): Promise<string[]> {
    const {groups} = await this.call(() => this.admin.listGroups(), 'list consumer groups')
    return groups.map((g) => g.groupId).sort()
  }

  /** A consumer group's committed offsets against the log-end offsets, per partition. */
  async groupLag(groupId: string): Promise<GroupLag> {
    const [{groups}, committed] = await Promise.all([
      this.call(() => this.admin.describeGroups([groupId]), `describe group ${groupId}`),
      this.call(() => this.admin.fetchOffsets({groupId}), `read the offsets of group ${groupId}`),
    ])
    const description = groups[0]
    const topics: GroupLag['topics'] = []
    for (const entry of committed) {
      const ends = await this.topicOffsets(entry.topic).catch(() => undefined)
      if (!ends) continue
      const partitions = ends.partitions.map((end) => {
        const current = entry.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1'
        const has = current !== '-1'
        return {
          partition: end.partition,
          currentOffset: has ? current : null,
          logEndOffset: end.high,
          lag: has ? Number(BigInt(end.high) - BigInt(current)) : null,
        }
      })
      topics.push({topic: entry.topic, partitions, lag: partitions.reduce((sum, p) => sum + (p.lag ?? Number(BigInt(p.logEndOffset))), 0)})
    }
    return {groupId, state: description?.state ?? 'Unknown', members: description?.members.length ?? 0, topics}
  }

  /** Committed offsets and their metadata strings for a group on one topic. */
  async committedOffsets(groupId: string, topic: string): Promise<Array<{partition: number; offset: string; metadata: string | null}>> {
    const result = await this.call(() => this.admin.fetchOffsets({groupId, topics: [topic]}), `read the offsets of group ${groupId}`)
    return (result[0]?.partitions ?? []).map((p) => ({partition: p.partition, offset: p.offset, metadata: p.metadata}))
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    if (groupIds.length === 0) return
    await this.call(() => this.admin.deleteGroups(groupIds), 'delete consumer groups').catch(() => undefined)
  }

  /**
   * Runs an admin request, asked again on retriable protocol errors (`retryProtocolErrors`) and, on a
   * cluster of several nodes, while a node cannot be reached (`NODE_FAILOVER_RETRY`, counted from the first
   * such failure of this client: the cluster answered when it connected). Each new ask is preceded by a
   * metadata request (of `topics`, or of the whole cluster): kafkajs keeps the leaders it knows for minutes, so
   * after a leader moved only a fresh view sends the request to the new one.
   */
  private async call<T>(work: () => Promise<T>, doing: string, topics?: string[]): Promise<T> {
    let attempts = 0
    const failover = this.nodes > 1
    try {
      return await retryProtocolErrors(
        async () => {
          if (attempts++ > 0) await this.admin.fetchTopicMetadata(topics ? {topics} : undefined).catch(() => undefined)
          return work()
        },
        {
          ...(failover ? NODE_FAILOVER_RETRY : PROTOCOL_RETRY),
          alsoRetriable: (error) => failover && isKafkaConnectionError(error) && this.awaitingFailover(),
        },
      )
    } catch (error) {
      const node = failover && isKafkaConnectionError(error) ? unreachableNode(error) : undefined
      if (node === undefined) throw toKafkaError(error, this.brokers, doing)
      throw new SstreamError('KAFKA_UNREACHABLE', `Kafka at ${this.brokers.join(',')} answers, but its node at ${node} does not, and after ${NODE_FAILOVER_RETRY.budgetMs / 1000} s what it held has no other leader: could not ${doing}.`, {
        cause: error,
        nextSteps: ['Start that node again, or check that the topics are replicated (`sstream status` lists their replication factor).'],
      })
    }
  }
}

/** The broker a kafkajs connection error names ("host:port"), looked for along its causes. */
function unreachableNode(error: unknown): string {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = current as {broker?: unknown; cause?: unknown; originalError?: unknown}
    if (typeof e.broker === 'string' && e.broker) return e.broker
    current = e.originalError ?? e.cause
  }
  return 'one of its nodes'
}

/**
 * kafkajs 2.2.4's fetchTopicOffsets fails with a TypeError ("Cannot destructure property 'partitions' of
 * 'high.pop(...)'") when its metadata names no leader for any partition of the topic, as while a cluster
 * elects leaders after a node restarted. That is Kafka's LEADER_NOT_AVAILABLE: retriable.
 */
export async function leaderlessAsRetriable<T>(topic: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof TypeError && /high\.pop/.test(error.message)) {
      // Shaped as kafkajs's protocol errors (no value import of kafkajs here: its patches must load it first).
      throw Object.assign(new Error(`No partition of ${topic} has a leader yet (an election is under way)`), {name: 'KafkaJSProtocolError', type: 'LEADER_NOT_AVAILABLE', code: 5, retriable: true, cause: error})
    }
    throw error
  }
}
