/**
 * A consumer-group member for the stream engine: batches per topic-partition, no automatic offset
 * commits (the engine commits offsets in its own transactions; not even after an out-of-range fetch, see
 * offset-reset.ts), read_committed, assignment callbacks
 * (kafkajs has no revoke callback: the engine compares assignments), and per-partition fetch progress
 * including batches that held only transaction markers, so that "caught up" can be known.
 */
import type {Consumer, EachBatchPayload, Kafka} from 'kafkajs'

import {DEFAULT_KAFKA_PORT, parseHostPort} from '../address.js'
import type {KafkaSecurity} from '../config/index.js'
import {tightenHeapGrowth} from '../heap.js'
import {DEFAULT_SESSION_TIMEOUT_MS, type BatchControl, type TopicPartition} from '../stream/ports.js'
import {toKafkaError, withKafkaDeadline} from './client.js'
import {FetchedRecord} from './kafkajs/fetch-decoder.js'
import {abandonJoins, joiningMembers} from './kafkajs/join-group.js'
import {API, decodeFindCoordinatorResponse, decodeLeaveGroupResponse, encodeFindCoordinatorRequest, encodeLeaveGroupRequest} from './protocol/protocol.js'
import {BrokerConnection} from './protocol/wire.js'
import {kafkaClientSettings} from './settings.js'

/** One record, decoded from kafkajs's wire types. */
export interface ConsumedRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly timestamp: number
  readonly key: string | null
  /** The value's bytes (null: no value), a view made when first asked for. */
  valueBytes(): Buffer | null
  /** The value read where it lies, without a view (`none`: no value). */
  readValue<T>(read: (bytes: Buffer, start: number, end: number) => T, none: T): T
}

const NO_BYTES = Buffer.alloc(0)

type KafkajsMessage = {offset: string; timestamp: string; key?: Buffer | null; value: Buffer | null; headers?: object; batchContext?: object}

/**
 * A fetched partition's messages as records: those of sstream's fetch decoder are records already; those of
 * kafkajs's own decoder (an old message format, offsets beyond 2^53) are converted.
 */
export function toConsumedRecords(topic: string, partition: number, messages: readonly unknown[]): readonly ConsumedRecord[] {
  if (messages.every((m) => m instanceof FetchedRecord)) return messages as readonly FetchedRecord[]
  return messages.map((m) => {
    if (m instanceof FetchedRecord) return m
    const {offset, timestamp, key, value, headers, batchContext} = m as KafkajsMessage
    const keyLength = key ? key.length : -1
    const bytes = key || value ? Buffer.concat([key ?? NO_BYTES, value ?? NO_BYTES]) : NO_BYTES
    const record = new FetchedRecord(Number(offset), Number(timestamp), 0, bytes, 0, keyLength, Math.max(0, keyLength), value ? value.length : -1, (headers ?? {}) as never, batchContext as never)
    record.topic = topic
    record.partition = partition
    return record
  })
}

export interface ConsumedBatch {
  topic: string
  partition: number
  records: readonly ConsumedRecord[]
  /** The offset the fetch started at. */
  fetchedOffset: number
  /** The last offset in the batch, counting filtered transaction markers. */
  lastOffset: number
  highWatermark: number
}

export type {BatchControl, TopicPartition} from '../stream/ports.js'

/**
 * What one fetch may bring, per partition and in all (the broker still returns a whole record batch larger
 * than these). The fetched records point into the fetch response, and the engine pipelines one batch behind
 * the one in progress per partition, so these bound the bytes a processor holds: with 8 MiB per partition
 * and 64 MiB per fetch, a processor over a preloaded topic peaked at 0.3 – 0.65 GiB RSS; with these, most
 * stay within 200 MiB at the same CPU per record (docs/benchmarks.md).
 */
export const FETCH_MAX_BYTES_PER_PARTITION = 256 * 1024
export const FETCH_MAX_BYTES = 1024 * 1024

