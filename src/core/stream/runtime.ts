/**
 * The Kafka runtime: runs a pipeline definition in a consumer group with one task per assigned
 * partition — stage 1 (SourceTask) per input partition, stage 2 (MergeTask) per partition of the
 * repartition topic — each with its own transactional producer. Per batch: the task computes its outputs,
 * store sinks are written (retried through outages), then the messages and the task's checkpoint (offset
 * + metadata) are committed in one transaction. Any failure resets the task to its last commit and the
 * consumer replays from there. See README.md.
 */
import {Backoff, settlesWithin, sleep} from '../async.js'
import {BugError, errorMessage, SstreamError} from '../errors.js'
import type {Checkpoint} from './checkpoint.js'
import {IdleEvidence} from './idle-evidence.js'
import {failureKind, serviceOf} from './outage-policy.js'
import {DEFAULT_SESSION_TIMEOUT_MS, type BatchControl, type ConsumedBatch, type OffsetReader, type PartitionSource, type StreamPlatform, type TaskProducer, type TopicBounds, type TopicCatalog, type TopicLimits, type TopicPartition} from './ports.js'
import {repartitionTopicName} from './repartition.js'
import {RunMetrics} from './run-metrics.js'
import type {Task, TaskContext} from './task.js'
import {commitOutput, isStoreOnly, restoreTask, type PartitionBounds} from './task-host.js'
import {emptyOutput, fitDeadLetters, forEachResult, refuseUnfit, type StoreWrite, type TaskOutput} from './task-output.js'
import {DEFAULT_MAX_FUTURE_MS, type PartitionStats, type PipelineDefinition, type PipelineEvent, type RunOptions, type RunSummary, type ServiceName, type RunStopReason} from './types.js'
import {UntilIdle} from './until-idle.js'
import {isoOrNull} from './windows.js'
import {createTopicsCommand} from '../names.js'

interface Slot {
  kind: 'source' | 'merge'
  topic: string
  partition: number
  task?: Task
  producer?: TaskProducer
  /** Serialises all work of the task: batches, idle steps, ticks. */
  queue: Promise<void>
  pending: number
  closed: boolean
  /** Batches received before the last seek of this slot are dropped. */
  seekSequence: number
  /** The restart point the consumer was sent back to (once per initialisation). */
  soughtTo?: number
  /** Another producer fenced this one: wait for the next assignment before taking the partition again. */
  fenced: boolean
  /** When it was fenced: without a rebalance for FENCED_WAIT_MS, the partition is taken again. */
  fencedAt: number
  backoffMs: number
  retryAt: number
  lastRecordAt: number
  /**
   * Where the consumer first read this partition (the first batch's offset), for a task with nothing committed
   * that starts again after a failure with --from latest: the records of its first transaction are read again.
   */
  firstFetched?: number
  /** Fetch progress: next offset the consumer will fetch, and the partition's high watermark. */
  fetchedUpTo?: number
  /**
   * The read position that stats report (and `status` after the run): the end of the last batch processed
   * and completed, so that records fetched but held up (an outage holds their batch) count as lag, not as read.
   */
  doneUpTo?: number
  highWatermark?: number
  /** What the broker confirmed, without a break, about this partition standing at its log end. */
  evidence: IdleEvidence
  /** The checkpoint known committed last (restored, or committed by this process). */
  lastCommitted?: Checkpoint
  /**
   * An output whose transaction failed on the client's side after it was sent: the broker may have committed
   * it all the same (its answer lost with a broker or a connection). Settled when the task starts again.
   */
  inDoubt?: {out: TaskOutput; checkpoint: Checkpoint}
}

/** How long the graceful stop may take before what is still running is left behind (see `shutdown`). */
const SHUTDOWN_BUDGET_MS = 5000

/**
 * After the broker's answers broke off (a crash, an outage, a rebalance), idleness waits this much longer:
 * the time for producers that buffered records through the outage to reconnect and send them. It covers
 * a client that backs off up to 12 s between tries (sstream's own running clients: 10 s + 20 % jitter;
 * Java producers back off 1 s at most) and its reconnect. A producer that comes back later than this finds
 * its windows closed by the wall clock, and its records are late.
 */
const GRACE_AFTER_OUTAGE_MS = 20_000

/** A fenced task waits this long for the rebalance that gives its partition to another member (longer than a rebalance takes). */
const FENCED_WAIT_MS = 45_000

/** The newest open windows shown in an `open-windows` event. */
const OPEN_WINDOWS_SHOWN = 60

class StopRequested extends Error {
  constructor() {
    super('The run is stopping.')
    this.name = 'StopRequested'
  }
}

const tracing = process.env.SSTREAM_DEBUG === 'engine' || process.env.SSTREAM_DEBUG === '*'
/** SSTREAM_DEBUG=engine: a trace of the tasks' lifecycle on stderr, for diagnosing a stuck run. */
const trace = (message: string): void => {
  if (tracing) process.stderr.write(`[engine ${new Date().toISOString()}] ${message}\n`)
}

/** Runs a pipeline definition on a log platform (Kafka: src/core/pipelines/run.ts) until it stops. */
export async function runStream(definition: PipelineDefinition<any>, options: RunOptions, platform: StreamPlatform): Promise<RunSummary> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const runtime = new Runtime(definition, options, platform)
  return runtime.run()
}

