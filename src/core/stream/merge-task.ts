/**
 * Stage 2: the task of one repartition partition. It merges the partial aggregates of each (window, key)
 * sent by the stage-1 tasks and emits a window once the merged watermark passes its end:
 *
 *   merged watermark = min over the source partitions that are not idle of their latest marker
 *                      (a source never heard from holds it at −∞);
 *                      when every source is idle: max(min of their markers, wall clock − lateness).
 *
 * A stage-1 task sends a window's partials before the marker that passes the window's end, in one
 * transaction, and this partition reads them in that order: so when the merged watermark passes a window,
 * every non-idle source's partials for it are here. Decisions depend only on this partition's records in
 * offset order (and on the wall clock when all sources are idle). A partial for a window already emitted
 * is late (counted, dead-lettered); that can only happen around idle partitions.
 */
import {decodeMergeState, encodeMergeState, type Checkpoint} from './checkpoint.js'
import {decodeRepartition} from './repartition.js'
import type {Task} from './task.js'
import {addDeadLetter, emptyOutput, routeItems, type RoutedItem, type TaskOutput} from './task-output.js'
import type {InputRecord, PipelineDefinition, WindowResult, WindowStage} from './types.js'
import {floorWatermark} from './windows.js'

export interface MergeTaskOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: PipelineDefinition<any>
  repartitionTopic: string
  partition: number
  /** Partitions of the input topic: the sources whose markers make up the merged watermark. */
  sourcePartitions: number
}

/** Commit at least this often (in offsets) even without results, so that a restart replays little. */
const COMMIT_EVERY = 1000

interface OpenWindow {
  minOffset: number
  accs: Map<string, unknown>
}

export class MergeTask implements Task {
  readonly kind = 'merge' as const
  readonly topic: string
  readonly partition: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly definition: PipelineDefinition<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly window: WindowStage<any, any, any>
  private readonly sourcePartitions: number

  private position: number | undefined
  private replayUntil = Number.NEGATIVE_INFINITY
  private emittedWatermark = Number.NEGATIVE_INFINITY
  private readonly sources = new Map<number, {watermark: number; idle: boolean}>()
  private readonly open = new Map<number, OpenWindow>()
  private committedOffset: number | undefined

  constructor(options: MergeTaskOptions) {
    if (!options.definition.window) throw new Error('A merge task needs a windowed pipeline.')
    this.definition = options.definition
    this.window = options.definition.window
    this.topic = options.repartitionTopic
    this.partition = options.partition
    this.sourcePartitions = options.sourcePartitions
  }

  restore(committed: {offset: number; metadata: string | null} | undefined): void {
    if (!committed) return
    this.position = committed.offset
    this.committedOffset = committed.offset
    const state = decodeMergeState(committed.metadata)
    if (!state) return
    this.replayUntil = state.position
    this.emittedWatermark = state.emittedWatermark
    for (const [sp, s] of state.sources) this.sources.set(sp, {...s})
  }

  get nextOffset(): number | undefined {
    return this.position
  }

  get committed(): number | undefined {
    return this.committedOffset
  }

  /** Windows ending at or before this have been emitted. */
  get watermark(): number {
    return this.emittedWatermark
  }

  get openWindows(): number {
    return this.open.size
  }

  get uncommitted(): boolean {
    return this.position !== undefined && this.checkpoint().offset !== this.committedOffset
  }

  /** Every source has said it is idle (the wall clock drives the watermark). */
  get allSourcesIdle(): boolean {
    if (this.sources.size < this.sourcePartitions) return false
    for (const s of this.sources.values()) if (!s.idle) return false
    return true
  }

  /** Stage 2's idleness: every source has said it is idle. */
  get idle(): boolean {
    return this.allSourcesIdle
  }

