/**
 * Stage 1: the task of one input partition. Pure and deterministic: every decision depends only on the
 * partition's records in offset order and on the checkpoint it was restored from, never on wall time
 * (except `idleFlush`, which the runtime calls when the partition has had no records for the idle timeout).
 *
 * Per record: decode (malformed → dead letter), event time (unparseable → dead letter), per-record stages
 * (0 or 1 item each), then the window: the partition watermark is (largest event time seen) − lateness; a
 * record whose window end is at or before it is late (counted, dead-lettered), otherwise it is added to
 * the (window, key) accumulator. After the batch, windows the watermark has closed are sent to the
 * repartition topic as partial aggregates keyed by the grouping key, then a watermark marker goes to every
 * repartition partition.
 *
 * Replay: after a restore, records below the committed position were processed before. They are re-added
 * to windows that were still open at the commit (those before it were emitted, or late), and nothing else
 * is done with them: no per-record output and no dead letter twice.
 *
 * Catch-up: a per-record store stage that keeps its position with its data (a Redis board) may stand
 * behind the restored offset (its store was reset while the group has commits). `catchUpFrom` feeds it the
 * records from its position up to the restored offset, to such stages only (no window, no count, no dead
 * letter), and the commit stays the restored one until the task is back there.
 */
import {BugError} from '../errors.js'
import {decodeSourceState, encodeSourceState, type Checkpoint} from './checkpoint.js'
import {encodeMarker, encodePartial, repartitionOfKey} from './repartition.js'
import {DIRECT_CONTEXT, type Task, type TaskContext} from './task.js'
import {addDeadLetter, emptyOutput, routeItems, storeWrite, type RoutedItem, type StoreWrite, type TaskOutput} from './task-output.js'
import {RecordError, type InputRecord, type PerRecordStage, type PipelineDefinition, type WindowStage} from './types.js'
import {floorWatermark, windowStartOf} from './windows.js'

export interface SourceTaskOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: PipelineDefinition<any>
  partition: number
  repartitionTopic?: string
  /** Partitions of the repartition topic. */
  repartitionPartitions?: number
  /**
   * Windowed pipelines: an event time more than this far ahead of the wall clock is dead-lettered
   * (`future-timestamp`) instead of moving the watermark. Undefined: no bound.
   */
  maxFutureMs?: number
}

interface OpenWindow {
  /** The first offset of the oldest record in this window: a restart replays from here. */
  minOffset: number
  accs: Map<string, unknown>
}

export type {TaskContext} from './task.js'

export class SourceTask implements Task {
  readonly kind = 'source' as const
  readonly topic: string
  readonly partition: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly definition: PipelineDefinition<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly window: WindowStage<any, any, any> | undefined
  private readonly repartitionTopic: string
  private readonly repartitionPartitions: number
  private readonly maxFutureMs: number | undefined

  /** Next offset to process; records below it are duplicates of what this task already holds. */
  private position: number | undefined
  /** Records below this offset are a replay (see above). */
  private replayUntil = Number.NEGATIVE_INFINITY
  private maxEventTime = Number.NEGATIVE_INFINITY
  private markerWatermark = Number.NEGATIVE_INFINITY
  /** Whether stage 2 was last told that this partition is idle. */
  private idleAnnounced = false
  private readonly open = new Map<number, OpenWindow>()
  /** Stored positions of per-record store sinks (Redis), by stage name. */
  private readonly storedPositions = new Map<string, number>()
  private committedOffset: number | undefined
  /** Records below this offset only catch up positioned store stages (see catchUpFrom). */
  private catchUpUntil = Number.NEGATIVE_INFINITY
  /** The checkpoint restored from: what a commit says while catching up (it must not move back). */
  private restored: Checkpoint | undefined

  constructor(options: SourceTaskOptions) {
    this.definition = options.definition
    this.topic = options.definition.inputTopic
    this.partition = options.partition
    this.window = options.definition.window
    this.repartitionTopic = options.repartitionTopic ?? `${options.definition.name}-repartition`
    this.repartitionPartitions = options.repartitionPartitions ?? 1
    this.maxFutureMs = this.window ? options.maxFutureMs : undefined
  }

