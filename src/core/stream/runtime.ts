/**
 * The Kafka runtime: runs a pipeline definition in a consumer group with one task per assigned
 * partition — stage 1 (SourceTask) per input partition, stage 2 (MergeTask) per partition of the
 * repartition topic — each with its own transactional producer. Per batch: the task computes its outputs,
 * store sinks are written (retried through outages), then the messages and the task's checkpoint (offset
 * + metadata) are committed in one transaction. Any failure resets the task to its last commit and the
 * consumer replays from there. See README.md.
 */
import {randomBytes} from 'node:crypto'

import {BugError, errorMessage, isSstreamError, SstreamError} from '../errors.js'
import {createKafka, KafkaAdmin, RUNNING_RETRY, type TopicOffsets} from '../kafka/index.js'
import {GroupConsumer, isRebalanceError, type BatchControl, type ConsumedBatch, type TopicPartition} from '../kafka/consumer.js'
import {isFenced, TransactionalProducer} from '../kafka/producer.js'
import {MergeTask} from './merge-task.js'
import {repartitionTopicName} from './repartition.js'
import {SourceTask, type TaskContext} from './source-task.js'
import type {TaskOutput} from './task-output.js'
import type {PartitionStats, PipelineDefinition, PipelineEvent, RunOptions, RunSummary, ServiceName, StopReason} from './types.js'
import {isoOrNull} from './windows.js'

interface Slot {
  kind: 'source' | 'merge'
  topic: string
  partition: number
  task?: SourceTask | MergeTask
  producer?: TransactionalProducer
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
  backoffMs: number
  retryAt: number
  lastRecordAt: number
  /** Fetch progress: next offset the consumer will fetch, and the partition's high watermark. */
  fetchedUpTo?: number
  highWatermark?: number
}

/** A partition's first offset still in the log (low) and its end offset (high). */
interface PartitionBounds {
  low: number
  high: number
}

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

const serviceOf = (error: unknown): ServiceName => {
  const code = isSstreamError(error) ? error.code : ''
  if (code.startsWith('MARIADB')) return 'mariadb'
  if (code.startsWith('REDIS')) return 'redis'
  if (code.startsWith('SENTIMENT')) return 'sentiment'
  return 'kafka'
}

/** Errors that waiting cannot cure: they end the run with their message, like a defect. */
const FATAL_CODES = new Set<string>(['STORE_AHEAD', 'OFFSET_INVALID', 'INVALID_INPUT', 'USAGE'])

/** Errors a task waits out (services down, refused requests); anything else ends the run. */
const isOutage = (error: unknown): boolean =>
  (isSstreamError(error) && !FATAL_CODES.has(error.code)) || isFenced(error) || isRebalanceError(error) || (error as {name?: string})?.name?.startsWith('KafkaJS') === true

export async function runPipeline(definition: PipelineDefinition<any>, options: RunOptions): Promise<RunSummary> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const runtime = new Runtime(definition, options)
  return runtime.run()
}

