/**
 * The broker-less test driver: runs a pipeline definition over records held in memory, with the same
 * stage-1 and stage-2 task code and the same commit protocol (task-host.ts: restore, store-only start,
 * catch-up, store writes before the transaction) as the Kafka runtime, over in-memory ports: an in-memory
 * input and repartition topic, atomic in-memory "transactions", and a clock the test controls. `crash()`
 * drops every task's memory; the tasks are restored from the last commits, as after a kill -9 and restart.
 */
import {repartitionTopicName} from './repartition.js'
import {DIRECT_CONTEXT, type Task} from './task.js'
import {commitOutput, restoreTask, type TaskSpec} from './task-host.js'
import {forEachResult, type TaskOutput} from './task-output.js'
import {inputRecord, type DeadLetterEvent, type InputRecord, type OutputMessage, type PipelineDefinition, type ResultEvent} from './types.js'

export interface TestRecord {
  partition?: number
  key?: string | null
  value: string | Buffer | null
  /** The Kafka timestamp (ms); the driver's clock when absent. */
  timestamp?: number
}

export interface TestDriverOptions {
  /** Input partitions (and repartition partitions). Default 1. */
  partitions?: number
  /** Default 5000. */
  idleTimeoutMs?: number
  /** The clock's start (ms since the epoch). Default 0. */
  now?: number
  /** Records per batch handed to a task. Default 100. */
  batchSize?: number
  groupId?: string
  /** Windowed pipelines: an event time this far ahead of the driver's clock is dead-lettered. Default: no bound. */
  maxFutureMs?: number
}

/** 9999-12-31: later than any event time a test uses. */
const FAR_FUTURE = 253_402_214_400_000

interface Committed {
  offset: number
  metadata: string | null
}

