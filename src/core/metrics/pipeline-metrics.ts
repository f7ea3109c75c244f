/**
 * A running pipeline's Prometheus metrics (SPEC §10), built from its events alone: `deadletter`, `status`
 * and the periodic `stats` (counts, results per output, lag per partition, watermark, open windows and the
 * latency histograms since the previous stats). Every series has the `pipeline` and `group` labels.
 * prom-client is imported by `startPipelineMetrics` only, so a run without --metrics-port never loads it.
 */
import type * as Prom from 'prom-client'

import {LATENCY_BUCKETS_MS, type LatencyHistogram, type PipelineEvent} from '../stream/index.js'
import {serveMetrics, type MetricsEndpoint, type MetricsListenOptions} from './server.js'

export interface PipelineMetricsOptions extends MetricsListenOptions {
  pipeline: string
  groupId: string
}

export interface PipelineMetrics extends MetricsEndpoint {
  /** Feed every event of the run here. */
  observe(event: PipelineEvent): void
}

export const LATENCY_BUCKETS_SECONDS = LATENCY_BUCKETS_MS.map((ms) => ms / 1000)

export async function startPipelineMetrics(options: PipelineMetricsOptions): Promise<PipelineMetrics> {
  const prom = await import('prom-client')
  const registry = new prom.Registry()
  const recorder = new PipelineMetricsRecorder(prom, registry, options.pipeline, options.groupId)
  const endpoint = await serveMetrics(registry, options)
  return {url: endpoint.url, close: () => endpoint.close(), observe: (event) => recorder.observe(event)}
}

type Labels = {pipeline: string; group: string}

/** The metric families and how each event updates them (separate from the HTTP side, for unit tests). */
export class PipelineMetricsRecorder {
  private readonly labels: Labels
  private readonly recordsIn: Prom.Counter<'pipeline' | 'group'>
  private readonly results: Prom.Counter<'pipeline' | 'group' | 'output'>
  private readonly deadLetters: Prom.Counter<'pipeline' | 'group' | 'reason'>
  private readonly late: Prom.Counter<'pipeline' | 'group'>
  private readonly outages: Prom.Counter<'pipeline' | 'group' | 'service'>
  private readonly serviceUp: Prom.Gauge<'pipeline' | 'group' | 'service'>
  private readonly lag: Prom.Gauge<'pipeline' | 'group' | 'topic' | 'partition'>
  private readonly openWindows: Prom.Gauge<'pipeline' | 'group'>
  private readonly watermark: Prom.Gauge<'pipeline' | 'group'>
  private readonly sinkWrite: Prom.Histogram<'pipeline' | 'group'>
  private readonly endToEnd: Prom.Histogram<'pipeline' | 'group'>
  /** The totals of the last stats event: counters grow by the difference. */
  private seen = {recordsIn: 0, late: 0}
  /** Results per output as of the last stats event (the results counter grows by the differences). */
  private readonly seenOutputs = new Map<string, number>()
  private watermarkMs: number | null = null
  /** The services down as of the last status events. */
  private readonly down = new Set<string>()
  /** The partitions with a lag series, as of the last stats event (topic, partition). */
  private lagSeries = new Map<string, {topic: string; partition: string}>()

  constructor(prom: typeof Prom, registry: Prom.Registry, pipeline: string, groupId: string) {
    this.labels = {pipeline, group: groupId}
    const registers = [registry]
    const base = ['pipeline', 'group'] as const
    this.recordsIn = new prom.Counter({name: 'sstream_records_in_total', help: 'Input records processed (decoded, dead-lettered or late)', labelNames: base, registers})
    this.results = new prom.Counter({name: 'sstream_results_total', help: 'Results written, per output (records out)', labelNames: [...base, 'output'], registers})
    this.deadLetters = new prom.Counter({name: 'sstream_dead_letters_total', help: 'Records sent to the dead-letter topic, per reason', labelNames: [...base, 'reason'], registers})
    this.late = new prom.Counter({name: 'sstream_late_records_total', help: 'Records behind the watermark (dead-lettered with reason late)', labelNames: base, registers})
    this.outages = new prom.Counter({name: 'sstream_outages_total', help: 'Times a service the run depends on went down', labelNames: [...base, 'service'], registers})
    this.serviceUp = new prom.Gauge({name: 'sstream_service_up', help: '1 while a service answers, 0 during an outage (services named by the run so far)', labelNames: [...base, 'service'], registers})
    this.lag = new prom.Gauge({name: 'sstream_consumer_lag_records', help: 'Records between the position read and the end of the partition', labelNames: [...base, 'topic', 'partition'], registers})
    this.openWindows = new prom.Gauge({name: 'sstream_open_windows', help: 'Windows held open (not yet closed by the watermark)', labelNames: base, registers})
    this.watermark = new prom.Gauge({name: 'sstream_watermark_seconds', help: 'The merged event-time watermark, in seconds since the epoch', labelNames: base, registers})
    const watermarkMs = (): number | null => this.watermarkMs
    const labels = this.labels
    new prom.Gauge({
      name: 'sstream_watermark_delay_seconds',
      help: 'How far the watermark is behind the wall clock, at scrape time',
      labelNames: base,
      registers,
      collect() {
        const ms = watermarkMs()
        if (ms !== null) this.set(labels, Math.max(0, (Date.now() - ms) / 1000))
      },
    })
    this.sinkWrite = new prom.Histogram({name: 'sstream_sink_write_seconds', help: 'Time to write a batch to the sinks and commit it', labelNames: base, buckets: LATENCY_BUCKETS_SECONDS, registers})
    this.endToEnd = new prom.Histogram({
      name: 'sstream_end_to_end_latency_seconds',
      help: 'From a window\'s end (event time) to its result being committed',
      labelNames: base,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    })
    prom.collectDefaultMetrics({register: registry})
  }