/** Options of the group consumer: the Kafka implementation of the engine's partition source (src/core/stream/ports.ts). */
export interface GroupConsumerOptions {
  kafka: Kafka
  brokers: string[]
  security?: KafkaSecurity
  groupId: string
  topics: Array<{topic: string; fromBeginning: boolean}>
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  /** Aborted while the first join waits: the member leaves the group and `start` returns without joining. */
  signal?: AbortSignal
  maxBytesPerPartition?: number
  /** Partitions processed at the same time within one fetch round. */
  concurrency?: number
  onBatch(batch: ConsumedBatch, control: BatchControl): Promise<void>
  /** After every (re)join, with this member's whole assignment. */
  onAssignment(partitions: TopicPartition[]): void
  /** Fetch progress of a partition (also for batches that held only transaction markers). */
  onProgress?(progress: {topic: string; partition: number; firstOffset: number | null; nextOffset: number; highWatermark: number; records: number}): void
  /** The consumer hit an error; it restarts by itself. */
  onCrash?(error: unknown): void
}

/** The topics paused by `GroupConsumer.pause`, re-applied after every join (kafkajs forgets them when it restarts). */
interface PauseState {
  topics: string[]
}

/** Whether `stop` was called (read by kafkajs's restart-after-crash decision). */
interface LifeState {
  stopped: boolean
}

export class GroupConsumer {
  private constructor(
    private readonly consumer: Consumer,
    private readonly brokers: string[],
    private readonly paused: PauseState,
    private readonly life: LifeState,
  ) {}

  /** Joins the group and starts consuming. Connection problems become KAFKA_UNREACHABLE within seconds. */
  static async start(options: GroupConsumerOptions): Promise<GroupConsumer> {
    // A group member streams at full speed over a backlog: keep V8's heap close to what it holds (heap.ts).
    tightenHeapGrowth()
    const sessionTimeout = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS
    const life: LifeState = {stopped: false}
    const consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 30_000),
      heartbeatInterval: options.heartbeatIntervalMs ?? Math.max(500, Math.floor(sessionTimeout / 5)),
      maxBytesPerPartition: options.maxBytesPerPartition ?? FETCH_MAX_BYTES_PER_PARTITION,
      maxBytes: FETCH_MAX_BYTES,
      maxWaitTimeInMs: 500,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      // kafkajs restarts a consumer that crashed on a retriable error (a broker gone) after a delay; once
      // stopped it must not: a restart scheduled after `stop` would reconnect forever and keep the process
      // alive. retries: kafkajs's own default for the consumer.
      retry: {retries: 5, restartOnFailure: async () => !life.stopped},
    })
    const {GROUP_JOIN, END_BATCH_PROCESS, CRASH} = consumer.events
    const paused: PauseState = {topics: []}
    consumer.on(GROUP_JOIN, ({payload}) => {
      if (paused.topics.length > 0) pauseTopics(consumer, paused.topics)
      const partitions: TopicPartition[] = []
      for (const [topic, list] of Object.entries(payload.memberAssignment)) for (const partition of list) partitions.push({topic, partition})
      options.onAssignment(partitions)
    })
    if (options.onProgress) {
      const onProgress = options.onProgress
      consumer.on(END_BATCH_PROCESS, ({payload}) => {
        onProgress({
          topic: payload.topic,
          partition: payload.partition,
          firstOffset: payload.firstOffset === null ? null : Number(payload.firstOffset),
          nextOffset: Number(payload.lastOffset) + 1,
          highWatermark: Number(payload.highWatermark),
          records: payload.batchSize,
        })
      })
    }
    if (options.onCrash) {
      const onCrash = options.onCrash
      consumer.on(CRASH, ({payload}) => {
        if (!life.stopped) onCrash(payload.error)
      })
    }
    await withKafkaDeadline(options.brokers, () => consumer.connect(), {doing: 'join the consumer group'})
    // Stopped before the first join is done: kafkajs would not leave the group (join-group.ts). Its joins are
    // abandoned and its pending JoinGroup withdrawn with a LeaveGroup; `run` then returns, unjoined.
    let started = false
    let releaseJoins: (() => void) | undefined
    const onAbort = (): void => {
      if (started) return
      life.stopped = true
      releaseJoins = abandonJoins(options.groupId)
      void leavePendingJoins(options, joiningMembers(options.groupId))
    }
    if (options.signal?.aborted) onAbort()
    else options.signal?.addEventListener('abort', onAbort, {once: true})
    try {
      for (const {topic, fromBeginning} of options.topics) await consumer.subscribe({topics: [topic], fromBeginning})
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrency ?? 6,
        eachBatch: async (payload: EachBatchPayload) => {
          const {batch} = payload
          const records = toConsumedRecords(batch.topic, batch.partition, batch.messages)
          const fetched = (batch as unknown as {fetchedOffset?: string}).fetchedOffset
          await options.onBatch(
            {
              topic: batch.topic,
              partition: batch.partition,
              records,
              fetchedOffset: Number(fetched ?? batch.firstOffset() ?? batch.lastOffset()),
              lastOffset: Number(batch.lastOffset()),
              highWatermark: Number(batch.highWatermark),
            },
            {
              resolve: (offset) => payload.resolveOffset(String(offset)),
              heartbeat: () => payload.heartbeat(),
              isRunning: () => payload.isRunning(),
              isStale: () => payload.isStale(),
            },
          )
        },
      })
    } catch (error) {
      life.stopped = true
      await consumer.disconnect().catch(() => undefined)
      throw toKafkaError(error, options.brokers, 'subscribe')
    } finally {
      started = true
      options.signal?.removeEventListener('abort', onAbort)
      releaseJoins?.()
    }
    return new GroupConsumer(consumer, options.brokers, paused, life)
  }

  /** Stops fetching these topics until `resume` (the batch in hand finishes), across rejoins and restarts. */
  pause(topics: string[]): void {
    this.paused.topics = [...topics]
    pauseTopics(this.consumer, topics)
  }

  /** Fetches the paused topics again, from where they stopped. */
  resume(): void {
    const topics = this.paused.topics
    this.paused.topics = []
    try {
      this.consumer.resume(topics.map((topic) => ({topic})))
    } catch {
      // Not running (restarting after a crash): the next join starts unpaused.
    }
  }

  /** The next fetch of this partition starts at `offset`. */
  seek(topic: string, partition: number, offset: number): void {
    try {
      this.consumer.seek({topic, partition, offset: String(offset)})
    } catch (error) {
      throw toKafkaError(error, this.brokers, 'seek')
    }
  }

  /** Stops fetching, waits for the batch in hand, leaves the group. */
  async stop(): Promise<void> {
    this.life.stopped = true
    await this.consumer.disconnect().catch(() => undefined)
  }
}