export class TestDriver {
  /** The controlled wall clock (ms since the epoch). */
  now: number
  readonly repartitionTopic: string
  private readonly partitions: number
  private readonly idleTimeoutMs: number
  private readonly batchSize: number
  private readonly maxFutureMs: number | undefined
  private readonly input: InputRecord[][]
  private readonly repartition: InputRecord[][]
  private readonly lastRecordAt: number[]
  private readonly committed = new Map<string, Committed>()
  private sources: Task[] = []
  private merges: Task[] = []
  /** The tasks must be restored from the last commits (at the start, after a crash). */
  private stale = true
  private readonly topics = new Map<string, OutputMessage[]>()
  private readonly resultEvents: ResultEvent[] = []
  private readonly deadLetterEvents: DeadLetterEvent[] = []
  private counts = {recordsIn: 0, late: 0, future: 0}

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly definition: PipelineDefinition<any>,
    options: TestDriverOptions = {},
  ) {
    this.partitions = options.partitions ?? 1
    this.idleTimeoutMs = options.idleTimeoutMs ?? 5000
    this.batchSize = options.batchSize ?? 100
    this.now = options.now ?? 0
    this.maxFutureMs = options.maxFutureMs
    this.repartitionTopic = repartitionTopicName(options.groupId ?? 'test', definition.name)
    this.input = Array.from({length: this.partitions}, () => [])
    this.repartition = Array.from({length: this.partitions}, () => [])
    this.lastRecordAt = Array.from({length: this.partitions}, () => this.now)
  }

  /** Appends records to the input partitions and processes everything that can be processed. */
  async send(records: TestRecord[]): Promise<void> {
    for (const r of records) {
      const partition = r.partition ?? 0
      const log = this.input[partition]
      log.push(inputRecord({topic: this.definition.inputTopic, partition, offset: log.length, timestamp: r.timestamp ?? this.now, key: r.key ?? null, value: r.value}))
      this.lastRecordAt[partition] = this.now
    }
    await this.drain()
  }

  /**
   * Advances the clock; partitions with no records for the idle timeout become idle (their open windows are
   * flushed to stage 2), and stage 2 advances with the wall clock once every source is idle.
   */
  async advanceTime(ms: number): Promise<void> {
    this.now += ms
    // A restarted task first catches up with what it has not committed.
    await this.drain()
    for (const task of this.sources) {
      if (this.now - this.lastRecordAt[task.partition] >= this.idleTimeoutMs) await this.commit(task, settled(task, task.idleStep(this.now)))
    }
    await this.drainMerges()
    for (const task of this.merges) await this.commit(task, settled(task, task.idleStep(this.now)))
    await this.drainMerges()
  }

  /** Lets every partition go idle, then moves the clock far past every event time: every window closes. */
  async finish(): Promise<void> {
    await this.advanceTime(this.idleTimeoutMs)
    await this.advanceTime(Math.max(0, FAR_FUTURE - this.now))
  }

  /** Forgets every task's memory; they restore from the last commits before going on, like after a kill -9. */
  crash(): void {
    this.stale = true
  }

  /** Processes the next batch of one input partition, then crashes before committing it. */
  async crashDuring(partition: number): Promise<void> {
    await this.restoreTasks()
    const task = this.sources[partition]
    const pending = this.pendingInput(task)
    if (pending.length > 0) await task.process(pending.slice(0, this.batchSize), undefined, this.now)
    this.crash()
  }

  results(output?: string): ResultEvent[] {
    return output ? this.resultEvents.filter((e) => e.output === output) : [...this.resultEvents]
  }

  deadLetters(): DeadLetterEvent[] {
    return [...this.deadLetterEvents]
  }

  /** Committed messages of a topic (topic sinks, dead letters, the repartition topic). */
  messages(topic: string): OutputMessage[] {
    return [...(this.topics.get(topic) ?? [])]
  }

  get recordsIn(): number {
    return this.counts.recordsIn
  }

  get late(): number {
    return this.counts.late
  }

  /** Records dead-lettered `future-timestamp`. */
  get future(): number {
    return this.counts.future
  }

  /** Restores every task through the runtime's protocol, over the driver's in-memory commits and logs. */
  private async restoreTasks(): Promise<void> {
    if (!this.stale) return
    this.stale = false
    const {definition, partitions} = this
    const restore = (kind: 'source' | 'merge', topic: string, partition: number): Promise<Task> => {
      const spec: TaskSpec = {
        definition,
        kind,
        topic,
        partition,
        repartitionTopic: this.repartitionTopic,
        inputPartitions: partitions,
        ...(this.maxFutureMs === undefined ? {} : {maxFutureMs: this.maxFutureMs}),
      }
      const log = kind === 'source' ? this.input[partition] : this.repartition[partition]
      return restoreTask(spec, {
        committed: async () => this.committed.get(`${topic}:${partition}`),
        bounds: async () => ({low: 0, high: log.length}),
        retry: (work) => work(),
      })
    }
    const range = Array.from({length: partitions}, (_, partition) => partition)
    this.sources = await Promise.all(range.map((partition) => restore('source', definition.inputTopic, partition)))
    this.merges = definition.window ? await Promise.all(range.map((partition) => restore('merge', this.repartitionTopic, partition))) : []
  }

  private pendingInput(task: Task): InputRecord[] {
    const log = task.kind === 'source' ? this.input[task.partition] : this.repartition[task.partition]
    return log.slice(task.nextOffset ?? 0)
  }

  private async drain(): Promise<void> {
    await this.restoreTasks()
    let progressed = true
    while (progressed) {
      progressed = false
      for (const task of this.sources) {
        const pending = this.pendingInput(task)
        if (pending.length === 0) continue
        progressed = true
        await this.commit(task, await task.process(pending.slice(0, this.batchSize), undefined, this.now))
      }
      await this.drainMerges()
    }
  }

  private async drainMerges(): Promise<void> {
    for (const task of this.merges) {
      for (let pending = this.pendingInput(task); pending.length > 0; pending = this.pendingInput(task)) {
        await this.commit(task, await task.process(pending.slice(0, this.batchSize)))
      }
    }
  }

  /** The runtime's commit protocol over the in-memory transaction: messages and the checkpoint at once. */
  private async commit(task: Task, out: TaskOutput): Promise<void> {
    const committed = await commitOutput(task, out, DIRECT_CONTEXT, async (messages, checkpoint) => {
      for (const message of messages) {
        if (message.topic === this.repartitionTopic) {
          const log = this.repartition[message.partition ?? 0]
          log.push(inputRecord({topic: this.repartitionTopic, partition: message.partition ?? 0, offset: log.length, timestamp: this.now, key: message.key, value: message.value}))
        }
        const list = this.topics.get(message.topic) ?? []
        list.push(message)
        this.topics.set(message.topic, list)
      }
      if (checkpoint) this.committed.set(`${task.topic}:${task.partition}`, checkpoint)
    })
    this.counts.recordsIn += out.recordsIn
    this.counts.late += out.late
    this.counts.future += out.future
    for (const write of out.storeWrites) forEachResult(write, (event) => this.resultEvents.push(event))
    if (!committed) return
    this.resultEvents.push(...out.results)
    this.deadLetterEvents.push(...out.deadLetters)
  }
}

/** Runs a pipeline over records in memory, then lets every partition go idle so that the last windows close. */
export async function runInMemory(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: PipelineDefinition<any>,
  records: TestRecord[],
  options: TestDriverOptions = {},
): Promise<{results: ResultEvent[]; deadLetters: DeadLetterEvent[]; driver: TestDriver}> {
  const driver = new TestDriver(definition, options)
  await driver.send(records)
  await driver.finish()
  return {results: driver.results(), deadLetters: driver.deadLetters(), driver}
}

/** A quiet task's idle step also commits the progress no commit recorded yet, as the runtime does. */
function settled(task: Task, out: TaskOutput): TaskOutput {
  if (!out.commit && task.uncommitted) out.commit = true
  return out
}