  /** Restores from the committed offset and its metadata (absent for a new group). */
  restore(committed: {offset: number; metadata: string | null} | undefined): void {
    if (!committed) return
    this.position = committed.offset
    this.committedOffset = committed.offset
    this.restored = {offset: committed.offset, metadata: committed.metadata ?? ''}
    const state = decodeSourceState(committed.metadata)
    if (!state) return
    this.replayUntil = state.position
    this.maxEventTime = state.maxEventTime
    this.markerWatermark = state.markerWatermark
    this.idleAnnounced = state.idle
  }

  /** The position a store sink has stored for this partition: records below it are skipped for that stage. */
  setStoredPosition(stage: string, position: number | undefined): void {
    if (position !== undefined) this.storedPositions.set(stage, position)
  }

  /**
   * Starts at `offset`, below the restored one, for the positioned store stages that stand behind it: the
   * records up to the restored offset go to them only (each from its own stored position). No-op otherwise.
   */
  catchUpFrom(offset: number): void {
    if (this.committedOffset === undefined || offset >= this.committedOffset) return
    this.catchUpUntil = this.committedOffset
    this.position = offset
  }

  /** Whether the task is still feeding positioned store stages records from before its restored offset. */
  get catchingUp(): boolean {
    return this.position !== undefined && this.position < this.catchUpUntil
  }

  /** Records this task still expects from (undefined: whatever the consumer starts at). */
  get nextOffset(): number | undefined {
    return this.position
  }

  /** The committed position of the last completed transaction (the restart point). */
  get committed(): number | undefined {
    return this.committedOffset
  }

  get uncommitted(): boolean {
    return this.position !== undefined && this.checkpoint().offset !== this.committedOffset
  }

  get watermark(): number {
    return this.window ? this.maxEventTime - this.window.latenessMs : Number.NEGATIVE_INFINITY
  }

  get openWindows(): number {
    return this.open.size
  }

  get idle(): boolean {
    return this.idleAnnounced
  }

  /** `now`: the wall clock, for the --max-future bound. */
  async process(records: readonly InputRecord[], context: TaskContext = DIRECT_CONTEXT, now = Date.now()): Promise<TaskOutput> {
    const out = emptyOutput()
    const futureLimit = this.maxFutureMs === undefined ? Number.POSITIVE_INFINITY : now + this.maxFutureMs
    const {definition, window} = this
    const perRecord = definition.perRecord ?? []
    const forStages = new StageInputs()
    const positioned = perRecord.some(isPositioned)
    let fresh = false
    for (const record of records) {
      if (this.position !== undefined && record.offset < this.position) continue
      this.position = record.offset + 1
      if (record.offset < this.catchUpUntil) {
        // Before the restored offset: only for the positioned store stages (a bad record was dead-lettered then).
        if (!positioned) continue
        try {
          forStages.push(definition.decode(record), record, true)
        } catch (error) {
          if (!(error instanceof RecordError)) throw error
        }
        continue
      }
      const replay = record.offset < this.replayUntil
      if (!replay) {
        out.recordsIn += 1
        fresh = true
      }
      let value: unknown
      let time: number
      try {
        value = definition.decode(record)
        time = definition.eventTime ? definition.eventTime(value, record) : record.timestamp
        if (!Number.isFinite(time)) throw new RecordError('bad-timestamp', 'The record has no usable event time.')
        if (time > futureLimit) throw futureError(time, now, this.maxFutureMs!)
      } catch (error) {
        if (!(error instanceof RecordError)) throw error
        if (!replay) {
          addDeadLetter(out, definition.name, definition.deadLetterTopic, record, error.reason, error.message, fieldOf(error))
          if (error.reason === 'future-timestamp') out.future += 1
        }
        continue
      }
      if (window) this.addToWindow(out, window, record, value, time, replay)
      if (perRecord.length > 0 && (!replay || positioned)) forStages.push(value, record, replay)
    }
    for (const stage of perRecord) await this.runStage(out, stage, forStages, context)
    if (window) {
      this.closeWindows(out, window)
      const floored = floorWatermark(this.watermark, window.sizeMs)
      if (floored > this.markerWatermark || (fresh && this.idleAnnounced)) this.sendMarkers(out, floored, false)
    }
    out.commit = out.messages.length > 0 || this.checkpoint().offset !== this.committedOffset
    return out
  }