/** How long the LeaveGroup of a consumer stopped while it joins may take (the process ends within 10 s of a signal). */
const LEAVE_TIMEOUT_MS = 3000

/**
 * Sends LeaveGroup for members whose JoinGroup is pending, on a connection of its own (the coordinator answers
 * a connection's requests in order, and the pending JoinGroup holds kafkajs's). Best effort: a member that
 * cannot be removed is removed by the coordinator when its session times out, as before.
 */
async function leavePendingJoins(options: Pick<GroupConsumerOptions, 'brokers' | 'security' | 'groupId'>, memberIds: string[]): Promise<void> {
  if (memberIds.length === 0) return
  const {tls, sasl} = kafkaClientSettings(options.security)
  const settings = {...(tls ? {tls} : {}), ...(sasl ? {sasl} : {}), clientId: 'sstream', timeoutMs: LEAVE_TIMEOUT_MS}
  for (const broker of options.brokers) {
    const connections: BrokerConnection[] = []
    try {
      const bootstrap = await BrokerConnection.connect(parseHostPort(broker, DEFAULT_KAFKA_PORT), settings)
      connections.push(bootstrap)
      const found = decodeFindCoordinatorResponse(await bootstrap.request(API.findCoordinator, 0, [encodeFindCoordinatorRequest(options.groupId)], LEAVE_TIMEOUT_MS))
      if (found.error !== 0) continue
      const coordinator = await BrokerConnection.connect({host: found.host, port: found.port}, settings)
      connections.push(coordinator)
      for (const memberId of memberIds) {
        decodeLeaveGroupResponse(await coordinator.request(API.leaveGroup, 0, [encodeLeaveGroupRequest(options.groupId, memberId)], LEAVE_TIMEOUT_MS))
      }
      return
    } catch {
      // The next broker, if any.
    } finally {
      for (const connection of connections) connection.close()
    }
  }
}

function pauseTopics(consumer: Consumer, topics: string[]): void {
  try {
    consumer.pause(topics.map((topic) => ({topic})))
  } catch {
    // Not running (restarting after a crash): re-applied when it rejoins.
  }
}
