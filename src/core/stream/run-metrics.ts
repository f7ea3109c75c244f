/**
 * The run's counters and latencies: totals since the start (for the summary and every stats event) and the
 * figures of the current stats interval (rate, mean latencies, latency histograms), which each stats event
 * takes and starts again.
 */
import {LatencyRecorder, type LatencyHistogram} from './latency.js'
import {resultCount, type StoreWrite, type TaskOutput} from './task-output.js'
import type {ResultEvent} from './types.js'

export interface RunTotals {
  recordsIn: number
  recordsOut: number
  deadLettered: number
  late: number
  future: number
  outputs: Record<string, number>
}

export interface IntervalFigures {
  /** Records in per second over the interval. */
  rate: number
  sinkLatencyMs: number | null
  endToEndLatencyMs: number | null
  latency: {sinkWriteMs: LatencyHistogram; endToEndMs: LatencyHistogram}
}

export class RunMetrics {
  private readonly counts: RunTotals = {recordsIn: 0, recordsOut: 0, deadLettered: 0, late: 0, future: 0, outputs: {}}
  private interval: {records: number; at: number; sinkMs: number; sinkCount: number; e2eMs: number; e2eCount: number}
  /** The same latencies as histograms, carried by each stats event (for the metrics endpoint). */
  private readonly latency = {sinkWrite: new LatencyRecorder(), endToEnd: new LatencyRecorder()}

  constructor(now = Date.now()) {
    this.interval = {records: 0, at: now, sinkMs: 0, sinkCount: 0, e2eMs: 0, e2eCount: 0}
  }

  /**
   * Counts a task output made durable: `sinkMs`, the time its store writes and transaction took (undefined
   * when it wrote nothing); `now`, when it completed (the end-to-end latency of the windows it closed).
   */
  add(out: TaskOutput, sinkMs: number | undefined, now: number): void {
    if (sinkMs !== undefined) {
      this.interval.sinkMs += sinkMs
      this.interval.sinkCount += 1
      this.latency.sinkWrite.add(sinkMs)
    }
    for (const end of out.windowEnds) {
      this.interval.e2eMs += now - end
      this.interval.e2eCount += 1
      this.latency.endToEnd.add(now - end)
    }
    this.counts.recordsIn += out.recordsIn
    this.interval.records += out.recordsIn
    this.counts.late += out.late
    this.counts.future += out.future
    this.counts.deadLettered += out.deadLetters.length
    for (const write of out.storeWrites) this.addStored(write)
    this.addResults(out.results)
  }

  /**
   * Counts what a store with stored positions took in an output whose transaction then failed: durable all the
   * same, and never counted again (the replay finds it stored and skips it).
   */
  addStored(write: StoreWrite): void {
    const count = resultCount(write)
    if (count === 0) return
    this.counts.recordsOut += count
    this.counts.outputs[write.sink.name] = (this.counts.outputs[write.sink.name] ?? 0) + count
  }

  /** Counts results per output, a run of results of one output at a time (no array, one update per run). */
  private addResults(results: readonly ResultEvent[]): void {
    const {counts} = this
    for (let i = 0; i < results.length; ) {
      const {output} = results[i]
      let end = i + 1
      while (end < results.length && results[end].output === output) end++
      counts.recordsOut += end - i
      counts.outputs[output] = (counts.outputs[output] ?? 0) + (end - i)
      i = end
    }
  }

  /** The totals since the start (a copy). */
  get totals(): RunTotals {
    return {...this.counts, outputs: {...this.counts.outputs}}
  }

  /** The current interval's figures; the next interval starts at `now`. */
  takeInterval(now: number): IntervalFigures {
    const {interval} = this
    const seconds = Math.max(0.001, (now - interval.at) / 1000)
    const figures = {
      rate: Math.round(interval.records / seconds),
      sinkLatencyMs: interval.sinkCount > 0 ? Math.round((interval.sinkMs / interval.sinkCount) * 10) / 10 : null,
      endToEndLatencyMs: interval.e2eCount > 0 ? Math.round(interval.e2eMs / interval.e2eCount) : null,
      latency: {sinkWriteMs: this.latency.sinkWrite.take(), endToEndMs: this.latency.endToEnd.take()},
    }
    this.interval = {records: 0, at: now, sinkMs: 0, sinkCount: 0, e2eMs: 0, e2eCount: 0}
    return figures
  }
}