  /**
   * The partition has had no records for the idle timeout and is caught up: send the partials of every
   * open window (they stay open: a later record starts a new partial) and tell stage 2 that this
   * partition no longer holds the merged watermark back.
   */
  idleFlush(): TaskOutput {
    const out = emptyOutput()
    const {window} = this
    if (!window) return out
    const flushed = this.open.size > 0
    for (const [start, open] of [...this.open].sort((a, b) => a[0] - b[0])) this.sendPartials(out, start, open)
    this.open.clear()
    if (flushed || !this.idleAnnounced) this.sendMarkers(out, floorWatermark(this.watermark, window.sizeMs), true)
    out.commit = out.messages.length > 0
    return out
  }

  /** The wall clock's step for stage 1: `idleFlush`. */
  idleStep(_now: number): TaskOutput {
    return this.idleFlush()
  }

  /** The offset to commit (replay point) and the metadata that goes with it. Undefined before any record. */
  checkpoint(): Checkpoint {
    if (this.catchingUp && this.restored) return this.restored
    const position = this.position ?? this.committedOffset ?? 0
    let offset = position
    for (const open of this.open.values()) offset = Math.min(offset, open.minOffset)
    // In the middle of a replay, what was done before still reaches the restored position.
    const done = Math.max(position, this.replayUntil)
    return {
      offset,
      metadata: encodeSourceState({maxEventTime: this.maxEventTime, position: done, markerWatermark: this.markerWatermark, idle: this.idleAnnounced}),
    }
  }

  /** Whether anything was processed since the restore (i.e. there is a position to commit). */
  get hasPosition(): boolean {
    return this.position !== undefined
  }

  /** Records that the transaction with this checkpoint committed. */
  /**
   * Moves past offsets that held no record for this task (transaction markers at the end of a batch, or a
   * batch of markers only): the next batch then continues exactly where this one ended.
   */
  advanceTo(offset: number): void {
    if (this.position === undefined || offset > this.position) this.position = offset
  }

  /** The open (window, key) accumulators, read-only (for the live view). */
  *openAccumulators(): Generator<{start: number; key: string; acc: unknown}> {
    for (const [start, open] of this.open) for (const [key, acc] of open.accs) yield {start, key, acc}
  }

