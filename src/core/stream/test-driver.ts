/**
 * The broker-less test driver: runs a pipeline definition over records held in memory, with the same
 * stage-1 and stage-2 task code as the Kafka runtime, an in-memory repartition topic, atomic in-memory
 * "transactions", and a clock the test controls. `crash()` drops every task's memory and restores it
 * from the last commits, as a kill -9 and restart would.
 */
import {MergeTask} from './merge-task.js'
import {repartitionTopicName} from './repartition.js'
import {SourceTask} from './source-task.js'
import type {TaskOutput} from './task-output.js'
import type {DeadLetterEvent, InputRecord, OutputMessage, PipelineDefinition, ResultEvent} from './types.js'

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
  private readonly input: InputRecord[][]
  private readonly repartition: InputRecord[][]
  private readonly lastRecordAt: number[]
  private readonly committed = new Map<string, Committed>()
  private sources: SourceTask[] = []
  private merges: MergeTask[] = []
  private readonly topics = new Map<string, OutputMessage[]>()
  private readonly resultEvents: ResultEvent[] = []
  private readonly deadLetterEvents: DeadLetterEvent[] = []
  private counts = {recordsIn: 0, late: 0}
  private positionsRestored = false

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly definition: PipelineDefinition<any>,
    options: TestDriverOptions = {},
  ) {
    this.partitions = options.partitions ?? 1
    this.idleTimeoutMs = options.idleTimeoutMs ?? 5000
    this.batchSize = options.batchSize ?? 100
    this.now = options.now ?? 0
    this.repartitionTopic = repartitionTopicName(options.groupId ?? 'test', definition.name)
    this.input = Array.from({length: this.partitions}, () => [])
    this.repartition = Array.from({length: this.partitions}, () => [])
    this.lastRecordAt = Array.from({length: this.partitions}, () => this.now)
    this.createTasks()
  }

  /** Appends records to the input partitions and processes everything that can be processed. */
  async send(records: TestRecord[]): Promise<void> {
    for (const r of records) {
      const partition = r.partition ?? 0
      const log = this.input[partition]
      log.push({
        topic: this.definition.inputTopic,
        partition,
        offset: log.length,
        timestamp: r.timestamp ?? this.now,
        key: r.key ?? null,
        value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value, 'utf8'),
      })
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
      if (this.now - this.lastRecordAt[task.partition] >= this.idleTimeoutMs) await this.commit(task, task.idleFlush())
    }
    await this.drainMerges()
    for (const task of this.merges) await this.commit(task, task.tick(this.now))
    await this.drainMerges()
  }

  /** Lets every partition go idle, then moves the clock far past every event time: every window closes. */
  async finish(): Promise<void> {
    await this.advanceTime(this.idleTimeoutMs)
    await this.advanceTime(Math.max(0, FAR_FUTURE - this.now))
  }

  /** Forgets every task's memory and restores from the last commits, like a kill -9 and a restart. */
  crash(): void {
    this.createTasks()
  }

  /** Processes the next `batches` batches of one input partition, then crashes before committing the last. */
  async crashDuring(partition: number): Promise<void> {
    const task = this.sources[partition]
    const pending = this.pendingInput(task)
    if (pending.length > 0) await task.process(pending.slice(0, this.batchSize))
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

  private createTasks(): void {
    const {definition} = this
    this.positionsRestored = false
    this.sources = Array.from({length: this.partitions}, (_, partition) => {
      const task = new SourceTask({definition, partition, repartitionTopic: this.repartitionTopic, repartitionPartitions: this.partitions})
      task.restore(this.committed.get(`${definition.inputTopic}:${partition}`))
      return task
    })
    this.merges = definition.window
      ? Array.from({length: this.partitions}, (_, partition) => {
          const task = new MergeTask({definition, repartitionTopic: this.repartitionTopic, partition, sourcePartitions: this.partitions})
          task.restore(this.committed.get(`${this.repartitionTopic}:${partition}`))
          return task
        })
      : []
  }

  private pendingInput(task: SourceTask | MergeTask): InputRecord[] {
    const log = task instanceof SourceTask ? this.input[task.partition] : this.repartition[task.partition]
    return log.slice(task.nextOffset ?? 0)
  }

  /** Like the runtime: per-record store sinks that keep positions say where each task starts for them. */
  private async restoreStoredPositions(): Promise<void> {
    if (this.positionsRestored) return
    this.positionsRestored = true
    for (const task of this.sources) {
      for (const stage of this.definition.perRecord ?? []) {
        const sink = stage.sink
        if (sink.kind === 'store' && sink.storedPosition) task.setStoredPosition(stage.name, await sink.storedPosition(task.topic, task.partition))
      }
    }
  }

  private async drain(): Promise<void> {
    await this.restoreStoredPositions()
    let progressed = true
    while (progressed) {
      progressed = false
      for (const task of this.sources) {
        const pending = this.pendingInput(task)
        if (pending.length === 0) continue
        progressed = true
        await this.commit(task, await task.process(pending.slice(0, this.batchSize)))
      }
      await this.drainMerges()
    }
  }

  private async drainMerges(): Promise<void> {
    for (const task of this.merges) {
      for (let pending = this.pendingInput(task); pending.length > 0; pending = this.pendingInput(task)) {
        await this.commit(task, task.process(pending.slice(0, this.batchSize)))
      }
    }
  }

  /** The in-memory transaction: store writes, then messages and the checkpoint, all at once. */
  private async commit(task: SourceTask | MergeTask, out: TaskOutput): Promise<void> {
    for (const write of out.storeWrites) {
      await write.sink.write(write.items, write.context)
      if (write.stage && task instanceof SourceTask) task.advanceStoredPosition(write.stage, write.context.nextOffset)
    }
    this.counts.recordsIn += out.recordsIn
    this.counts.late += out.late
    if (!out.commit) {
      this.resultEvents.push(...out.storeWrites.flatMap((w) => w.results))
      return
    }
    for (const message of out.messages) {
      if (message.topic === this.repartitionTopic) {
        const log = this.repartition[message.partition ?? 0]
        log.push({
          topic: this.repartitionTopic,
          partition: message.partition ?? 0,
          offset: log.length,
          timestamp: this.now,
          key: message.key,
          value: Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value, 'utf8'),
        })
      }
      const list = this.topics.get(message.topic) ?? []
      list.push(message)
      this.topics.set(message.topic, list)
    }
    const checkpoint = task.checkpoint()
    this.committed.set(`${task.topic}:${task.partition}`, checkpoint)
    task.markCommitted(checkpoint.offset)
    this.resultEvents.push(...out.storeWrites.flatMap((w) => w.results), ...out.results)
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
