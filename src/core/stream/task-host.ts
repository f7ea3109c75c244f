/**
 * The commit protocol, written once for both hosts of the tasks: the Kafka runtime and the broker-less test
 * driver (as Kafka Streams' TopologyTestDriver drives a real StreamTask). The host supplies the facts — the
 * group's last commit, the partition's bounds, a retry policy for stores — and the transaction; this module
 * decides where a task starts and in which order its outputs are made durable.
 *
 * Restore: the task starts from the group's commit (offset + checkpoint metadata), or, with none, at the
 * partition's first offset (with --from latest, where the consumer first read it). A pipeline whose only
 * outputs are stores that keep their own positions (the leaderboard) starts where its stores stand instead
 * (the store-only start); a positioned store that stands behind the commit is caught up from its own
 * position first (the catch-up). A stored position past the partition's end is an error (STORE_AHEAD).
 *
 * Commit: store writes first (each settled: rejections become dead letters; the stage's stored position
 * moves on), then the messages and the checkpoint in one transaction, then the task records the commit.
 */
import {SstreamError} from '../errors.js'
import type {Checkpoint} from './checkpoint.js'
import {MergeTask} from './merge-task.js'
import {SourceTask} from './source-task.js'
import type {Task, TaskContext} from './task.js'
import {settleStoreWrite, type TaskOutput} from './task-output.js'
import type {OutputMessage, PipelineDefinition} from './types.js'

/** A partition's first offset still in the log (low) and its end offset (high). */
export interface PartitionBounds {
  low: number
  high: number
}

/** The facts a host gives the protocol about one partition. */
export interface RestorePorts {
  /** The group's last commit of the partition (undefined: none). */
  committed(): Promise<{offset: number; metadata: string | null} | undefined>
  /** The partition's first offset in the log and its end (read at most once per restore). */
  bounds(): Promise<PartitionBounds>
  /** How calls to the stores are made (the runtime retries them through outages). */
  retry<T>(work: () => Promise<T>): Promise<T>
  /** A line of trace, for diagnosing a stuck run. */
  trace?(message: string): void
}

export interface TaskSpec {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: PipelineDefinition<any>
  kind: 'source' | 'merge'
  /** The input topic (source) or the repartition topic (merge). */
  topic: string
  partition: number
  repartitionTopic?: string
  /** Partitions of the input topic (= of the repartition topic). */
  inputPartitions: number
  /** Where a partition starts when nothing is stored: its first offset (default), or its end. */
  from?: 'earliest' | 'latest'
  /** With `from: 'latest'`: where the consumer first read the partition, if it has (a task made again after a failure). */
  firstFetched?: number
  /** Stage 1 of a windowed pipeline: event times this far ahead of the wall clock are dead-lettered. */
  maxFutureMs?: number
}