  markCommitted(offset: number): void {
    this.committedOffset = offset
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private addToWindow(out: TaskOutput, window: WindowStage<any, any, any>, record: InputRecord, value: unknown, time: number, replay: boolean): void {
    const start = windowStartOf(time, window.sizeMs)
    if (start + window.sizeMs <= this.maxEventTime - window.latenessMs) {
      // Late (or, in a replay, already emitted): never added.
      if (!replay) {
        out.late += 1
        addDeadLetter(out, this.definition.name, this.definition.deadLetterTopic, record, 'late', `The window ${new Date(start).toISOString()} has closed.`)
      }
    } else {
      let open = this.open.get(start)
      if (!open) {
        open = {minOffset: record.offset, accs: new Map()}
        this.open.set(start, open)
      }
      const key = window.key(value)
      const acc = open.accs.get(key)
      open.accs.set(key, window.aggregator.add(acc === undefined ? window.aggregator.init() : acc, value))
    }
    if (time > this.maxEventTime) this.maxEventTime = time
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private closeWindows(out: TaskOutput, window: WindowStage<any, any, any>): void {
    const watermark = this.watermark
    if (this.open.size === 0) return
    const closing = [...this.open.keys()].filter((start) => start + window.sizeMs <= watermark).sort((a, b) => a - b)
    for (const start of closing) {
      this.sendPartials(out, start, this.open.get(start)!)
      this.open.delete(start)
    }
  }

  private sendPartials(out: TaskOutput, start: number, open: OpenWindow): void {
    for (const [key, acc] of open.accs) {
      out.messages.push({
        topic: this.repartitionTopic,
        key,
        value: encodePartial({w: start, k: key, a: acc, sp: this.partition}),
        partition: repartitionOfKey(key, this.repartitionPartitions),
      })
    }
  }

  private sendMarkers(out: TaskOutput, watermark: number, idle: boolean): void {
    const value = encodeMarker({wm: Number.isFinite(watermark) ? watermark : null, sp: this.partition, idle})
    for (let partition = 0; partition < this.repartitionPartitions; partition++) {
      out.messages.push({topic: this.repartitionTopic, key: null, value, partition})
    }
    if (watermark > this.markerWatermark) this.markerWatermark = watermark
    this.idleAnnounced = idle
  }

  private async runStage(
    out: TaskOutput,
    stage: PerRecordStage<unknown, unknown>,
    inputs: StageInputs,
    context: TaskContext,
  ): Promise<void> {
    // A positioned stage takes every record from its stored position on (records seen again included: it
    // skips what it holds), and every record seen for the first time (its store skips those it holds too, and
    // reports again the ones it refused, whose dead letters went with a transaction that did not commit);
    // any other stage only the records seen for the first time.
    const stored = this.storedPositions.get(stage.name)
    const todo = inputs.takenBy(isPositioned(stage), stored)
    const {name, deadLetterTopic} = this.definition
    const sinkContext = {pipeline: name, topic: this.topic, partition: this.partition, nextOffset: this.position ?? 0}
    const {sink} = stage
    // A store sink's items go into its write with their records (no object per item); a store sink with stored
    // positions gets a write even with no item, to record the position: also for a batch none of whose records
    // reach the stage (every one refused at decode, say), else a store-only pipeline, which restarts where its
    // store stands, would read them and dead-letter them again after every restart.
    let write: StoreWrite | undefined
    if (sink.kind === 'store' && sink.storedPosition && (todo.length > 0 || (stored ?? Number.NEGATIVE_INFINITY) < sinkContext.nextOffset)) {
      out.storeWrites.push((write = storeWrite(sink, sinkContext, name, deadLetterTopic, stage.name)))
    }
    if (todo.length === 0) return
    const mapped = stage.mapBatch ? await mapBatch(inputs, todo, stage, context) : await mapOrdered(inputs, todo, stage, context)
    const items: Array<RoutedItem<unknown>> = []
    for (let i = 0; i < todo.length; i++) {
      const result = mapped[i]
      const index = todo[i]
      const record = inputs.records[index]
      const again = inputs.again !== undefined && inputs.again[index]
      if (result instanceof RecordError) {
        if (!again) addDeadLetter(out, name, deadLetterTopic, record, result.reason, result.message, fieldOf(result))
      } else if (result !== null && result !== undefined) {
        if (sink.kind === 'store') {
          if (write === undefined) out.storeWrites.push((write = storeWrite(sink, sinkContext, name, deadLetterTopic, stage.name)))
          if (again) (write.again ??= new Set()).add(write.items.length)
          write.items.push(result)
          ;(write.records ??= []).push(record)
          continue
        }
        const source = {topic: record.topic, partition: record.partition, offset: record.offset}
        items.push(again ? {item: result, key: record.key, source, record, again} : {item: result, key: record.key, source, record})
      }
    }
    routeItems(out, name, deadLetterTopic, sink, items, sinkContext, stage.name)
  }

  /** After a store write with a stored position succeeded. */
  advanceStoredPosition(stage: string, position: number): void {
    this.storedPositions.set(stage, position)
  }
}

/** An event time too far ahead of the wall clock: it would close every window before its time. */
function futureError(time: number, now: number, maxFutureMs: number): RecordError {
  const ahead = time - now
  const hours = ahead >= 3_600_000 ? `${Math.round(ahead / 360_000) / 10} h` : `${Math.round(ahead / 1000)} s`
  return new RecordError(
    'future-timestamp',
    `The event time ${new Date(time).toISOString()} is ${hours} ahead of the wall clock, more than --max-future (${maxFutureMs / 1000} s): it would close every window before its time.`,
  )
}

/** The dead letter's `sstream-field` header for an error about one field. */
function fieldOf(error: RecordError): {field?: string} {
  return error.field === undefined ? {} : {field: error.field}
}

/**
 * The decoded records of a batch for the per-record stages, as parallel arrays (no object per record);
 * `again`: seen before (a replay or a catch-up), allocated only when a record is.
 */
class StageInputs {
  readonly values: unknown[] = []
  readonly records: InputRecord[] = []
  again: boolean[] | undefined

  push(value: unknown, record: InputRecord, again: boolean): void {
    if (again && this.again === undefined) this.again = Array.from(this.records, () => false)
    this.values.push(value)
    this.records.push(record)
    this.again?.push(again)
  }

  /**
   * The indexes of the records a stage takes. A positioned stage takes every record from its stored position
   * on (records seen again included: it skips what it holds), and every record seen for the first time;
   * any other stage only the records seen for the first time.
   */
  takenBy(positioned: boolean, stored: number | undefined): number[] {
    const {again, records} = this
    const taken: number[] = []
    for (let i = 0; i < records.length; i++) {
      if (again === undefined || !again[i] || (positioned && (stored === undefined || records[i].offset >= stored))) taken.push(i)
    }
    return taken
  }
}

/** A per-record stage whose store keeps the consumed position with its data (it skips what it holds). */
function isPositioned(stage: PerRecordStage<unknown, unknown>): boolean {
  return stage.sink.kind === 'store' && stage.sink.storedPosition !== undefined
}

/** A stage's call: a RecordError it throws is its result (a dead letter); any other error is thrown (an outage). */
async function orRecordError<T>(call: () => T | Promise<T>): Promise<T | RecordError> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof RecordError) return error
    throw error
  }
}

