/**
 * What the hosts (the Kafka runtime and the test driver) see of a partition task: stage 1 (SourceTask) and
 * stage 2 (MergeTask) both implement it, so that restoring, processing, committing and the idle steps go
 * through one interface; only the decisions that differ by stage ask for `kind`.
 */
import type {Checkpoint} from './checkpoint.js'
import type {TaskOutput} from './task-output.js'
import type {InputRecord} from './types.js'

/** How a task runs calls to external services: the runtime retries them through outages; tests just call. */
export interface TaskContext {
  retry<T>(work: () => Promise<T>): Promise<T>
}

export const DIRECT_CONTEXT: TaskContext = {retry: (work) => work()}

export interface Task {
  /** 'source': an input partition (stage 1); 'merge': a repartition partition (stage 2). */
  readonly kind: 'source' | 'merge'
  readonly topic: string
  readonly partition: number
  /** Records this task still expects from (undefined: whatever the consumer starts at). */
  readonly nextOffset: number | undefined
  /** The committed position of the last completed transaction (the restart point). */
  readonly committed: number | undefined
  readonly watermark: number
  readonly openWindows: number
  /** Stage 1: the partition announced itself idle. Stage 2: every source partition did. */
  readonly idle: boolean
  /**
   * The task has moved past records that no commit recorded yet: stage 2 commits the watermark markers that
   * produce nothing only every thousand offsets, and both stages move over transaction markers after a
   * commit. The host commits that progress once the partition is quiet, so that the group's offsets (and
   * `sstream status`) show what was done.
   */
  readonly uncommitted: boolean
  /** Restores from the committed offset and its metadata (absent for a new group). */
  restore(committed: {offset: number; metadata: string | null} | undefined): void
  /** `now`: the wall clock (ms) for stage 1's --max-future bound; the runtime's clock when absent. */
  process(records: readonly InputRecord[], context?: TaskContext, now?: number): TaskOutput | Promise<TaskOutput>
  /**
   * The step the wall clock takes when no records come: stage 1 flushes its open windows and says it is
   * idle; stage 2 closes windows by the clock once every source is idle.
   */
  idleStep(now: number): TaskOutput
  /** The offset to commit (replay point) and the metadata that goes with it. */
  checkpoint(): Checkpoint
  /** Records that the transaction with this checkpoint committed. */
  markCommitted(offset: number): void
  /** Moves past offsets that held no record for this task (transaction markers). */
  advanceTo(offset: number): void
  /** After a store write with a stored position succeeded (stage 1's positioned stages; no-op for stage 2). */
  advanceStoredPosition(stage: string, position: number): void
  /** The open (window, key) accumulators, read-only (for the live view). */
  openAccumulators(): Generator<{start: number; key: string; acc: unknown}>
}