class Runtime {
  private readonly emit: (event: PipelineEvent) => void
  private readonly idleTimeoutMs: number
  private readonly statsIntervalMs: number
  private readonly repartitionTopic: string | undefined
  private readonly slots = new Map<string, Slot>()
  private readonly startedAt = Date.now()
  private readonly kafka
  private admin!: KafkaAdmin
  private consumer: GroupConsumer | undefined
  private inputPartitions = 0
  private stopping = false
  private stopReason: StopReason = 'signal'
  private fatal: unknown
  private resolveStop!: () => void
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStop = resolve))
  private joinedAt: number | undefined
  /** Orders batch receipts and seeks. */
  private sequence = 0
  private quietChecks = 0
  private readonly down = new Map<ServiceName, string>()
  private readonly totals = {recordsIn: 0, recordsOut: 0, deadLettered: 0, late: 0, outputs: {} as Record<string, number>}
  private interval = {records: 0, at: Date.now(), sinkMs: 0, sinkCount: 0, e2eMs: 0, e2eCount: 0}
  private lastWatermark: string | null = null
  private readonly storeSinks
  /** A pipeline whose only outputs are stores that keep their own positions (leaderboard). */
  private readonly storeOnly: boolean
  private unwatchPause: (() => void) | undefined

  constructor(
    private readonly definition: PipelineDefinition<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    private readonly options: RunOptions,
  ) {
    this.emit = options.onEvent ?? (() => undefined)
    this.idleTimeoutMs = options.idleTimeoutMs ?? 5000
    this.statsIntervalMs = options.statsIntervalMs ?? 5000
    this.repartitionTopic = definition.window ? repartitionTopicName(options.groupId, definition.name) : undefined
    this.kafka = createKafka({brokers: options.brokers, clientId: options.clientId ?? `sstream-${definition.name}-${randomBytes(3).toString('hex')}`, retry: RUNNING_RETRY})
    const sinks = [...(definition.perRecord ?? []).map((s) => s.sink), ...(definition.window ? [definition.window.sink] : [])]
    this.storeSinks = [...new Set(sinks.filter((s) => s.kind === 'store'))]
    this.storeOnly = !definition.window && sinks.length > 0 && sinks.every((s) => s.kind === 'store' && s.storedPosition !== undefined)
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
      this.consumer = await GroupConsumer.start({
        kafka: this.kafka,
        brokers: options.brokers,
        groupId: options.groupId,
        topics,
        ...(options.sessionTimeoutMs ? {sessionTimeoutMs: options.sessionTimeoutMs} : {}),
        concurrency: Math.max(2, this.inputPartitions * (this.repartitionTopic ? 2 : 1)),
        onBatch: (batch, control) => this.onBatch(batch, control),
        onAssignment: (partitions) => this.onAssignment(partitions),
        onProgress: (p) => {
          this.onProgress(p.topic, p.partition, p.nextOffset, p.highWatermark)
          if (p.records === 0 && p.firstOffset !== null) this.onMarkersOnly(p.topic, p.partition, p.firstOffset, p.nextOffset)
        },
        onCrash: (error) => {
          trace(`consumer crashed: ${errorMessage(error)}`)
          this.reportDown('kafka', error)
        },
      })
      this.watchPause()
      const tick = Math.max(100, Math.min(1000, Math.floor(this.idleTimeoutMs / 4)))
      timers.push(setInterval(() => this.onTick(), tick))
      timers.push(setInterval(() => this.emitStats(), this.statsIntervalMs))
      timers.push(setInterval(() => void this.pollOffsets(), Math.min(this.statsIntervalMs, 2000)))
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
      recordsIn: this.totals.recordsIn,
      recordsOut: this.totals.recordsOut,
      deadLettered: this.totals.deadLettered,
      late: this.totals.late,
      outputs: {...this.totals.outputs},
      watermark: this.lastWatermark,
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Start-up and shut-down

  /** Checks every service the pipeline needs, within 10 s, with a clear error for the first that fails. */
  private async startUp(): Promise<void> {
    const {definition, options} = this
    const kafkaCheck = (async () => {
      this.admin = await KafkaAdmin.connect(options.brokers, createKafka({brokers: options.brokers, clientId: 'sstream-admin'}))
      const needed = [definition.inputTopic, definition.deadLetterTopic, ...this.outputTopics()]
      const described = await this.admin.describe([...new Set(needed)]).catch(() => new Map<string, {partitions: number}>())
      const existing = new Set(await this.admin.listTopics())
      for (const topic of new Set(needed)) {
        if (!existing.has(topic) || !described.has(topic)) {
          throw new SstreamError('TOPIC_MISSING', `The topic ${topic} does not exist on Kafka at ${options.brokers.join(',')}.`, {
            nextSteps: ['Create the topics with `sstream setup kafka`,', 'or name another topic with the command’s topic flags.'],
          })
        }
      }
      this.inputPartitions = described.get(definition.inputTopic)!.partitions
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
        const [report] = await this.admin.ensureTopics([{topic: this.repartitionTopic, partitions: this.inputPartitions, replicationFactor: 1}])
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

  private stop(reason: StopReason): void {
    if (this.stopping) return
    this.stopping = true
    this.stopReason = reason
    this.resolveStop()
  }

  private fail(error: unknown): void {
    if (!this.fatal) this.fatal = error instanceof Error ? error : new BugError(errorMessage(error))
    this.stop('signal')
  }

  private async shutdown(): Promise<void> {
    this.stopping = true
    this.unwatchPause?.()
    await this.consumer?.stop()
    await Promise.all([...this.slots.values()].map((slot) => slot.queue))
    await Promise.all([...this.slots.values()].map((slot) => slot.producer?.disconnect()))
    await this.admin?.close()
    await Promise.all(this.storeSinks.map((s) => s.close().catch(() => undefined)))
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
    this.quietChecks = 0
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
        backoffMs: 0,
        retryAt: 0,
        lastRecordAt: Date.now(),
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
    slot.producer = await TransactionalProducer.connect(this.kafka, options.brokers, transactionalId)
    trace(`${slot.topic}:${slot.partition} init: offsets`)
    const committed = await this.committedOffset(slot)
    trace(`${slot.topic}:${slot.partition} init: restored ${JSON.stringify(committed)}`)
    const restored = committed && Number(committed.offset) >= 0 ? {offset: Number(committed.offset), metadata: committed.metadata} : undefined
    if (slot.kind === 'source') {
      const task = new SourceTask({definition, partition: slot.partition, ...(this.repartitionTopic ? {repartitionTopic: this.repartitionTopic} : {}), repartitionPartitions: this.inputPartitions})
      const positions = new Map<string, number | undefined>()
      const stored: Array<{store: string; position: number}> = []
      for (const stage of definition.perRecord ?? []) {
        const sink = stage.sink
        if (sink.kind === 'store' && sink.storedPosition) {
          const position = await this.withRetry(() => sink.storedPosition!(slot.topic, slot.partition))
          positions.set(stage.name, position)
          if (position !== undefined) stored.push({store: sink.name, position})
        }
      }
      // The partition's first and end offsets, read once for this initialisation (only if needed), after the
      // stored positions: a position past this end was not reached in this log.
      let bounds: Promise<PartitionBounds> | undefined
      const partitionBounds = (): Promise<PartitionBounds> => (bounds ??= this.partitionBounds(slot))
      for (const {store, position} of stored) this.checkStoredPosition(slot, store, position, (await partitionBounds()).high)
      if (this.storeOnly) {
        // The store holds the authoritative position: start there (or at the start / end of the partition
        // when nothing is stored), whatever the group's Kafka offset says (it is only a hint).
        const start = stored.length > 0 ? Math.min(...stored.map((s) => s.position)) : this.partitionStart(await partitionBounds())
        task.restore({offset: start, metadata: null})
        if (slot.fetchedUpTo === undefined || slot.fetchedUpTo > start) slot.fetchedUpTo = start
      } else {
        task.restore(restored)
        // A board behind the group's commit (reset, or new): catch it up from its own position first.
        if (restored && positions.size > 0) {
          const low = [...positions.values()].some((p) => p === undefined) ? (await partitionBounds()).low : Number.POSITIVE_INFINITY
          const from = Math.min(...[...positions.values()].map((p) => p ?? low))
          if (from < restored.offset) {
            task.catchUpFrom(from)
            trace(`${slot.topic}:${slot.partition} catch-up of the stored stages from ${from} to ${restored.offset}`)
          }
        }
      }
      for (const [stage, position] of positions) task.setStoredPosition(stage, position)
      slot.task = task
    } else {
      const task = new MergeTask({definition, repartitionTopic: slot.topic, partition: slot.partition, sourcePartitions: this.inputPartitions})
      task.restore(restored)
      slot.task = task
    }
    const restartAt = slot.task.nextOffset ?? slot.task.committed
    if (restartAt !== undefined && (slot.fetchedUpTo === undefined || slot.fetchedUpTo > restartAt)) slot.fetchedUpTo = restartAt
    slot.soughtTo = undefined
    // The consumer may be past the restart point (after a reset, or a store-only partition whose store was
    // reset): send it back now, not only when a batch shows up (none may come when it is at the end).
    if (restartAt !== undefined) this.seek(slot, restartAt)
    slot.backoffMs = 0
    this.reportOk('kafka')
  }

  /**
   * A store's position past the end of the partition belongs to an earlier topic of the same name (deleted
   * and created again, or another Kafka): resuming there would skip every record as already applied.
   */
  private checkStoredPosition(slot: Slot, store: string, position: number, end: number): void {
    if (position <= end) return
    throw new SstreamError(
      'STORE_AHEAD',
      `${store} holds position ${position} for ${slot.topic}:${slot.partition}, past the partition's end (${end}): it was built from an earlier topic of that name, so every record would be skipped as already applied.`,
      {nextSteps: [`Start it afresh with \`sstream run ${this.definition.name} --reset\` (or \`sstream setup redis --reset\`), or give the run its own --key.`]},
    )
  }

  /**
   * The group's committed offset of a partition, read after this task's producer fenced the previous owner.
   * -1 means no commit. sstream only commits real offsets, with its checkpoint in the metadata, and keeps
   * kafkajs from committing on its own after an out-of-range fetch (src/core/kafka/offset-reset.ts). Any
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

  /** Where a partition starts when nothing is stored: its first offset, or its end for --from latest. */
  private partitionStart({low, high}: PartitionBounds): number {
    return this.options.from === 'latest' ? high : low
  }

  private async onSlotFailure(slot: Slot, error: unknown): Promise<void> {
    trace(`${slot.topic}:${slot.partition} failed: ${errorMessage(error)} ${(error as Error)?.cause ? errorMessage((error as Error).cause) : ''}`)
    slot.task = undefined
    const producer = slot.producer
    slot.producer = undefined
    await producer?.disconnect()
    if (error instanceof StopRequested || this.stopping) return
    if (!isOutage(error)) {
      this.fail(error)
      return
    }
    if (isFenced(error)) {
      // Another member owns this partition now (we have not seen the rebalance yet).
      slot.fenced = true
      return
    }
    if (isRebalanceError(error)) return
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
      const context = this.contextFor(control)
      const out = task instanceof SourceTask ? await task.process(batch.records, context) : task.process(batch.records)
      await this.complete(slot, out, context)
      task.advanceTo(batch.lastOffset + 1)
      if (batch.records.length > 0) slot.lastRecordAt = Date.now()
    })
    control.resolve(batch.lastOffset)
    this.onProgress(batch.topic, batch.partition, batch.lastOffset + 1, batch.highWatermark)
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
      if (expected === undefined || firstOffset <= expected) task.advanceTo(nextOffset)
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
    for (const write of out.storeWrites) {
      await context.retry(() => write.sink.write(write.items, write.context))
      if (write.stage && task instanceof SourceTask) task.advanceStoredPosition(write.stage, write.context.nextOffset)
    }
    if (out.commit) {
      const checkpoint = task.nextOffset === undefined ? undefined : task.checkpoint()
      await slot.producer!.commit(
        out.messages,
        checkpoint && {groupId: this.options.groupId, topic: slot.topic, partition: slot.partition, offset: checkpoint.offset, metadata: checkpoint.metadata},
      )
      if (checkpoint) task.markCommitted(checkpoint.offset)
      if (tracing) trace(`${slot.topic}:${slot.partition} committed ${out.messages.length} messages, offset ${checkpoint?.offset} ${checkpoint?.metadata ?? ''}`)
      this.reportOk('kafka')
    }
    const now = Date.now()
    if (out.storeWrites.length > 0 || out.commit) {
      this.interval.sinkMs += performance.now() - started
      this.interval.sinkCount += 1
    }
    for (const end of out.windowEnds) {
      this.interval.e2eMs += now - end
      this.interval.e2eCount += 1
    }
    this.totals.recordsIn += out.recordsIn
    this.interval.records += out.recordsIn
    this.totals.late += out.late
    this.totals.deadLettered += out.deadLetters.length
    for (const event of [...out.storeWrites.flatMap((w) => w.results), ...out.results]) {
      this.totals.recordsOut += 1
      this.totals.outputs[event.output] = (this.totals.outputs[event.output] ?? 0) + 1
      this.emit(event)
    }
    for (const event of out.deadLetters) this.emit(event)
  }

  private onTick(): void {
    if (this.stopping) return
    const now = Date.now()
    if (this.options.untilIdle) this.checkUntilIdle(now)
    for (const slot of this.slots.values()) {
      if (slot.closed || slot.pending > 0) continue
      const task = slot.task
      if (!task) {
        if (!slot.fenced) void this.enqueue(slot, () => this.ensureTask(slot))
        continue
      }
      if (task instanceof SourceTask) {
        if (this.definition.window && !task.idle && now - slot.lastRecordAt >= this.idleTimeoutMs && this.caughtUp(slot)) {
          void this.enqueue(slot, async () => {
            if (slot.task === task) await this.complete(slot, task.idleFlush(), this.contextFor(undefined))
          })
        }
      } else if (task.allSourcesIdle && task.openWindows > 0) {
        void this.enqueue(slot, async () => {
          if (slot.task === task) await this.complete(slot, task.tick(Date.now()), this.contextFor(undefined))
        })
      }
    }
  }

  private caughtUp(slot: Slot): boolean {
    return slot.fetchedUpTo !== undefined && slot.highWatermark !== undefined && slot.fetchedUpTo >= slot.highWatermark
  }

  private checkUntilIdle(now: number): void {
    if (this.joinedAt === undefined || now - this.joinedAt < this.idleTimeoutMs) return
    let quiet = true
    for (const slot of this.slots.values()) {
      const task = slot.task
      if (!task || slot.pending > 0 || !this.caughtUp(slot)) quiet = false
      else if (task instanceof SourceTask) {
        if (now - slot.lastRecordAt < this.idleTimeoutMs) quiet = false
        else if (this.definition.window && (!task.idle || task.openWindows > 0)) quiet = false
      } else if (!task.allSourcesIdle || task.openWindows > 0) quiet = false
      if (!quiet) break
    }
    this.quietChecks = quiet ? this.quietChecks + 1 : 0
    if (this.quietChecks >= 2) this.stop('until-idle')
  }

  private onProgress(topic: string, partition: number, nextOffset: number, highWatermark: number): void {
    const slot = this.slots.get(this.key(topic, partition))
    if (!slot) return
    slot.fetchedUpTo = Math.max(slot.fetchedUpTo ?? 0, nextOffset)
    slot.highWatermark = highWatermark
  }

  /** Log-end offsets, for lag and for partitions that never get a batch. */
  private async pollOffsets(): Promise<void> {
    if (this.stopping) return
    const topics = [this.definition.inputTopic, ...(this.repartitionTopic ? [this.repartitionTopic] : [])]
    let offsets: TopicOffsets[]
    try {
      offsets = await Promise.all(topics.map((t) => this.admin.topicOffsets(t)))
    } catch {
      return
    }
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
    let delay = 250
    let failing: ServiceName | undefined
    for (;;) {
      try {
        const result = await work()
        if (failing) this.reportOk(failing)
        return result
      } catch (error) {
        if (this.stopping) throw new StopRequested()
        if (!isOutage(error) || isFenced(error)) throw error
        failing = serviceOf(error)
        this.reportDown(failing, error)
        await this.sleep(delay, control)
        delay = Math.min(10_000, delay * 2)
        if (this.stopping) throw new StopRequested()
      }
    }
  }

  private async sleep(ms: number, control?: BatchControl): Promise<void> {
    const until = Date.now() + ms
    while (!this.stopping && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, until - Date.now())))
      if (control) await control.heartbeat().catch(() => undefined)
    }
  }

  /** Keeps the group membership alive while a long job (an outage) holds the batch. */
  private async withHeartbeats(job: Promise<void>, control: BatchControl): Promise<void> {
    let done = false
    void job.finally(() => (done = true))
    while (!done) {
      const timer = new Promise((resolve) => setTimeout(resolve, 1000))
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
    let merged = Number.POSITIVE_INFINITY
    for (const slot of [...this.slots.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
      const task = slot.task
      const lag = slot.highWatermark !== undefined && slot.fetchedUpTo !== undefined ? Math.max(0, slot.highWatermark - slot.fetchedUpTo) : null
      if (lag !== null) lagTotal = (lagTotal ?? 0) + lag
      const watermark = task ? task.watermark : Number.NEGATIVE_INFINITY
      if (task instanceof MergeTask || (task && !this.repartitionTopic)) merged = Math.min(merged, watermark)
      openWindows += task?.openWindows ?? 0
      partitions.push({
        topic: slot.topic,
        partition: slot.partition,
        lag,
        watermark: isoOrNull(watermark),
        openWindows: task?.openWindows ?? 0,
        idle: task instanceof SourceTask ? task.idle : task instanceof MergeTask ? task.allSourcesIdle : false,
      })
    }
    const watermark = isoOrNull(merged)
    if (watermark) this.lastWatermark = watermark
    const seconds = Math.max(0.001, (now - this.interval.at) / 1000)
    this.emit({
      type: 'stats',
      pipeline: this.definition.name,
      time: new Date(now).toISOString(),
      elapsedMs: now - this.startedAt,
      recordsIn: this.totals.recordsIn,
      recordsOut: this.totals.recordsOut,
      rate: Math.round(this.interval.records / seconds),
      deadLettered: this.totals.deadLettered,
      late: this.totals.late,
      watermark,
      openWindows,
      lag: lagTotal,
      partitions,
      sinkLatencyMs: this.interval.sinkCount > 0 ? Math.round((this.interval.sinkMs / this.interval.sinkCount) * 10) / 10 : null,
      endToEndLatencyMs: this.interval.e2eCount > 0 ? Math.round(this.interval.e2eMs / this.interval.e2eCount) : null,
    })
    this.interval = {records: 0, at: now, sinkMs: 0, sinkCount: 0, e2eMs: 0, e2eCount: 0}
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
