/**
 * The stream engine's contracts: what a pipeline is made of (decode → event time → per-record stages and
 * one windowed aggregation → sinks), what the runtime reports while it runs (events), and how a run is
 * bounded and summarised. Pipelines (src/core/pipelines) are short compositions of these; the Kafka
 * runtime (runPipeline) and the broker-less test driver (TestDriver / runInMemory) both execute them.
 *
 * Keep this file small and stable: other pipelines are built on it.
 */
import type {StopReason} from '../stop.js'
import type {KafkaSecurity} from '../config/index.js'
import type {LatencyHistogram} from './latency.js'

/** One input record as the engine sees it: Kafka's wire types decoded, offsets as numbers. */
export interface InputRecord {
  topic: string
  partition: number
  offset: number
  /** The Kafka record timestamp, in ms since the epoch. */
  timestamp: number
  /** The key as UTF-8 text (bytes that are not UTF-8 read as U+FFFD: `keyBytes` has them as they are). */
  key: string | null
  /** The key's bytes (null: no key), where the record has them: a record read from Kafka. */
  keyBytes?(): Buffer | null
  /**
   * The value's bytes (null: no value). A record read from Kafka makes this view of the fetched bytes when it
   * is first asked for, and gives the same view after that: read it once, decode from it.
   */
  valueBytes(): Buffer | null
  /**
   * Reads the value where it lies, without a view: `read(bytes, start, end)` with the value in
   * `bytes[start, end)`, or `none` when the record has no value. For a decoder of small values (a score of a
   * few digits), which would otherwise make a Buffer view per record and keep it as long as the record.
   */
  readValue<T>(read: (bytes: Buffer, start: number, end: number) => T, none: T): T
}

/** An input record from its fields (the test driver's records, and records made outside a fetch). */
export function inputRecord(fields: {topic: string; partition: number; offset: number; timestamp: number; key: Buffer | string | null; value: Buffer | string | null}): InputRecord {
  const {topic, partition, offset, timestamp, key, value} = fields
  const bytes = value === null || Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8')
  return {
    topic,
    partition,
    offset,
    timestamp,
    key: Buffer.isBuffer(key) ? key.toString('utf8') : key,
    keyBytes: () => (key === null || Buffer.isBuffer(key) ? key : Buffer.from(key, 'utf8')),
    valueBytes: () => bytes,
    readValue: <T>(read: (bytes: Buffer, start: number, end: number) => T, none: T): T => (bytes === null ? none : read(bytes, 0, bytes.length)),
  }
}

/** Why a record went to the dead-letter topic (the `sstream-reason` header). */
export type DeadLetterReason =
  | 'malformed-json'
  | 'malformed-csv'
  | 'bad-timestamp'
  | 'bad-value'
  | 'missing-value'
  | 'late'
  /** A sink refused the result or record for its content (a MariaDB data error, a text the service refuses). */
  | 'rejected'
  /** The event time is further ahead of the wall clock than `--max-future`. */
  | 'future-timestamp'

/**
 * Thrown by `decode`, `eventTime` or a stage's `map` for a record that cannot be processed: the record is
 * dead-lettered with this reason and counted, and processing goes on.
 */
export class RecordError extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
    /** The field at fault, when one is (the dead letter's `sstream-field` header). */
    readonly field?: string,
  ) {
    super(message)
    this.name = 'RecordError'
  }
}

/**
 * A per-key, per-window aggregation. The accumulator must be plain JSON (it crosses the repartition topic
 * as a partial aggregate) and `merge` must be associative and commutative: partials computed on different
 * input partitions are merged in any order. The engine owns the accumulators: `add` and `merge` may
 * update their first argument in place and return it (no allocation per record).
 */
export interface Aggregator<In, Acc, Out> {
  init(): Acc
  add(acc: Acc, value: In): Acc
  merge(a: Acc, b: Acc): Acc
  result(acc: Acc): Out
}

/** A closed window's result for one key. Times in ms since the epoch; the window is [start, end). */
export interface WindowResult<Out> {
  windowStart: number
  windowEnd: number
  key: string
  value: Out
}

