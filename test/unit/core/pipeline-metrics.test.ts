/**
 * The metrics a run's events make (no HTTP): counters grow by the stats' differences (results per output
 * among them), dead letters count per reason, outages count down transitions, and the latency histograms that
 * the stats events carry come out with exact bucket counts, count and sum.
 */
import * as prom from 'prom-client'
import {describe, expect, it} from 'vitest'

import {PipelineMetricsRecorder} from '../../../src/core/metrics/index.js'
import {LatencyRecorder, type StatsEvent} from '../../../src/core/stream/index.js'

function stats(overrides: Partial<StatsEvent>): StatsEvent {
  return {
    type: 'stats', pipeline: 'alerts', time: '2024-01-01T00:00:00.000Z', elapsedMs: 0, recordsIn: 0, recordsOut: 0, outputs: {}, rate: 0, deadLettered: 0, late: 0, future: 0,
    watermark: null, openWindows: 0, lag: null, partitions: [], sinkLatencyMs: null, endToEndLatencyMs: null, ...overrides,
  }
}

async function values(registry: prom.Registry, name: string): Promise<Array<{labels: Record<string, unknown>; value: number; metricName?: string}>> {
  const metric = registry.getSingleMetric(name)
  if (!metric) throw new Error(`no metric ${name}`)
  return (await metric.get()).values as Array<{labels: Record<string, unknown>; value: number; metricName?: string}>
}