/**
 * Maps a batch's values with one call of the stage's `mapBatch`. Anything thrown (or a rejection) is an
 * outage, retried through the context; a RecordError thrown dead-letters every record of the call.
 */
async function mapBatch(
  inputs: StageInputs,
  todo: number[],
  stage: PerRecordStage<unknown, unknown>,
  context: TaskContext,
): Promise<Array<unknown | RecordError>> {
  const all = todo.length === inputs.records.length
  const values = all ? inputs.values : todo.map((index) => inputs.values[index])
  const records = all ? inputs.records : todo.map((index) => inputs.records[index])
  const call = async (): Promise<Array<unknown | RecordError>> => {
    const results = await orRecordError(() => stage.mapBatch!(values, records))
    return results instanceof RecordError ? todo.map(() => results) : results
  }
  let results: Array<unknown | RecordError>
  try {
    // A synchronous mapBatch (a model in this process) answers without a promise.
    const direct = stage.mapBatch!(values, records)
    results = direct instanceof Promise ? await direct : direct
  } catch (error) {
    if (error instanceof RecordError) return todo.map(() => error)
    // An outage: retried through the context, which pauses, reports and backs off.
    results = await context.retry(call)
  }
  if (results.length !== todo.length) throw new BugError(`The stage ${stage.name} mapped ${todo.length} records to ${results.length} results.`)
  return results
}

/**
 * Maps values in order with at most `concurrency` async calls in flight. A RecordError becomes the
 * item's result (dead letter); any other error is an outage, retried through the context.
 */
async function mapOrdered(
  inputs: StageInputs,
  todo: number[],
  stage: PerRecordStage<unknown, unknown>,
  context: TaskContext,
): Promise<Array<unknown | RecordError>> {
  const {values, records} = inputs
  const results: Array<unknown | RecordError> = new Array(todo.length)
  const concurrency = Math.max(1, stage.concurrency ?? 1)
  const inFlight = new Set<Promise<void>>()
  const attempt = async (index: number): Promise<void> => {
    const value = values[todo[index]]
    const record = records[todo[index]]
    try {
      results[index] = await context.retry(() => orRecordError(() => stage.map!(value, record)))
    } catch (error) {
      if (error instanceof RecordError) results[index] = error
      else throw error
    }
  }
  const map = stage.map
  if (!map) throw new BugError(`The stage ${stage.name} has neither map nor mapBatch.`)
  for (let index = 0; index < todo.length; index++) {
    const value = values[todo[index]]
    const record = records[todo[index]]
    let direct: unknown
    try {
      direct = map(value, record)
    } catch (error) {
      if (error instanceof RecordError) {
        results[index] = error
        continue
      }
      // An outage on a synchronous call: retry it through the context.
      const retried = attempt(index)
      inFlight.add(retried)
      await retried
      inFlight.delete(retried)
      continue
    }
    if (!(direct instanceof Promise)) {
      results[index] = direct
      continue
    }
    const pending: Promise<void> = direct.then(
      (value) => {
        results[index] = value
      },
      (error: unknown) => {
        if (error instanceof RecordError) {
          results[index] = error
          return undefined
        }
        return attempt(index)
      },
    )
    const tracked = pending.finally(() => inFlight.delete(tracked))
    inFlight.add(tracked)
    if (inFlight.size >= concurrency) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  return results
}