/** A Kafka message to write. Topic sinks' messages go out in the task's transaction with its offsets. */
export interface OutputMessage {
  topic: string
  key: string | null
  /** The key's bytes when they are not its UTF-8 text (a dead letter of a key that is not UTF-8): written instead. */
  keyBytes?: Buffer
  value: string | Buffer
  /** An explicit partition; the key's hash otherwise. */
  partition?: number
  headers?: Record<string, string>
}

/** Where a stage's items go. */
export type Sink<T> = TopicSink<T> | StoreSink<T>

/**
 * Items become Kafka messages written in the same transaction as the consumed offsets (exactly once,
 * visible to read_committed consumers).
 */
export interface TopicSink<T> {
  kind: 'topic'
  /** The output's name in events and counts: its topic, e.g. "streaming.alerts.critical". */
  name: string
  topic: string
  /** The message for an item, or null to write nothing for it (a filter, e.g. count > threshold). */
  toMessage(item: T): {key: string | null; value: string} | null
}

/** The services a run depends on, as named in `status` events. */
export type ServiceName = 'kafka' | 'mariadb' | 'redis' | 'sentiment'

/**
 * An external store (MariaDB, Redis). Writes happen before the offsets are committed, so a crash can
 * replay them: a store sink must be idempotent (upserts keyed by (window, key)), or store the consumed
 * position atomically with its data and report it through `storedPosition` (Redis MULTI/EXEC).
 */
export interface StoreSink<T> {
  kind: 'store'
  /** The output's name in events and counts, e.g. "order_summary". */
  name: string
  service: ServiceName
  /** Connects and checks the store; throws a clear SstreamError within 10 s when it is unreachable. */
  open(signal?: AbortSignal): Promise<void>
  /**
   * Writes the items of one batch. Throws on failure: the engine pauses the task, reports the outage,
   * retries with backoff and never commits past an unwritten item. Items the store refuses for their content
   * are not written and come back in `rejected` (indexes into `items`, with the store's message): the rest
   * is written. Void: all written.
   */
  write(items: T[], context: SinkWriteContext): Promise<SinkWriteResult | void>
  /**
   * For sinks that store the consumed position with their data: the next input offset this sink still
   * needs for a partition, or undefined when none is stored. Records below it that the task has seen before
   * are not written again; records below it that the task processes for the first time (the store's write
   * went through, the commit after it did not: a crash) are handed to `write` again, which must skip them
   * and report again in `rejected` those it refused then, so that their dead letters are committed once.
   */
  storedPosition?(topic: string, partition: number): Promise<number | undefined>
  close(): Promise<void>
}

/** What a store sink did not add from a write: indexes into the written items. */
export interface SinkWriteResult {
  /** Refused for their content (a rejection, not an outage). */
  rejected: Array<{index: number; message: string}>
  /**
   * Already held by the store (written before, the commit after it did not follow: a crash, a stop, a
   * fenced producer): not added again, and not counted as this run's outputs (the run that wrote them was).
   */
  skipped?: number[]
}

export interface SinkWriteContext {
  pipeline: string
  /** The partition the items come from (an input partition, or a repartition partition for windows). */
  topic: string
  partition: number
  /** The offset after the last record whose items are in this write: store it for `storedPosition`. */
  nextOffset: number
}

/** A stateless (or enriching) step applied to every decoded record: 0 or 1 item per record. */
export interface PerRecordStage<In, Out> {
  name: string
  /** The item for a record, or null for none (a filter). May be async (enrichment over HTTP). */
  map?(value: In, record: InputRecord): Out | null | Promise<Out | null>
  /**
   * Instead of `map`: the items of a batch's records at once (one call per batch and stage, no promise per
   * record), in order — each the item, null for none, or a RecordError that dead-letters that record. May be
   * async. Anything it throws is an outage: the whole call is retried.
   */
  mapBatch?(values: readonly In[], records: readonly InputRecord[]): Array<Out | null | RecordError> | Promise<Array<Out | null | RecordError>>
  /** How many async `map` calls may run at once within a partition; the output order is kept. Default 1. */
  concurrency?: number
  sink: Sink<Out>
}