class Runtime {
  private readonly emit: (event: PipelineEvent) => void
  private readonly idleTimeoutMs: number
  private readonly untilIdle: UntilIdle
  private readonly statsIntervalMs: number
  /** How often the log-end offsets are read (for lag, and as fresh facts for idleness). */
  private readonly offsetsPollMs: number
  private readonly repartitionTopic: string | undefined
  private readonly slots = new Map<string, Slot>()
  private readonly startedAt = Date.now()
  private admin!: OffsetReader & TopicCatalog
  private consumer: PartitionSource | undefined
  private inputPartitions = 0
  /** The input topic's replicas: the repartition topic gets as many (on a cluster it must survive a node down). */
  private inputReplicas = 1
  private stopping = false
  private stopReason: RunStopReason = 'signal'
  /** Aborted when the run stops (any reason), for a source still joining its group. */
  private readonly stopSignal = new AbortController()
  private fatal: unknown
  private resolveStop!: () => void
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStop = resolve))
  private joinedAt: number | undefined
  /** Orders batch receipts and seeks. */
  private sequence = 0
  private readonly down = new Map<ServiceName, string>()
  private readonly metrics = new RunMetrics()
  private lastWatermark: string | null = null
  private readonly storeSinks
  private unwatchPause: (() => void) | undefined
  /** The output topics' max.message.bytes. */
  private messageLimits = new Map<string, number>()
  /** The output topics (and dead-letter topic) that are compacted. */
  private compactedOutputs = new Set<string>()

  constructor(
    private readonly definition: PipelineDefinition<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    private readonly options: RunOptions,
    private readonly platform: StreamPlatform,
  ) {
    const {onEvent, observe} = options
    this.emit = observe ? (event) => (observe(event), onEvent?.(event)) : (onEvent ?? (() => undefined))
    this.idleTimeoutMs = options.idleTimeoutMs ?? 5000
    this.untilIdle = new UntilIdle(this.idleTimeoutMs, Boolean(definition.window), options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS)
    this.statsIntervalMs = options.statsIntervalMs ?? 5000
    this.offsetsPollMs = Math.min(this.statsIntervalMs, 2000)
    this.repartitionTopic = definition.window ? repartitionTopicName(options.groupId, definition.name) : undefined
    const sinks = [...(definition.perRecord ?? []).map((s) => s.sink), ...(definition.window ? [definition.window.sink] : [])]
    this.storeSinks = [...new Set(sinks.filter((s) => s.kind === 'store'))]
  }

  async run(): Promise<RunSummary> {
    const {options, definition} = this
    if (options.signal?.aborted) throw new SstreamError('INTERRUPTED', 'Interrupted before the start.')
    await this.startUp()
    const timers: NodeJS.Timeout[] = []
    const onAbort = (): void => this.stop('signal')
    options.signal?.addEventListener('abort', onAbort, {once: true})
    try {
      this.emit({
        type: 'started',
        pipeline: definition.name,
        groupId: options.groupId,
        inputTopic: definition.inputTopic,
        ...(this.repartitionTopic ? {repartitionTopic: this.repartitionTopic} : {}),
        outputs: this.outputNames(),
        time: new Date().toISOString(),
      })
      const topics = [{topic: definition.inputTopic, fromBeginning: (options.from ?? 'earliest') === 'earliest'}]
      if (this.repartitionTopic) topics.push({topic: this.repartitionTopic, fromBeginning: true})
      this.consumer = await this.platform.startSource({
        groupId: options.groupId,
        topics,
        ...(options.sessionTimeoutMs ? {sessionTimeoutMs: options.sessionTimeoutMs} : {}),
        concurrency: Math.max(2, this.inputPartitions * (this.repartitionTopic ? 2 : 1)),
        signal: this.stopSignal.signal,
        onBatch: (batch, control) => this.onBatch(batch, control),
        onAssignment: (partitions) => this.onAssignment(partitions),
        onProgress: (p) => {
          // A batch with records was reported when it was received (onBatch). Its end may come long after the
          // fetch (it waits behind a commit that an outage holds up), and the log end it carries is then no
          // fresh answer of the broker.
          if (p.records > 0) return
          this.onProgress(p.topic, p.partition, p.nextOffset, p.highWatermark)
          if (p.firstOffset !== null) this.onMarkersOnly(p.topic, p.partition, p.firstOffset, p.nextOffset)
        },
        onCrash: (error) => {
          trace(`consumer crashed: ${errorMessage(error)}`)
          this.forgetIdleEvidence()
          this.reportDown('kafka', error)
        },
      })
      this.watchPause()
      const tick = Math.max(100, Math.min(1000, Math.floor(this.idleTimeoutMs / 4)))
      timers.push(setInterval(() => this.onTick(), tick))
      timers.push(setInterval(() => this.emitStats(), this.statsIntervalMs))
      timers.push(setInterval(() => void this.pollOffsets(), this.offsetsPollMs))
      if (options.durationMs !== undefined) timers.push(setTimeout(() => this.stop('duration'), options.durationMs))
      void this.pollOffsets()
      await this.stopped
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
      for (const timer of timers) clearInterval(timer)
      await this.shutdown()
    }
    if (this.fatal) throw this.fatal
    this.emitStats()
    return {
      pipeline: definition.name,
      groupId: options.groupId,
      stoppedBy: this.stopReason,
      elapsedMs: Date.now() - this.startedAt,
      ...this.metrics.totals,
      watermark: this.lastWatermark,
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Start-up and shut-down

  /** Checks every service the pipeline needs, within 10 s, with a clear error for the first that fails. */
  private async startUp(): Promise<void> {
    const {definition, options} = this
    const kafkaCheck = (async () => {
      this.admin = await this.platform.connectCatalog()
      const needed = [definition.inputTopic, definition.deadLetterTopic, ...this.outputTopics()]
      const existing = new Set(await this.admin.listTopics())
      const missing = (topic: string): SstreamError => {
        const what = topic === definition.deadLetterTopic ? 'dead-letter topic' : 'topic'
        const flag = topic === definition.deadLetterTopic ? '--deadletter-topic' : 'the command’s topic flags'
        return new SstreamError('TOPIC_MISSING', `The ${what} ${topic} does not exist on Kafka at ${this.platform.address}.`, {
          nextSteps: [`Create it with ${createTopicsCommand([topic])},`, `or name another topic with ${flag}.`],
        })
      }
      // Each missing topic is named (a description fails as a whole when one is missing).
      for (const topic of new Set(needed)) if (!existing.has(topic)) throw missing(topic)
      const described = await this.admin.describe([...new Set(needed)]).catch(() => new Map<string, {partitions: number; replicationFactor?: number}>())
      for (const topic of new Set(needed)) if (!described.has(topic)) throw missing(topic)
      // What each output topic and the dead-letter topic accept: a larger output is dead-lettered and a larger dead
      // letter cut, not retried forever; the producers keep their requests within them.
      // A compacted topic refuses a record without a key: such an output is dead-lettered. A compacted dead-letter
      // topic would refuse the dead letters of records without a key, and keep only the last of each key.
      const limits = await this.admin.topicLimits([...this.outputTopics(), definition.deadLetterTopic]).catch((): TopicLimits => ({maxMessageBytes: new Map(), compacted: new Set()}))
      this.messageLimits = limits.maxMessageBytes
      this.compactedOutputs = limits.compacted
      if (this.compactedOutputs.has(definition.deadLetterTopic)) {
        throw new SstreamError('TOPIC_MISMATCH', `The dead-letter topic ${definition.deadLetterTopic} is compacted (cleanup.policy compact): it would refuse the dead letters of records without a key and keep only the last of each key.`, {
          nextSteps: [
            `Set its cleanup.policy to delete (kafka-configs.sh --bootstrap-server ${this.platform.address} --alter --entity-type topics --entity-name ${definition.deadLetterTopic} --add-config cleanup.policy=delete),`,
            'or name another dead-letter topic with --deadletter-topic.',
          ],
        })
      }
      this.inputPartitions = described.get(definition.inputTopic)!.partitions
      this.inputReplicas = Math.max(1, described.get(definition.inputTopic)!.replicationFactor ?? 1)
    })()
    const sinkChecks = this.storeSinks.map((sink) => sink.open(options.signal))
    const results = await Promise.allSettled([kafkaCheck, ...sinkChecks])
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure) {
      await this.admin?.close()
      await Promise.all(this.storeSinks.map((s) => s.close().catch(() => undefined)))
      throw failure.reason
    }
    // Every service answers: create the internal topic (only now, so that a failed start leaves nothing).
    try {
      if (this.repartitionTopic) {
        const [report] = await this.admin.ensureTopics([{topic: this.repartitionTopic, partitions: this.inputPartitions, replicationFactor: this.inputReplicas}])
        if (report.status === 'mismatch' && report.partitions !== this.inputPartitions) {
          throw new SstreamError('TOPIC_MISMATCH', `The internal topic ${this.repartitionTopic} has ${report.partitions} partitions; the input topic has ${this.inputPartitions}.`, {
            nextSteps: [`Delete ${this.repartitionTopic} (it holds only in-flight partial aggregates) or use another --group-id.`],
          })
        }
      }
    } catch (error) {
      await this.admin.close()
      await Promise.all(this.storeSinks.map((s) => s.close().catch(() => undefined)))
      throw error
    }
  }

  private outputTopics(): string[] {
    const sinks = [...(this.definition.perRecord ?? []).map((s) => s.sink), ...(this.definition.window ? [this.definition.window.sink] : [])]
    return sinks.flatMap((s) => (s.kind === 'topic' ? [s.topic] : []))
  }

  private outputNames(): string[] {
    const sinks = [...(this.definition.perRecord ?? []).map((s) => s.sink), ...(this.definition.window ? [this.definition.window.sink] : [])]
    return sinks.map((s) => s.name)
  }

  private stop(reason: RunStopReason): void {
    if (this.stopping) return
    this.stopping = true
    this.stopReason = reason
    this.resolveStop()
    // A stop during the first join: the source leaves the group instead of finishing the join.
    this.stopSignal.abort()
  }

  private fail(error: unknown): void {
    if (!this.fatal) this.fatal = error instanceof Error ? error : new BugError(errorMessage(error))
    this.stop('signal')
  }

  /**
   * Stop fetching, let the batches in hand finish, disconnect. Bounded: a broker that is gone or a
   * coordinator that moves can hold a step (a leave-group, a commit, a reconnect) for as long as it lasts, and
   * the process must end within 10 s of the signal (SPEC §4). A step cut short commits nothing more: what
   * was not committed is read again by the next run.
   */
  private async shutdown(): Promise<void> {
    this.stopping = true
    this.unwatchPause?.()
    const deadline = Date.now() + SHUTDOWN_BUDGET_MS
    trace(`shutdown (${this.stopReason})`)
    const step = async (what: string, work: Promise<unknown> | undefined): Promise<void> => {
      if (!(await settlesWithin(work, deadline - Date.now()))) trace(`shutdown: ${what} did not finish in time; left behind`)
    }
    await step('the consumer', this.consumer?.stop())
    await step('the tasks', Promise.all([...this.slots.values()].map((slot) => slot.queue)))
    await step('the producers', Promise.all([...this.slots.values()].map((slot) => slot.producer?.disconnect())))
    await step('the admin client', this.admin?.close())
    await step('the store sinks', Promise.all(this.storeSinks.map((s) => s.close().catch(() => undefined))))
  }

  /** `options.pause`: no fetching of the input and repartition topics while paused; the batch in hand finishes. */
  private watchPause(): void {
    const {pause} = this.options
    if (!pause) return
    const topics = [this.definition.inputTopic, ...(this.repartitionTopic ? [this.repartitionTopic] : [])]
    const apply = (paused: boolean): void => (paused ? this.consumer?.pause(topics) : this.consumer?.resume())
    if (pause.isPaused) apply(true)
    this.unwatchPause = pause.onChange(apply)
  }

  // -------------------------------------------------------------------------------------------------
  // Assignment and tasks

  private key(topic: string, partition: number): string {
    return `${topic}:${partition}`
  }

  private onAssignment(partitions: TopicPartition[]): void {
    trace(`assigned ${partitions.map((p) => `${p.topic}:${p.partition}`).join(' ')}`)
    this.joinedAt = Date.now()
    this.untilIdle.reset(partitions.length < this.inputPartitions * (this.repartitionTopic ? 2 : 1))
    // A rebalance: what was confirmed before it (positions, log ends) no longer counts for idleness.
    for (const slot of this.slots.values()) slot.evidence.restart()
    this.reportOk('kafka')
    const assigned = new Set(partitions.map((p) => this.key(p.topic, p.partition)))
    for (const [key, slot] of this.slots) {
      if (assigned.has(key)) {
        slot.fenced = false
        continue
      }
      // No longer ours: drop the state. Commits never pass what the sinks hold, so the new owner replays.
      slot.closed = true
      this.slots.delete(key)
      void this.enqueue(slot, async () => {
        await slot.producer?.disconnect()
        slot.producer = undefined
        slot.task = undefined
      }, true)
    }
    for (const {topic, partition} of partitions) {
      const key = this.key(topic, partition)
      if (this.slots.has(key)) continue
      const slot: Slot = {
        kind: topic === this.repartitionTopic ? 'merge' : 'source',
        topic,
        partition,
        queue: Promise.resolve(),
        pending: 0,
        closed: false,
        seekSequence: 0,
        fenced: false,
        fencedAt: 0,
        backoffMs: 0,
        retryAt: 0,
        lastRecordAt: Date.now(),
        // Answers come at least every offsetsPollMs: a gap of two polls and more is a break (requests hanging
        // on an unreachable broker), and the last answer is a fact for no longer than that.
        evidence: new IdleEvidence(2 * this.offsetsPollMs + 1000, GRACE_AFTER_OUTAGE_MS),
      }
      this.slots.set(key, slot)
      // Initialise now, so that idle partitions (no batch ever) take part in the watermark and in --until-idle.
      void this.enqueue(slot, () => this.ensureTask(slot))
    }
    this.emit({type: 'assigned', pipeline: this.definition.name, partitions, time: new Date().toISOString()})
  }

  /** Runs work on the slot's queue; failures reset the task (see onSlotFailure). */
  private enqueue(slot: Slot, work: () => Promise<void>, evenIfClosed = false): Promise<void> {
    slot.pending += 1
    const run = async (): Promise<void> => {
      try {
        if (slot.closed && !evenIfClosed) return
        if (this.stopping && !evenIfClosed) return
        await work()
      } catch (error) {
        await this.onSlotFailure(slot, error)
      } finally {
        slot.pending -= 1
      }
    }
    const next = slot.queue.then(run)
    slot.queue = next
    return next
  }

  /** Creates the task's producer (fencing the previous owner) and restores the task from its last commit. */
  private async ensureTask(slot: Slot): Promise<void> {
    if (slot.task || slot.fenced) return
    const wait = slot.retryAt - Date.now()
    if (wait > 0) await this.sleep(wait)
    const {definition, options} = this
    const transactionalId = `${options.groupId}-${definition.name}-${slot.topic}-${slot.partition}`
    trace(`${slot.topic}:${slot.partition} init: producer`)
    slot.producer = await this.platform.connectProducer(transactionalId, this.messageLimits)
    trace(`${slot.topic}:${slot.partition} init: offsets`)
    const committed = await this.committedOffset(slot)
    trace(`${slot.topic}:${slot.partition} init: restored ${JSON.stringify(committed)}`)
    const restored = committed && Number(committed.offset) >= 0 ? {offset: Number(committed.offset), metadata: committed.metadata} : undefined
    this.settleInDoubt(slot, restored)
    const maxFutureMs = options.maxFutureMs === undefined ? DEFAULT_MAX_FUTURE_MS : options.maxFutureMs
    slot.task = await restoreTask(
      {
        definition,
        kind: slot.kind,
        topic: slot.topic,
        partition: slot.partition,
        inputPartitions: this.inputPartitions,
        ...(this.repartitionTopic ? {repartitionTopic: this.repartitionTopic} : {}),
        ...(options.from ? {from: options.from} : {}),
        ...(slot.firstFetched === undefined ? {} : {firstFetched: slot.firstFetched}),
        ...(maxFutureMs === null ? {} : {maxFutureMs}),
      },
      {committed: async () => restored, bounds: () => this.partitionBounds(slot), retry: (work) => this.withRetry(work), trace},
    )
    // A store-only pipeline restarts where its store stands, or at the group's commit when that is behind (the
    // records in between are read again: their dead letters went with a transaction that did not commit). With
    // nothing committed for the group, a crash between the store's first write and the first commit would leave
    // only the store's position: the dead letters of that first batch would never be written. So the starting
    // point is committed first, before the store takes anything.
    if (!restored && slot.kind === 'source' && isStoreOnly(definition) && slot.task.nextOffset !== undefined) {
      const start = slot.task.checkpoint()
      await slot.producer.commit([], {groupId: options.groupId, topic: slot.topic, partition: slot.partition, offset: start.offset, metadata: start.metadata})
      slot.lastCommitted = start
      trace(`${slot.topic}:${slot.partition} init: committed the starting point ${start.offset}`)
    }
    const restartAt = slot.task.nextOffset ?? slot.task.committed
    if (restartAt !== undefined && (slot.fetchedUpTo === undefined || slot.fetchedUpTo > restartAt)) slot.fetchedUpTo = restartAt
    if (restartAt !== undefined && (slot.doneUpTo === undefined || slot.doneUpTo > restartAt)) slot.doneUpTo = restartAt
    slot.soughtTo = undefined
    slot.evidence.restart()
    // The consumer may be past the restart point (after a reset, or a store-only partition whose store was
    // reset): send it back now, not only when a batch shows up (none may come when it is at the end).
    if (restartAt !== undefined) this.seek(slot, restartAt)
    slot.backoffMs = 0
    this.reportOk('kafka')
  }

  /**
   * The group's committed offset of a partition, read after this task's producer fenced the previous owner.
   * -1 means no commit. sstream only commits real offsets, with its checkpoint in the metadata, and keeps
   * kafkajs from committing on its own after an out-of-range fetch (src/core/kafka/kafkajs/offset-reset.ts). Any
   * other negative offset is a placeholder another client wrote (kafkajs's "earliest" is -2): the checkpoint
   * is gone, and resuming from nothing would count records again, so the run stops with the facts instead.
   */
  private async committedOffset(slot: Slot): Promise<{partition: number; offset: string; metadata: string | null} | undefined> {
    const committed = (await this.admin.committedOffsets(this.options.groupId, slot.topic)).find((c) => c.partition === slot.partition)
    if (!committed || Number(committed.offset) >= -1) return committed
    throw new SstreamError(
      'OFFSET_INVALID',
      `Group ${this.options.groupId} holds offset ${committed.offset} for ${slot.topic}:${slot.partition}, a placeholder some Kafka clients commit after an out-of-range fetch, not a position: the window state committed with the offset is gone, so resuming would count records again.`,
      {nextSteps: [`Recompute the outputs with a new --group-id (the table rows are upserts), or reset the group's offsets on ${slot.topic} and its repartition topic.`]},
    )
  }

  /** The first offset the log still holds for a partition, and its end. */
  private async partitionBounds(slot: Slot): Promise<PartitionBounds> {
    const offsets = await this.admin.topicOffsets(slot.topic)
    const p = offsets.partitions.find((o) => o.partition === slot.partition)
    return {low: Number(p?.low ?? 0), high: Number(p?.high ?? 0)}
  }

  private async onSlotFailure(slot: Slot, error: unknown): Promise<void> {
    trace(`${slot.topic}:${slot.partition} failed: ${errorMessage(error)} ${(error as Error)?.cause ? errorMessage((error as Error).cause) : ''}`)
    slot.task = undefined
    slot.evidence.forget()
    const producer = slot.producer
    slot.producer = undefined
    await producer?.disconnect()
    if (error instanceof StopRequested || this.stopping) return
    const kind = failureKind(error)
    if (kind === 'fatal') {
      this.fail(error)
      return
    }
    if (kind === 'fenced') {
      // Another member owns this partition now (we have not seen the rebalance yet), or a broker crash
      // bumped this producer's epoch (its transaction timed out and was aborted): see onTick.
      slot.fenced = true
      slot.fencedAt = Date.now()
      return
    }
    if (kind === 'rebalance') return
    this.reportDown(serviceOf(error), error)
    slot.backoffMs = Math.min(10_000, slot.backoffMs === 0 ? 500 : slot.backoffMs * 2)
    slot.retryAt = Date.now() + slot.backoffMs
  }

  // -------------------------------------------------------------------------------------------------
  // Batches, idle steps and ticks

  /**
   * A fetched batch. Pipelined: the offset is resolved when the batch is queued, so that the consumer
   * fetches the next batch while this one is processed and committed; at most one batch waits behind the
   * one in progress per task. A batch that does not continue where the task stands (fetched before a seek,
   * or from a position the task has since reset away from) is dropped, and the consumer is sent back.
   */
  private async onBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    const slot = this.slots.get(this.key(batch.topic, batch.partition))
    if (!slot || slot.closed || this.stopping) return
    const received = ++this.sequence
    const stale = control.isStale()
    const previous = slot.queue
    void this.enqueue(slot, async () => {
      await this.ensureTask(slot)
      const task = slot.task
      if (!task || stale || received < slot.seekSequence) {
        if (tracing) trace(`${slot.topic}:${slot.partition} batch from ${batch.fetchedOffset} dropped (${!task ? 'no task' : stale ? 'fetched before a seek' : 'received before the last seek'})`)
        return
      }
      const expected = task.nextOffset
      if (expected !== undefined && batch.fetchedOffset > expected) {
        if (slot.soughtTo !== expected) {
          this.seek(slot, expected)
          return
        }
        // Fetched after the seek and still past it: the log no longer holds those records (retention).
        trace(`${slot.topic}:${slot.partition} records ${expected}..${batch.fetchedOffset - 1} are no longer in the log`)
      }
      slot.firstFetched ??= batch.fetchedOffset
      const context = this.contextFor(control)
      const out = await task.process(batch.records, context)
      await this.complete(slot, out, context)
      task.advanceTo(batch.lastOffset + 1)
      slot.doneUpTo = Math.max(slot.doneUpTo ?? 0, batch.lastOffset + 1)
      if (batch.records.length > 0) slot.lastRecordAt = Date.now()
    })
    // Before its batch completes, the partition is read up to where the batch starts.
    slot.doneUpTo ??= batch.fetchedOffset
    control.resolve(batch.lastOffset)
    this.onProgress(batch.topic, batch.partition, batch.lastOffset + 1, batch.highWatermark)
    if (batch.records.length > 0) slot.evidence.recordsArrived()
    await this.withHeartbeats(previous, control)
  }

  /** A batch of transaction markers only (never handed to onBatch): the task moves past it, in order. */
  private onMarkersOnly(topic: string, partition: number, firstOffset: number, nextOffset: number): void {
    const slot = this.slots.get(this.key(topic, partition))
    if (!slot || slot.closed) return
    const received = ++this.sequence
    void this.enqueue(slot, async () => {
      const task = slot.task
      if (!task || received < slot.seekSequence) return
      const expected = task.nextOffset
      if (expected === undefined || firstOffset <= expected) {
        task.advanceTo(nextOffset)
        slot.doneUpTo = Math.max(slot.doneUpTo ?? 0, nextOffset)
      }
    })
  }

  /** Sends the consumer back to `offset` for a slot; batches received before this are dropped. */
  private seek(slot: Slot, offset: number): void {
    if (!this.consumer) return
    this.consumer.seek(slot.topic, slot.partition, offset)
    slot.soughtTo = offset
    slot.seekSequence = ++this.sequence
    trace(`${slot.topic}:${slot.partition} seek to ${offset}`)
  }

  /** Store writes, then the transaction (messages + checkpoint), then the events. */
  private async complete(slot: Slot, out: TaskOutput, context: TaskContext): Promise<void> {
    const task = slot.task!
    const started = performance.now()
    // Before the transaction: an output larger than its topic accepts is dead-lettered, a dead letter larger than its
    // topic accepts is cut, not retried forever.
    const refuse = (): void => {
      const {name: pipeline, deadLetterTopic} = this.definition
      if (out.produced.length > 0) {
        const topics = {limitOf: (topic: string) => this.messageLimits.get(topic), compacted: (topic: string) => this.compactedOutputs.has(topic)}
        refuseUnfit(out, topics, {pipeline, deadLetterTopic, topic: slot.topic, partition: slot.partition, offset: Math.max(0, (task.nextOffset ?? 1) - 1)})
      }
      fitDeadLetters(out, deadLetterTopic, this.messageLimits.get(deadLetterTopic))
    }
    let committed: boolean
    let sent: Checkpoint | undefined
    try {
      committed = await commitOutput(task, out, context, async (messages, checkpoint) => {
        sent = checkpoint
        await slot.producer!.commit(
          messages,
          checkpoint && {groupId: this.options.groupId, topic: slot.topic, partition: slot.partition, offset: checkpoint.offset, metadata: checkpoint.metadata},
        )
        if (tracing) trace(`${slot.topic}:${slot.partition} committed ${messages.length} messages, offset ${checkpoint?.offset} ${checkpoint?.metadata ?? ''}`)
      }, refuse)
    } catch (error) {
      // What a store with stored positions took is durable though the transaction failed, and its replay will
      // be skipped: it is counted and reported now, once. (Other stores are written again by the replay.)
      for (const write of out.storeWrites) {
        if (!write.settled || write.stage === undefined) continue
        this.metrics.addStored(write)
        this.reportResults(write)
      }
      // Sent with a checkpoint of its own: whether the broker committed it is known when the task starts again.
      if (sent && !sameCheckpoint(sent, slot.lastCommitted)) {
        slot.inDoubt = {out: {...out, storeWrites: out.storeWrites.filter((write) => !write.settled || write.stage === undefined)}, checkpoint: sent}
      }
      throw error
    }
    if (committed) {
      if (sent) slot.lastCommitted = sent
      this.reportOk('kafka')
    }
    this.account(out, out.storeWrites.length > 0 || out.commit ? performance.now() - started : undefined)
  }

  /** Counts a committed output and emits its events. */
  private account(out: TaskOutput, sinkMs: number | undefined): void {
    this.metrics.add(out, sinkMs, Date.now())
    for (const write of out.storeWrites) this.reportResults(write)
    for (const event of out.results) this.emit(event)
    for (const event of out.deadLetters) this.emit(event)
  }

  /**
   * A task starts again after a failed transaction: if the group's committed checkpoint is the one that
   * transaction carried, the broker committed it though the client saw an error (its outputs are in the topics
   * and its records will not be read again), so it is counted and reported now. Otherwise it was aborted and
   * the replay counts it. The new producer's initialisation has settled the transaction by then (Kafka completes
   * or aborts the previous epoch's transaction before it answers).
   */
  private settleInDoubt(slot: Slot, restored: {offset: number; metadata: string | null} | undefined): void {
    const doubt = slot.inDoubt
    slot.inDoubt = undefined
    slot.lastCommitted = restored && restored.metadata !== null ? {offset: restored.offset, metadata: restored.metadata} : undefined
    if (!doubt || !sameCheckpoint(doubt.checkpoint, slot.lastCommitted)) return
    trace(`${slot.topic}:${slot.partition} the transaction that failed on the client's side was committed (offset ${doubt.checkpoint.offset}): counted now`)
    this.account(doubt.out, undefined)
  }

  /** A store write's result events: its windows', and its items' only when asked for (`storeItemResults`). */
  private reportResults(write: StoreWrite): void {
    if (write.records === undefined || this.options.storeItemResults) forEachResult(write, this.emit)
  }

  private onTick(): void {
    if (this.stopping) return
    const now = Date.now()
    if (this.options.untilIdle) this.checkUntilIdle(now)
    for (const slot of this.slots.values()) {
      if (slot.closed || slot.pending > 0) continue
      const task = slot.task
      if (!task) {
        // Fenced and no rebalance came to take the partition away: no other member owns it (after a broker
        // crash, the coordinator fences a producer whose transaction it aborted). Take it again.
        if (slot.fenced && now - slot.fencedAt >= FENCED_WAIT_MS) slot.fenced = false
        if (!slot.fenced) void this.enqueue(slot, () => this.ensureTask(slot))
        continue
      }
      // Stage 1 idle: no records, and at the log end of fresh answers without a break, for the whole idle
      // timeout. Stage 2: the wall clock closes windows only on fresh facts: every source's marker read (this
      // partition at its log end) while the broker has answered without a break for the idle timeout (so
      // that the sources had the time to fetch what was produced during an outage and to say they are not idle).
      const due =
        task.kind === 'source'
          ? Boolean(this.definition.window) && !task.idle && now - slot.lastRecordAt >= this.idleTimeoutMs && slot.evidence.atEndFor(now, this.idleTimeoutMs)
          : task.idle && task.openWindows > 0 && slot.evidence.atEndAnsweringFor(now, this.idleTimeoutMs)
      // A quiet partition whose task moved past records no commit recorded (markers) commits that progress.
      const settle = !due && slot.evidence.atEndFor(now, this.idleTimeoutMs) && task.uncommitted
      if (due || settle) {
        void this.enqueue(slot, async () => {
          if (slot.task !== task) return
          const at = Date.now()
          const out = due ? task.idleStep(at) : emptyOutput()
          if (tracing && out.commit) trace(`${slot.topic}:${slot.partition} ${task.kind === 'source' ? 'idle flush' : 'windows closed by the wall clock'} at position ${slot.fetchedUpTo}, log end ${slot.highWatermark}: ${slot.evidence.describe(at)}`)
          if (!out.commit && task.uncommitted) {
            out.commit = true
            trace(`${slot.topic}:${slot.partition} quiet: commits its position ${task.nextOffset} (committed ${task.committed})`)
          }
          await this.complete(slot, out, this.contextFor(undefined))
        })
      }
    }
  }

  /** A consumer crash, a failed read of the log ends, a rebalance: no partition is known to be at its end. */
  private forgetIdleEvidence(): void {
    for (const slot of this.slots.values()) slot.evidence.forget()
  }

  private checkUntilIdle(now: number): void {
    const partitions = [...this.slots.values()].map((slot) => ({task: slot.task, pending: slot.pending, evidence: slot.evidence, lastRecordAt: slot.lastRecordAt}))
    if (this.untilIdle.check(now, this.joinedAt, partitions)) this.stop('until-idle')
  }

  private onProgress(topic: string, partition: number, nextOffset: number, highWatermark: number): void {
    const slot = this.slots.get(this.key(topic, partition))
    if (!slot) return
    slot.fetchedUpTo = Math.max(slot.fetchedUpTo ?? 0, nextOffset)
    slot.highWatermark = highWatermark
    // The high watermark of a fetch that just succeeded: a fresh fact.
    slot.evidence.observe(slot.fetchedUpTo, highWatermark, Date.now())
  }

  /** Log-end offsets, for lag and for partitions that never get a batch. */
  private async pollOffsets(): Promise<void> {
    if (this.stopping) return
    const topics = [this.definition.inputTopic, ...(this.repartitionTopic ? [this.repartitionTopic] : [])]
    let offsets: TopicBounds[]
    try {
      offsets = await Promise.all(topics.map((t) => this.admin.topicOffsets(t)))
    } catch (error) {
      trace(`log ends not read: ${errorMessage(error)}`)
      this.forgetIdleEvidence()
      return
    }
    const now = Date.now()
    for (const topicOffsets of offsets) {
      for (const p of topicOffsets.partitions) {
        const slot = this.slots.get(this.key(topicOffsets.topic, p.partition))
        if (!slot) continue
        const high = Number(p.high)
        slot.highWatermark = Math.max(slot.highWatermark ?? 0, high)
        // A partition without a commit or a batch: nothing to fetch if its log is empty (or, for
        // --from latest, from where the consumer starts).
        if (slot.fetchedUpTo === undefined && slot.task && slot.task.nextOffset === undefined) {
          const startsAtEnd = slot.kind === 'source' && this.options.from === 'latest'
          if (startsAtEnd || Number(p.low) >= high) slot.fetchedUpTo = high
        }
        if (slot.task) slot.evidence.observe(slot.fetchedUpTo, high, now)
      }
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Outages, retries and heartbeats

  private contextFor(control: BatchControl | undefined): TaskContext {
    return {retry: (work) => this.withRetry(work, control)}
  }

  /** Retries a call to an external service with backoff until it succeeds or the run stops. */
  private async withRetry<T>(work: () => Promise<T>, control?: BatchControl): Promise<T> {
    const backoff = new Backoff({initialMs: 250, maxMs: 10_000})
    let failing: ServiceName | undefined
    for (;;) {
      try {
        const result = await work()
        if (failing) this.reportOk(failing)
        return result
      } catch (error) {
        if (this.stopping) throw new StopRequested()
        const kind = failureKind(error)
        if (kind === 'fatal' || kind === 'fenced') throw error
        failing = serviceOf(error)
        this.reportDown(failing, error)
        await this.sleep(backoff.next(), control)
        if (this.stopping) throw new StopRequested()
      }
    }
  }

  private async sleep(ms: number, control?: BatchControl): Promise<void> {
    const until = Date.now() + ms
    while (!this.stopping && Date.now() < until) {
      await sleep(Math.min(500, until - Date.now()))
      if (control) await control.heartbeat().catch(() => undefined)
    }
  }

  /** Keeps the group membership alive while a long job (an outage) holds the batch. */
  private async withHeartbeats(job: Promise<void>, control: BatchControl): Promise<void> {
    let done = false
    void job.finally(() => (done = true))
    // On stop the consumer is let go at once: the job (a producer that cannot reach a broker that is gone,
    // say) need not end first, and the batch's offsets are only ever committed by the task's transaction.
    while (!done && !this.stopping) {
      const timer = sleep(1000)
      await Promise.race([job, timer])
      if (!done) await control.heartbeat().catch(() => undefined)
    }
  }

  private reportDown(service: ServiceName, error: unknown): void {
    const message = errorMessage(error)
    if (this.down.get(service) === message) return
    this.down.set(service, message)
    this.emit({type: 'status', pipeline: this.definition.name, service, state: 'down', message, time: new Date().toISOString()})
  }

  private reportOk(service: ServiceName): void {
    if (!this.down.has(service)) return
    this.down.delete(service)
    this.emit({type: 'status', pipeline: this.definition.name, service, state: 'ok', message: `${service} is reachable again.`, time: new Date().toISOString()})
  }

  // -------------------------------------------------------------------------------------------------
  // Metrics

  private emitStats(): void {
    const now = Date.now()
    const partitions: PartitionStats[] = []
    let openWindows = 0
    let lagTotal: number | null = null
    // The watermark (SPEC §4): the smallest over the windowed partitions that hold it back. An idle one with no
    // open window holds nothing back — one that no valid record reached (every record dead-lettered, or no key
    // hashed to it) never moves its own, as it has no window to close. When none holds it back, the furthest any
    // reached (all idle: the wall clock's, once it closed a window); null while no window could close yet.
    let merged = Number.POSITIVE_INFINITY
    let furthest = Number.NEGATIVE_INFINITY
    for (const slot of [...this.slots.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
      const task = slot.task
      const read = slot.doneUpTo ?? slot.fetchedUpTo
      const lag = slot.highWatermark !== undefined && read !== undefined ? Math.max(0, slot.highWatermark - read) : null
      if (lag !== null) lagTotal = (lagTotal ?? 0) + lag
      const watermark = task ? task.watermark : Number.NEGATIVE_INFINITY
      if (task && (task.kind === 'merge' || !this.repartitionTopic)) {
        if (!task.idle || task.openWindows > 0) merged = Math.min(merged, watermark)
        furthest = Math.max(furthest, watermark)
      }
      openWindows += task?.openWindows ?? 0
      partitions.push({
        topic: slot.topic,
        partition: slot.partition,
        lag,
        ...(read !== undefined ? {position: read} : {}),
        watermark: isoOrNull(watermark),
        openWindows: task?.openWindows ?? 0,
        idle: task?.idle ?? false,
      })
    }
    const watermark = isoOrNull(merged === Number.POSITIVE_INFINITY ? furthest : merged)
    if (watermark) this.lastWatermark = watermark
    const {recordsIn, recordsOut, outputs, deadLettered, late, future} = this.metrics.totals
    const {rate, sinkLatencyMs, endToEndLatencyMs, latency} = this.metrics.takeInterval(now)
    this.emit({
      type: 'stats',
      pipeline: this.definition.name,
      time: new Date(now).toISOString(),
      elapsedMs: now - this.startedAt,
      recordsIn,
      recordsOut,
      outputs,
      rate,
      deadLettered,
      late,
      future,
      watermark,
      openWindows,
      lag: lagTotal,
      partitions,
      sinkLatencyMs,
      endToEndLatencyMs,
      latency,
    })
    this.emitOpenWindows(now)
  }

  /** What the open windows hold so far in this process (merged on copies: task state is never touched). */
  private emitOpenWindows(now: number): void {
    const window = this.definition.window
    if (!window) return
    const merged = new Map<string, {start: number; key: string; acc: unknown}>()
    for (const slot of this.slots.values()) {
      if (!slot.task) continue
      for (const {start, key, acc} of slot.task.openAccumulators()) {
        const id = `${start}\u0000${key}`
        const seen = merged.get(id)
        merged.set(id, {start, key, acc: seen ? window.aggregator.merge(seen.acc, structuredClone(acc)) : structuredClone(acc)})
      }
    }
    const windows = [...merged.values()]
      .sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(-OPEN_WINDOWS_SHOWN)
      .map(({start, key, acc}) => ({
        key,
        window: {start: new Date(start).toISOString(), end: new Date(start + window.sizeMs).toISOString()},
        value: window.aggregator.result(acc),
      }))
    this.emit({type: 'open-windows', pipeline: this.definition.name, time: new Date(now).toISOString(), windows})
  }
}

function sameCheckpoint(a: Checkpoint, b: Checkpoint | undefined): boolean {
  return b !== undefined && a.offset === b.offset && a.metadata === b.metadata
}