  observe(event: PipelineEvent): void {
    const labels = this.labels
    switch (event.type) {
      case 'deadletter':
        this.deadLetters.inc({...labels, reason: event.reason})
        break
      case 'status':
        // One outage however often its reason changes (a Redis back without its data after one not reached):
        // counted when the service goes from up (or not yet reported) to down.
        if (event.state === 'down' && !this.down.has(event.service)) this.outages.inc({...labels, service: event.service})
        if (event.state === 'down') this.down.add(event.service)
        else this.down.delete(event.service)
        this.serviceUp.set({...labels, service: event.service}, event.state === 'ok' ? 1 : 0)
        break
      case 'stats':
        this.recordsIn.inc(labels, Math.max(0, event.recordsIn - this.seen.recordsIn))
        this.late.inc(labels, Math.max(0, event.late - this.seen.late))
        this.seen = {recordsIn: Math.max(event.recordsIn, this.seen.recordsIn), late: Math.max(event.late, this.seen.late)}
        for (const [output, count] of Object.entries(event.outputs)) {
          const seen = this.seenOutputs.get(output) ?? 0
          if (count > seen) this.results.inc({...labels, output}, count - seen)
          this.seenOutputs.set(output, Math.max(count, seen))
        }
        this.observeLag(event.partitions)
        this.openWindows.set(labels, event.openWindows)
        if (event.watermark) {
          this.watermarkMs = Date.parse(event.watermark)
          this.watermark.set(labels, this.watermarkMs / 1000)
        }
        if (event.latency) {
          observeHistogram(this.sinkWrite, labels, event.latency.sinkWriteMs)
          observeHistogram(this.endToEnd, labels, event.latency.endToEndMs)
        }
        break
      default:
    }
  }

  /**
   * One lag series per partition the run reads now: a partition that moved to another member of the group
   * (or whose lag is not known) loses its series, which would otherwise keep its last value and be counted
   * again, beside the new owner's, in a sum over the group.
   */
  private observeLag(partitions: ReadonlyArray<{topic: string; partition: number; lag: number | null}>): void {
    const current = new Map<string, {topic: string; partition: string}>()
    for (const p of partitions) {
      if (p.lag === null) continue
      const series = {topic: p.topic, partition: String(p.partition)}
      current.set(`${series.topic}\u0000${series.partition}`, series)
      this.lag.set({...this.labels, ...series}, p.lag)
    }
    for (const [key, series] of this.lagSeries) if (!current.has(key)) this.lag.remove({...this.labels, ...series})
    this.lagSeries = current
  }
}

/**
 * Replays a stats event's bucket counts into a prom-client histogram: each bucket's samples are observed at
 * their mean (kept inside the bucket), so that the bucket counts, the count and the sum are all exact.
 */
function observeHistogram(histogram: Prom.Histogram<'pipeline' | 'group'>, labels: Labels, taken: LatencyHistogram): void {
  for (let i = 0; i < taken.counts.length; i++) {
    const count = taken.counts[i] ?? 0
    if (count === 0) continue
    const low = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!
    const high = LATENCY_BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY
    const mean = (taken.sums[i] ?? 0) / count
    const seconds = Math.min(high, Math.max(i === 0 ? 0 : low + 1e-9, mean)) / 1000
    for (let n = 0; n < count; n++) histogram.observe(labels, seconds)
  }
}