/** Tumbling event-time windows aligned to the epoch, aggregated per key and emitted once, on close. */
export interface WindowStage<In, Acc, Out> {
  name: string
  sizeMs: number
  /** Allowed lateness: the watermark is the largest event time seen minus this. */
  latenessMs: number
  /** The grouping key (product, code, user). */
  key(value: In): string
  aggregator: Aggregator<In, Acc, Out>
  sink: Sink<WindowResult<Out>>
}

/** A pipeline: decode and event time, then per-record stages and/or one windowed aggregation. */
export interface PipelineDefinition<In = unknown> {
  /** e.g. "analytics"; names the repartition topic, transactional ids and dead-letter headers. */
  name: string
  inputTopic: string
  deadLetterTopic: string
  /** Decodes a record's value; throws RecordError (malformed-json, malformed-csv, ...) when it can't. */
  decode(record: InputRecord): In
  /** The event time in ms since the epoch; throws RecordError('bad-timestamp'). Default: the Kafka timestamp. */
  eventTime?(value: In, record: InputRecord): number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  perRecord?: Array<PerRecordStage<In, any>>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  window?: WindowStage<In, any, any>
}

// ---------------------------------------------------------------------------------------------------
// Events: what a run reports while it runs (--json NDJSON, the live view, tests).

export interface StartedEvent {
  type: 'started'
  pipeline: string
  groupId: string
  inputTopic: string
  /** The internal topic that re-keys partial aggregates by the grouping key (windowed pipelines). */
  repartitionTopic?: string
  outputs: string[]
  time: string
}

export interface AssignedEvent {
  type: 'assigned'
  pipeline: string
  partitions: Array<{topic: string; partition: number}>
  time: string
}

/** One item written to an output (a window result, a critical alert, a label...). */
export interface ResultEvent {
  type: 'result'
  pipeline: string
  /** The sink's name. */
  output: string
  key: string | null
  value: unknown
  /** For window results, ISO times. */
  window?: {start: string; end: string}
  /** For topic sinks, the message as written. */
  message?: {topic: string; key: string | null; value: string}
  /** For per-record results, where the input record came from. */
  source?: {topic: string; partition: number; offset: number}
}

export interface DeadLetterEvent {
  type: 'deadletter'
  pipeline: string
  reason: DeadLetterReason
  topic: string
  partition: number
  offset: number
  message: string
}

export interface StatusEvent {
  type: 'status'
  pipeline: string
  service: ServiceName
  state: 'ok' | 'down'
  message: string
  time: string
}

export interface PartitionStats {
  topic: string
  partition: number
  /** Records behind the log end, from the last lag check (null until known). */
  lag: number | null
  /** The next offset to read: everything below it has been read (absent until known). `sstream status` shows it. */
  position?: number
  /** This partition's watermark (input partitions) or the merged watermark (repartition partitions), ISO. */
  watermark: string | null
  openWindows: number
  idle: boolean
}

export interface StatsEvent {
  type: 'stats'
  pipeline: string
  time: string
  elapsedMs: number
  recordsIn: number
  recordsOut: number
  /** Results written so far, per output (the sink's name): `recordsOut` split as the summary splits it. */
  outputs: Record<string, number>
  /** Records in per second since the previous stats event. */
  rate: number
  deadLettered: number
  late: number
  /** Records whose event time was beyond --max-future (dead-lettered `future-timestamp`). */
  future: number
  /**
   * The watermark, ISO: the smallest merged watermark over this process's windowed partitions that hold it
   * back (an idle one with no open window does not); null while no window could close yet, and in a run that
   * read no valid event time, or in a pipeline without windows.
   */
  watermark: string | null
  openWindows: number
  lag: number | null
  partitions: PartitionStats[]
  /** Mean time to write a batch to the sinks (ms) since the previous stats event, null if none. */
  sinkLatencyMs: number | null
  /** Mean time from a window's end (event time) to its result being committed (ms), null if none. */
  endToEndLatencyMs: number | null
  /**
   * The sink writes' and the end-to-end latencies since the previous stats event, as histograms over
   * LATENCY_BUCKETS_MS (what the Prometheus endpoint's histograms are built from).
   */
  latency?: {sinkWriteMs: LatencyHistogram; endToEndMs: LatencyHistogram}
}