  process(records: readonly InputRecord[]): TaskOutput {
    const out = emptyOutput()
    const {window} = this
    for (const record of records) {
      if (this.position !== undefined && record.offset < this.position) continue
      this.position = record.offset + 1
      const replay = record.offset < this.replayUntil
      const message = decodeRepartition(record.valueBytes())
      if (!message) continue
      if (message.kind === 'partial') {
        if (message.w + window.sizeMs <= this.emittedWatermark) {
          if (!replay) {
            out.late += 1
            addDeadLetter(out, this.definition.name, this.definition.deadLetterTopic, record, 'late', `The window ${new Date(message.w).toISOString()} of "${message.k}" was emitted before this partial aggregate arrived.`)
          }
          continue
        }
        let open = this.open.get(message.w)
        if (!open) {
          open = {minOffset: record.offset, accs: new Map()}
          this.open.set(message.w, open)
        }
        const acc = open.accs.get(message.k)
        open.accs.set(message.k, acc === undefined ? message.a : window.aggregator.merge(acc, message.a))
      } else if (!replay) {
        const source = this.sources.get(message.sp)
        const watermark = message.wm ?? Number.NEGATIVE_INFINITY
        this.sources.set(message.sp, {watermark: source ? Math.max(source.watermark, watermark) : watermark, idle: message.idle})
        this.emitUpTo(out, this.mergedWatermark(undefined))
      }
    }
    out.commit = out.messages.length > 0 || out.storeWrites.length > 0 || this.checkpoint().offset - (this.committedOffset ?? 0) >= COMMIT_EVERY
    return out
  }

  /** When every source is idle, the wall clock advances the merged watermark. */
  tick(now: number): TaskOutput {
    const out = emptyOutput()
    if (this.allSourcesIdle) this.emitUpTo(out, this.mergedWatermark(now))
    out.commit = out.messages.length > 0 || out.storeWrites.length > 0
    return out
  }

  /** The wall clock's step for stage 2: `tick`. */
  idleStep(now: number): TaskOutput {
    return this.tick(now)
  }

  /** Stage 2 has no positioned store stages. */
  advanceStoredPosition(_stage: string, _position: number): void {}

  checkpoint(): Checkpoint {
    const position = this.position ?? this.committedOffset ?? 0
    let offset = position
    for (const open of this.open.values()) offset = Math.min(offset, open.minOffset)
    return {offset, metadata: encodeMergeState({position, emittedWatermark: this.emittedWatermark, sources: this.sources})}
  }

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

  private mergedWatermark(now: number | undefined): number {
    if (this.sources.size < this.sourcePartitions) return Number.NEGATIVE_INFINITY
    let active = Number.POSITIVE_INFINITY
    let all = Number.POSITIVE_INFINITY
    let anyActive = false
    for (const s of this.sources.values()) {
      all = Math.min(all, s.watermark)
      if (!s.idle) {
        anyActive = true
        active = Math.min(active, s.watermark)
      }
    }
    if (anyActive) return active
    return now === undefined ? all : Math.max(all, now - this.window.latenessMs)
  }

  private emitUpTo(out: TaskOutput, watermark: number): void {
    const {window} = this
    const floored = floorWatermark(watermark, window.sizeMs)
    if (!(floored > this.emittedWatermark)) return
    this.emittedWatermark = floored
    const closing = [...this.open.keys()].filter((start) => start + window.sizeMs <= floored).sort((a, b) => a - b)
    const items: Array<RoutedItem<WindowResult<unknown>>> = []
    for (const start of closing) {
      const open = this.open.get(start)!
      this.open.delete(start)
      const keys = [...open.accs.keys()].sort()
      for (const key of keys) {
        const result: WindowResult<unknown> = {windowStart: start, windowEnd: start + window.sizeMs, key, value: window.aggregator.result(open.accs.get(key))}
        items.push({item: result, key, window: result})
      }
      out.windowEnds.push(start + window.sizeMs)
    }
    routeItems(out, this.definition.name, this.definition.deadLetterTopic, window.sink, items, {
      pipeline: this.definition.name,
      topic: this.topic,
      partition: this.partition,
      nextOffset: this.position ?? 0,
    })
  }
}
