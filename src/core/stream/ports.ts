/**
 * The engine's ports: what the stream runtime needs from a log platform, defined here, where it is needed,
 * and implemented by src/core/kafka (kafka/stream-platform.ts), as src/core/mariadb and src/core/redis
 * implement the engine's StoreSink. src/core/stream imports nothing from src/core/kafka (a lint rule says so).
 *
 * Failures come through the ports already classified (SstreamError with a code and `retriable`): the engine
 * reads KAFKA_FENCED (another owner took the task's producer over) and KAFKA_REBALANCE (the group is
 * rebalancing), never a client's message.
 */
import type {InputRecord, OutputMessage} from './types.js'

export interface TopicPartition {
  topic: string
  partition: number
}

/** A batch of one partition's records, in offset order. */
export interface ConsumedBatch {
  topic: string
  partition: number
  records: readonly InputRecord[]
  /** The offset the fetch started at. */
  fetchedOffset: number
  /** The last offset in the batch, counting filtered transaction markers. */
  lastOffset: number
  highWatermark: number
}

export interface BatchControl {
  /** Marks every offset up to and including `offset` as processed, so that the next fetch starts after it. */
  resolve(offset: number): void
  heartbeat(): Promise<void>
  isRunning(): boolean
  /** A seek is pending for this partition: the batch was fetched from the old position. */
  isStale(): boolean
}

/** Fetch progress of a partition (also for batches that held only transaction markers). */
export interface PartitionProgress {
  topic: string
  partition: number
  firstOffset: number | null
  nextOffset: number
  highWatermark: number
  records: number
}

/** The group session timeout when none is given: a member that stops heartbeating leaves the group after it. */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000

export interface PartitionSourceOptions {
  groupId: string
  topics: Array<{topic: string; fromBeginning: boolean}>
  /** Default DEFAULT_SESSION_TIMEOUT_MS. */
  sessionTimeoutMs?: number
  /** Partitions processed at the same time within one fetch round. */
  concurrency?: number
  onBatch(batch: ConsumedBatch, control: BatchControl): Promise<void>
  /** After every (re)join, with this member's whole assignment. */
  onAssignment(partitions: TopicPartition[]): void
  onProgress?(progress: PartitionProgress): void
  /** The source hit an error; it restarts by itself. */
  onCrash?(error: unknown): void
  /** The run stops: a source still joining its group leaves it, and `startSource` returns without joining. */
  signal?: AbortSignal
}

/** A source of partitions: a consumer group member that hands out batches of the partitions it is assigned. */
export interface PartitionSource {
  /** The next fetch of this partition starts at `offset`. */
  seek(topic: string, partition: number, offset: number): void
  /** Stops fetching these topics until `resume` (the batch in hand finishes). */
  pause(topics: string[]): void
  resume(): void
  /** Stops fetching, waits for the batch in hand, leaves the group. */
  stop(): Promise<void>
}

/** A task's offset and checkpoint, committed with its messages. */
export interface TaskOffsets {
  groupId: string
  topic: string
  partition: number
  offset: number
  /** The task's checkpoint (its state), stored with the offset. */
  metadata: string
}

/** One task's producer: messages, offset and checkpoint in one transaction; fencing the previous owner when made. */
export interface TaskProducer {
  commit(messages: OutputMessage[], offsets?: TaskOffsets): Promise<void>
  disconnect(): Promise<void>
}

/** Offsets of a topic's partitions: the first still in the log (low) and the end (high), as decimal strings. */
export interface TopicBounds {
  topic: string
  partitions: Array<{partition: number; low: string; high: string}>
}

/** Reads committed offsets (with their checkpoints) and the bounds of the logs. */
export interface OffsetReader {
  /** The group's committed offset of every partition of `topic` (-1: none), with its metadata. */
  committedOffsets(groupId: string, topic: string): Promise<Array<{partition: number; offset: string; metadata: string | null}>>
  topicOffsets(topic: string): Promise<TopicBounds>
}

/** What topics refuse for a record's content. */
export interface TopicLimits {
  /** The largest message (key, value and framing, in bytes) each topic accepts; a topic without one is left out. */
  maxMessageBytes: Map<string, number>
  /** The topics that are compacted: they refuse a record without a key. */
  compacted: Set<string>
}

/** What the runtime asks of the platform's topics at start-up. */
export interface TopicCatalog {
  listTopics(): Promise<string[]>
  /** Partitions and replicas (of the first partition) per topic. */
  describe(topics: string[]): Promise<Map<string, {partitions: number; replicationFactor?: number}>>
  ensureTopics(specs: Array<{topic: string; partitions: number; replicationFactor: number}>): Promise<Array<{status: string; partitions: number}>>
  /** What each topic refuses for a record's content: larger messages, and (compacted) records without a key. */
  topicLimits(topics: string[]): Promise<TopicLimits>
  close(): Promise<void>
}

/** The log platform the runtime runs on (Kafka: src/core/kafka/stream-platform.ts). */
export interface StreamPlatform {
  /** Where the platform is, for messages (e.g. "localhost:9092"). */
  readonly address: string
  connectCatalog(): Promise<OffsetReader & TopicCatalog>
  startSource(options: PartitionSourceOptions): Promise<PartitionSource>
  /**
   * A task's producer with this transactional id; making it fences any previous one with the same id.
   * `messageLimits`: the largest record batch each output topic accepts (its requests stay within them).
   */
  connectProducer(transactionalId: string, messageLimits?: ReadonlyMap<string, number>): Promise<TaskProducer>
}