/**
 * The windows this process still holds open, with the result of what it has aggregated so far (stage-1
 * accumulators and stage-2 partials merged), newest last; emitted next to each `stats` event by windowed
 * pipelines, for the live view. Not final: a window's result is the `result` event when it closes.
 */
export interface OpenWindowsEvent {
  type: 'open-windows'
  pipeline: string
  time: string
  windows: Array<{key: string; window: {start: string; end: string}; value: unknown}>
}

export type PipelineEvent = StartedEvent | AssignedEvent | ResultEvent | DeadLetterEvent | StatusEvent | StatsEvent | OpenWindowsEvent

// ---------------------------------------------------------------------------------------------------
// Running a pipeline.

/**
 * Pauses and resumes consumption (the live view's `p`). While paused nothing new is fetched (the batch in
 * hand finishes); the idle rules and --until-idle see a quiet input. `PauseGate` (src/core/async.ts) is one.
 */
export interface PauseControl {
  readonly isPaused: boolean
  /** Called on every change; returns the unsubscribe function. */
  onChange(listener: (paused: boolean) => void): () => void
}

export interface RunOptions {
  brokers: string[]
  /** Kafka TLS and SASL (plaintext when absent). */
  security?: KafkaSecurity
  /** Default `sstream-<pipeline>`. */
  groupId: string
  /** Where a new group starts on the input topic. Default earliest. */
  from?: 'earliest' | 'latest'
  /** A partition with no records for this long, while caught up, is idle. Default 5000. */
  idleTimeoutMs?: number
  /** Stop once every assigned partition is caught up and idle and the last windows are flushed. */
  untilIdle?: boolean
  /** Stop after this long. */
  durationMs?: number
  /** Stops the run gracefully: stop fetching, finish the batch in hand, commit, disconnect. */
  signal?: AbortSignal
  onEvent?: (event: PipelineEvent) => void
  /** Also sees every event, before `onEvent` (the metrics endpoint): whoever replaces `onEvent` keeps it. */
  observe?: (event: PipelineEvent) => void
  /**
   * A `result` event for every item a per-record store sink writes (a board's points). Off by default: a board
   * is read from its store, and what a run wrote is counted in the stats' and the summary's `outputs`. Window
   * results and topic messages are always reported.
   */
  storeItemResults?: boolean
  /** How often `stats` events are emitted. Default 5000. */
  statsIntervalMs?: number
  /** Kafka consumer group session timeout. Default 10000. */
  sessionTimeoutMs?: number
  clientId?: string
  /** Pauses and resumes consumption while the run goes on. */
  pause?: PauseControl
  /**
   * Windowed pipelines: an event time more than this far ahead of the wall clock is dead-lettered
   * (`future-timestamp`) instead of moving the watermark, so that one wrong clock cannot close every window.
   * Default 3 600 000 (1 hour, the bound Kafka puts on record timestamps); null: no bound.
   */
  maxFutureMs?: number | null
}

/** The default --max-future: 1 hour, as Kafka's own bound on how far ahead a record's timestamp may be. */
export const DEFAULT_MAX_FUTURE_MS = 3_600_000

/** Why a run stopped, in the one vocabulary of src/core/stop.ts. */
export type RunStopReason = Extract<StopReason, 'until-idle' | 'duration' | 'signal'>

export interface RunSummary {
  pipeline: string
  groupId: string
  stoppedBy: RunStopReason
  elapsedMs: number
  recordsIn: number
  recordsOut: number
  deadLettered: number
  late: number
  /** Records whose event time was beyond --max-future (dead-lettered `future-timestamp`). */
  future: number
  /** Items written per output (sink name). */
  outputs: Record<string, number>
  /** The last watermark of the stats (StatsEvent.watermark), ISO; null if it never had one (no valid event time was read, or no windows). */
  watermark: string | null
}