/** A pipeline whose only outputs are stores that keep their own positions (leaderboard). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isStoreOnly(definition: PipelineDefinition<any>): boolean {
  const sinks = [...(definition.perRecord ?? []).map((s) => s.sink), ...(definition.window ? [definition.window.sink] : [])]
  return !definition.window && sinks.length > 0 && sinks.every((s) => s.kind === 'store' && s.storedPosition !== undefined)
}

/** Makes a partition's task and restores it from its last commit and its stores' positions. */
export async function restoreTask(spec: TaskSpec, ports: RestorePorts): Promise<Task> {
  const {definition, topic, partition} = spec
  const committed = await ports.committed()
  if (spec.kind === 'merge') {
    const task = new MergeTask({definition, repartitionTopic: topic, partition, sourcePartitions: spec.inputPartitions})
    // Nothing committed: the partition's first offset (see the source tasks' no-commit start below).
    task.restore(committed ?? {offset: (await ports.bounds()).low, metadata: null})
    return task
  }
  const task = new SourceTask({
    definition,
    partition,
    ...(spec.repartitionTopic ? {repartitionTopic: spec.repartitionTopic} : {}),
    repartitionPartitions: spec.inputPartitions,
    ...(spec.maxFutureMs === undefined ? {} : {maxFutureMs: spec.maxFutureMs}),
  })
  const positions = new Map<string, number | undefined>()
  const stored: Array<{store: string; position: number}> = []
  for (const stage of definition.perRecord ?? []) {
    const sink = stage.sink
    if (sink.kind === 'store' && sink.storedPosition) {
      const position = await ports.retry(() => sink.storedPosition!(topic, partition))
      positions.set(stage.name, position)
      if (position !== undefined) stored.push({store: sink.name, position})
    }
  }
  // The partition's first and end offsets, read once for this restore (only if needed), after the stored
  // positions: a position past this end was not reached in this log.
  let bounds: Promise<PartitionBounds> | undefined
  const partitionBounds = (): Promise<PartitionBounds> => (bounds ??= ports.bounds())
  for (const {store, position} of stored) checkStoredPosition(spec, store, position, (await partitionBounds()).high)
  if (isStoreOnly(definition)) {
    // The store holds the authoritative position: start there (or at the start / end of the partition
    // when nothing is stored), whatever the group's Kafka offset says (it is only a hint).
    let start = stored.length > 0 ? Math.min(...stored.map((s) => s.position)) : partitionStart(spec, await partitionBounds())
    // A store ahead of the group's commit (a crash between its write and the commit): the records in
    // between are read again; the store skips them, and their dead letters, which went with the
    // transaction that did not commit, are written (the store reports again what it refused).
    if (stored.length > 0 && committed && committed.offset < start) start = committed.offset
    task.restore({offset: start, metadata: null})
  } else {
    // Nothing committed (a new group, or its first transaction failed): the task starts at the partition's
    // first offset all the same, so that the host sends its consumer back there. After a first transaction
    // that failed, the consumer stands past the records that transaction took: they must be read again.
    // With --from latest: where the consumer first read it (the host remembers), or, before any read, wherever the
    // consumer stands (its end).
    if (committed) task.restore(committed)
    else {
      const first = spec.from === 'latest' ? spec.firstFetched : (await partitionBounds()).low
      if (first !== undefined) task.restore({offset: first, metadata: null})
    }
    // A board behind the group's commit (reset, or new): catch it up from its own position first.
    if (committed && positions.size > 0) {
      const low = [...positions.values()].some((p) => p === undefined) ? (await partitionBounds()).low : Number.POSITIVE_INFINITY
      const from = Math.min(...[...positions.values()].map((p) => p ?? low))
      if (from < committed.offset) {
        task.catchUpFrom(from)
        ports.trace?.(`${topic}:${partition} catch-up of the stored stages from ${from} to ${committed.offset}`)
      }
    }
  }
  for (const [stage, position] of positions) task.setStoredPosition(stage, position)
  return task
}

/** Where a partition starts when nothing is stored: its first offset, or its end for --from latest. */
function partitionStart(spec: TaskSpec, {low, high}: PartitionBounds): number {
  return spec.from === 'latest' ? high : low
}

/**
 * A store's position past the end of the partition belongs to an earlier topic of the same name (deleted
 * and created again, or another Kafka): resuming there would skip every record as already applied.
 */
function checkStoredPosition(spec: TaskSpec, store: string, position: number, end: number): void {
  if (position <= end) return
  throw new SstreamError(
    'STORE_AHEAD',
    `${store} holds position ${position} for ${spec.topic}:${spec.partition}, past the partition's end (${end}): it was built from an earlier topic of that name, so every record would be skipped as already applied.`,
    {nextSteps: [`Start it afresh with \`sstream run ${spec.definition.name} --reset\` (or \`sstream setup redis --reset\`), or give the run its own --key.`]},
  )
}

/** The transaction a host offers: the messages and the checkpoint (absent before any record), atomically. */
export type CommitTransaction = (messages: OutputMessage[], checkpoint: Checkpoint | undefined) => Promise<void>

/**
 * Makes a task's output durable, in the protocol's order: store writes (through `context.retry`), then the
 * messages and the checkpoint in one transaction (only when the output asks for a commit), then the task
 * records the commit. `beforeTransaction` runs after the store writes, before the transaction. Returns whether
 * a transaction was committed.
 */
export async function commitOutput(task: Task, out: TaskOutput, context: TaskContext, transaction: CommitTransaction, beforeTransaction?: () => void): Promise<boolean> {
  for (const write of out.storeWrites) {
    settleStoreWrite(out, write, await context.retry(() => write.sink.write(write.items, write.context)))
    if (write.stage) task.advanceStoredPosition(write.stage, write.context.nextOffset)
  }
  // The host's last look at the messages (the runtime dead-letters what an output topic would refuse).
  beforeTransaction?.()
  if (!out.commit) return false
  const checkpoint = task.nextOffset === undefined ? undefined : task.checkpoint()
  await transaction(out.messages, checkpoint)
  if (checkpoint) task.markCommitted(checkpoint.offset)
  return true
}