describe('PipelineMetricsRecorder', () => {
  it('turns events into counters and gauges labelled with the pipeline and group', async () => {
    const registry = new prom.Registry()
    const recorder = new PipelineMetricsRecorder(prom, registry, 'alerts', 'g1')
    const labels = {pipeline: 'alerts', group: 'g1'}
    recorder.observe(stats({recordsIn: 10, late: 1, outputs: {critical: 1}, openWindows: 2, watermark: '2024-01-01T00:00:05.000Z', partitions: [{topic: 'in', partition: 0, lag: 7, watermark: null, openWindows: 2, idle: false}]}))
    recorder.observe(stats({recordsIn: 25, late: 3, outputs: {critical: 2}, openWindows: 0, partitions: [{topic: 'in', partition: 0, lag: 0, watermark: null, openWindows: 0, idle: true}]}))
    // Results count from the stats' outputs (which every result is in), not once more per result event.
    recorder.observe({type: 'result', pipeline: 'alerts', output: 'critical', key: null, value: {}})
    recorder.observe({type: 'deadletter', pipeline: 'alerts', reason: 'malformed-csv', topic: 'in', partition: 0, offset: 3, message: 'x'})
    recorder.observe({type: 'status', pipeline: 'alerts', service: 'kafka', state: 'down', message: 'gone', time: ''})
    recorder.observe({type: 'status', pipeline: 'alerts', service: 'kafka', state: 'ok', message: 'back', time: ''})

    expect(await values(registry, 'sstream_records_in_total')).toEqual([{labels, value: 25}])
    expect(await values(registry, 'sstream_late_records_total')).toEqual([{labels, value: 3}])
    expect(await values(registry, 'sstream_results_total')).toEqual([{labels: {...labels, output: 'critical'}, value: 2}])
    expect(await values(registry, 'sstream_dead_letters_total')).toEqual([{labels: {...labels, reason: 'malformed-csv'}, value: 1}])
    expect(await values(registry, 'sstream_outages_total')).toEqual([{labels: {...labels, service: 'kafka'}, value: 1}])
    expect(await values(registry, 'sstream_service_up')).toEqual([{labels: {...labels, service: 'kafka'}, value: 1}])
    expect(await values(registry, 'sstream_consumer_lag_records')).toEqual([{labels: {...labels, topic: 'in', partition: '0'}, value: 0}])
    expect(await values(registry, 'sstream_open_windows')).toEqual([{labels, value: 0}])
    expect(await values(registry, 'sstream_watermark_seconds')).toEqual([{labels, value: Date.UTC(2024, 0, 1, 0, 0, 5) / 1000}])
  })

  it('counts one outage while a service stays down, whatever its reasons; the next after it came back', async () => {
    const registry = new prom.Registry()
    const recorder = new PipelineMetricsRecorder(prom, registry, 'leaderboard', 'g3')
    const labels = {pipeline: 'leaderboard', group: 'g3', service: 'redis'}
    recorder.observe({type: 'status', pipeline: 'leaderboard', service: 'redis', state: 'down', message: "Can't reach Redis", time: ''})
    recorder.observe({type: 'status', pipeline: 'leaderboard', service: 'redis', state: 'down', message: 'The offsets stored next to the board are gone', time: ''})
    expect(await values(registry, 'sstream_outages_total')).toEqual([{labels, value: 1}])
    recorder.observe({type: 'status', pipeline: 'leaderboard', service: 'redis', state: 'ok', message: 'back', time: ''})
    recorder.observe({type: 'status', pipeline: 'leaderboard', service: 'redis', state: 'down', message: "Can't reach Redis", time: ''})
    expect(await values(registry, 'sstream_outages_total')).toEqual([{labels, value: 2}])
    expect(await values(registry, 'sstream_service_up')).toEqual([{labels, value: 0}])
  })

  it('keeps a lag series only for the partitions the latest stats name (one moved away loses its series)', async () => {
    const registry = new prom.Registry()
    const recorder = new PipelineMetricsRecorder(prom, registry, 'alerts', 'g4')
    const labels = {pipeline: 'alerts', group: 'g4'}
    const partition = (p: number, lag: number | null) => ({topic: 'in', partition: p, lag, watermark: null, openWindows: 0, idle: false})
    recorder.observe(stats({partitions: [partition(0, 5), partition(1, 9), partition(2, 4)]}))
    recorder.observe(stats({partitions: [partition(0, 1), partition(2, null)]}))
    expect(await values(registry, 'sstream_consumer_lag_records')).toEqual([{labels: {...labels, topic: 'in', partition: '0'}, value: 1}])
  })

  it('rebuilds exact histograms from the latencies the stats events carry', async () => {
    const registry = new prom.Registry()
    const recorder = new PipelineMetricsRecorder(prom, registry, 'analytics', 'g2')
    const sink = new LatencyRecorder()
    const endToEnd = new LatencyRecorder()
    const samples = [0.4, 1, 1.0004, 7, 7, 99.9, 100, 100.5, 4000, 400_000]
    for (const ms of samples) sink.add(ms)
    endToEnd.add(12_000)
    recorder.observe(stats({latency: {sinkWriteMs: sink.take(), endToEndMs: endToEnd.take()}}))
    sink.add(3)
    recorder.observe(stats({latency: {sinkWriteMs: sink.take(), endToEndMs: endToEnd.take()}}))

    const all = [...samples, 3]
    const histogram = await values(registry, 'sstream_sink_write_seconds')
    const bucket = (le: number | string): number => histogram.find((v) => v.metricName === 'sstream_sink_write_seconds_bucket' && v.labels.le === le)!.value
    expect(bucket(0.001)).toBe(all.filter((ms) => ms <= 1).length)
    expect(bucket(0.0025)).toBe(all.filter((ms) => ms <= 2.5).length)
    expect(bucket(0.1)).toBe(all.filter((ms) => ms <= 100).length)
    expect(bucket(0.25)).toBe(all.filter((ms) => ms <= 250).length)
    expect(bucket(300)).toBe(all.length - 1)
    expect(bucket('+Inf')).toBe(all.length)
    expect(histogram.find((v) => v.metricName === 'sstream_sink_write_seconds_count')!.value).toBe(all.length)
    expect(histogram.find((v) => v.metricName === 'sstream_sink_write_seconds_sum')!.value).toBeCloseTo(all.reduce((a, b) => a + b, 0) / 1000, 9)
    const e2e = await values(registry, 'sstream_end_to_end_latency_seconds')
    expect(e2e.find((v) => v.metricName === 'sstream_end_to_end_latency_seconds_bucket' && v.labels.le === 10)!.value).toBe(0)
    expect(e2e.find((v) => v.metricName === 'sstream_end_to_end_latency_seconds_bucket' && v.labels.le === 30)!.value).toBe(1)
  })
})

describe('the Grafana dashboard', () => {
  it('queries only metrics that sstream serves', async () => {
    const {readFileSync} = await import('node:fs')
    const {resourcePath} = await import('../../../src/core/paths.js')
    const {sentimentMetricsRecorder} = await import('../../../src/core/metrics/index.js')
    const registry = new prom.Registry()
    new PipelineMetricsRecorder(prom, registry, 'analytics', 'g')
    const sentiment = new prom.Registry()
    sentimentMetricsRecorder(prom, sentiment, 'trained')
    const served = new Set([...registry.getMetricsAsArray(), ...sentiment.getMetricsAsArray()].map((m) => m.name))
    const dashboard = JSON.parse(readFileSync(resourcePath('grafana', 'sstream.json'), 'utf8')) as {panels: Array<{title: string; targets: Array<{expr: string}>}>}
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/sstream_\w+/g) ?? [])).map((name) => name.replace(/_bucket$/, ''))
    expect(used.length).toBeGreaterThan(10)
    for (const name of used) expect(served, name).toContain(name)
    const titles = dashboard.panels.map((p) => p.title).join(' | ')
    for (const topic of ['Records in', 'lag', 'Dead letters', 'Watermark delay', 'Outages']) expect(titles).toContain(topic)
  })
})
