/**
 * End-to-end latency and memory of each processor as a separate process (`sstream run <pipeline> --json`,
 * as a user runs it, on fresh topics, tables and boards): the pipeline's generator feeds it at a fixed rate
 * (10 k records/s) for a fixed time, and every record's latency is measured from its event time (the
 * generator's wall clock, also the Kafka timestamp) to its result being visible in the sink:
 *
 * - Kafka outputs (alerts' critical and high-volume topics, predictions' labels): when a read_committed
 *   consumer in this process receives the record (committed transactions only);
 * - Redis boards (leaderboard, views' topics): when the offsets stored with the board (same MULTI/EXEC as
 *   the increments) cover the record, polled every 20 ms;
 * - MariaDB window rows (analytics, views' user windows): the row's UPDATED_AT, written by the server.
 *
 * For window outputs every record of a window that could close during the feed counts, and the latency is
 * given twice: raw (event time → row visible: includes waiting for the window's end and the allowed
 * lateness, which is the design), and net of that wait (window end + lateness → visible). The processor's
 * peak RSS and heap are sampled inside it by bench/memory-probe.mjs.
 */
import type {GeneratedRecord} from '../src/core/generators/index.js'
import {runGenerator} from '../src/core/generators/index.js'
import {createKafka, partitionForKey} from '../src/core/kafka/index.js'
import type {GeneratorName, PipelineName} from '../src/core/names.js'
import {connectRedis, createRedis, offsetsKeyFor, type Redis} from '../src/core/redis/index.js'
import {parseTimestamp} from '../src/core/stream/timestamps.js'
import {freshDatabase, freshTopics, sleep, uniqueId, waitUntil, type Pool} from './fixtures.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'
import {MiB, startProcessor, type Processor} from './processes.js'

const PARTITIONS = 3
const RATE = 10_000
const LATENCY_TABLE = `End-to-end latency at ${RATE.toLocaleString('en-US')} records/s (ms)`
const MEMORY_TABLE = `Peak memory of each processor at ${RATE.toLocaleString('en-US')} records/s (MiB)`

/** Seconds of feed per pipeline: window pipelines need a few windows to close while the feed runs. */
const FEED_SECONDS: Record<PipelineName, number> = {analytics: 30, views: 30, alerts: 40, leaderboard: 20, predictions: 20}

// ---------------------------------------------------------------------------------------------------------
// Observers of the sinks.

/** A read_committed consumer of the output topics, from their start; resolves once it has joined. */
async function observeTopics(
  ctx: BenchContext,
  topics: string[],
  onMessage: (topic: string, key: string | null, value: string, receivedAt: number) => void,
): Promise<{groupId: string; stop: () => Promise<void>}> {
  const groupId = `bench-observer-${uniqueId()}`
  const consumer = createKafka({brokers: ctx.brokers, clientId: 'sstream-bench-observer'}).consumer({groupId, maxWaitTimeInMs: 100, readUncommitted: false})
  await consumer.connect()
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
  await consumer.subscribe({topics, fromBeginning: true})
  void consumer.run({
    eachBatch: async ({batch}) => {
      const at = Date.now()
      for (const m of batch.messages) onMessage(batch.topic, m.key?.toString() ?? null, m.value?.toString() ?? '', at)
    },
  })
  await Promise.race([joined, sleep(30_000).then(() => Promise.reject(new Error(`the observer of ${topics.join(', ')} did not join its group`)))])
  return {groupId, stop: () => consumer.disconnect()}
}

/** Polls the offsets stored next to a Redis board: per partition, when each next offset was first seen. */
function pollBoardOffsets(redis: Redis, key: string, topic: string, everyMs = 20): {steps: Map<number, Array<{next: number; at: number}>>; total(): number; stop(): Promise<void>} {
  const steps = new Map<number, Array<{next: number; at: number}>>()
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const raw = await redis.hgetall(offsetsKeyFor(key))
      const at = Date.now()
      for (const [field, value] of Object.entries(raw)) {
        if (!field.startsWith(`${topic}:`)) continue
        const partition = Number(field.slice(topic.length + 1))
        const next = Number(value)
        const list = steps.get(partition) ?? []
        if (list.length === 0 || list[list.length - 1].next < next) list.push({next, at})
        steps.set(partition, list)
      }
      await sleep(everyMs)
    }
  })()
  return {
    steps,
    total: () => [...steps.values()].reduce((sum, list) => sum + (list.at(-1)?.next ?? 0), 0),
    stop: async () => {
      stopped = true
      await loop
    },
  }
}

/** Window rows of a MariaDB table: `${start}|${key}` → when the row was written (epoch ms, the server's UPDATED_AT). */
async function windowRows(pool: Pool, table: string, startColumn: string, keyColumn: string): Promise<Map<string, number>> {
  const rows = (await pool.query(
    `SELECT UNIX_TIMESTAMP(${startColumn}) * 1000 AS s, ${keyColumn} AS k, UNIX_TIMESTAMP(UPDATED_AT) * 1000 AS v FROM ${table}`,
  )) as Array<{s: string | number; k: string; v: string | number}>
  return new Map(rows.map((r) => [`${Math.round(Number(r.s))}|${r.k}`, Number(r.v)]))
}

// ---------------------------------------------------------------------------------------------------------
// What the feed produced, and latencies from it.

/** The records fed, grouped as a sink sees them. */
class Fed {
  count = 0
  first = Number.POSITIVE_INFINITY
  last = 0
  /** Event times per input partition (board outputs). */
  readonly byPartition = new Map<number, number[]>()
  /** Event times per grouping key (window outputs). */
  readonly byKey = new Map<string, number[]>()
  /** Event time per record key (per-record topic outputs keyed by the input key). */
  readonly byRecordKey = new Map<string, number>()

  add(record: GeneratedRecord, options: {partition?: boolean; groupKey?: string; recordKey?: boolean}): void {
    this.count++
    this.first = Math.min(this.first, record.timestamp)
    this.last = Math.max(this.last, record.timestamp)
    if (options.partition) {
      const p = partitionForKey(Buffer.from(record.key, 'utf8'), PARTITIONS)
      const list = this.byPartition.get(p) ?? []
      list.push(record.timestamp)
      this.byPartition.set(p, list)
    }
    if (options.groupKey !== undefined) {
      const list = this.byKey.get(options.groupKey) ?? []
      list.push(record.timestamp)
      this.byKey.set(options.groupKey, list)
    }
    if (options.recordKey) this.byRecordKey.set(record.key, record.timestamp)
  }
}

interface WindowSpec {
  sizeMs: number
  latenessMs: number
  /** Results are written only for windows holding more records than this (alerts' threshold). */
  minCount?: number
}

/** The (window, key) rows the processor should have written during the feed: their window could close. */
function closableWindows(fed: Fed, spec: WindowSpec): Map<string, number> {
  const counts = new Map<string, number>()
  for (const [key, times] of fed.byKey) {
    for (const t of times) {
      const start = Math.floor(t / spec.sizeMs) * spec.sizeMs
      if (start + spec.sizeMs + spec.latenessMs > fed.last - 100) continue
      const id = `${start}|${key}`
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
  }
  for (const [id, n] of counts) if (n <= (spec.minCount ?? 0)) counts.delete(id)
  return counts
}

function windowLatencies(fed: Fed, spec: WindowSpec, visible: Map<string, number>): {raw: number[]; net: number[]; windows: number; missing: number} {
  const expected = closableWindows(fed, spec)
  const raw: number[] = []
  const net: number[] = []
  for (const [key, times] of fed.byKey) {
    for (const t of times) {
      const start = Math.floor(t / spec.sizeMs) * spec.sizeMs
      const id = `${start}|${key}`
      if (!expected.has(id)) continue
      const at = visible.get(id)
      if (at === undefined) continue
      raw.push(at - t)
      net.push(at - (start + spec.sizeMs + spec.latenessMs))
    }
  }
  const missing = [...expected.keys()].filter((id) => !visible.has(id)).length
  return {raw, net, windows: expected.size, missing}
}

/** Board latencies: the k-th record of a partition (by event time) has offset k in a fresh topic. */
function boardLatencies(fed: Fed, steps: Map<number, Array<{next: number; at: number}>>): {latencies: number[]; missing: number} {
  const latencies: number[] = []
  let missing = 0
  for (const [partition, times] of fed.byPartition) {
    times.sort((a, b) => a - b)
    const list = steps.get(partition) ?? []
    let j = 0
    for (let k = 0; k < times.length; k++) {
      while (j < list.length && list[j].next <= k) j++
      if (j >= list.length) missing++
      else latencies.push(list[j].at - times[k])
    }
  }
  return {latencies, missing}
}

function summarise(values: number[]): {p50: number; p95: number; p99: number; n: number} {
  const sorted = Float64Array.from(values).sort()
  const at = (p: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))])
  return {p50: at(50), p95: at(95), p99: at(99), n: sorted.length}
}

// ---------------------------------------------------------------------------------------------------------
// One pipeline's run.

interface Output {
  /** Stable id part, e.g. "analytics.order_summary.raw". */
  id: string
  row: string
  values: number[]
  details: Record<string, number | string>
}

interface Run {
  outputs: Output[]
  processor: Processor
}

async function feed(ctx: BenchContext, generator: GeneratorName, topic: string, seconds: number, fed: Fed, classify: (r: GeneratedRecord) => void): Promise<number> {
  const started = performance.now()
  await runGenerator({generator, brokers: ctx.brokers, topic, rate: RATE, durationMs: seconds * 1000, seed: 5, onRecords: (records) => records.forEach(classify)})
  const ms = performance.now() - started
  ctx.log(`fed ${fed.count.toLocaleString('en-US')} ${generator} in ${(ms / 1000).toFixed(1)} s`)
  return ms
}

async function startAndWait(processor: Processor, observers: Array<Promise<unknown>>): Promise<void> {
  await Promise.all([processor.waitFor('assigned', 60_000), ...observers])
}

function feedSeconds(ctx: BenchContext, pipeline: PipelineName): number {
  const full = FEED_SECONDS[pipeline]
  // --quick: shorter, but long enough for windows of 5 s + 5 s lateness (10 s + 10 s for alerts) to close.
  return ctx.scale >= 1 ? full : Math.min(full, pipeline === 'alerts' ? 22 : pipeline === 'analytics' || pipeline === 'views' ? 14 : 5)
}

async function analyticsRun(ctx: BenchContext): Promise<Run> {
  const id = uniqueId()
  const [input, dlq, group] = [`bench-lat-orders-${id}`, `bench-lat-dlq-${id}`, `bench-lat-analytics-${id}`]
  const db = await freshDatabase('bench_lat')
  const topics = await freshTopics(ctx, [input, dlq].map((topic) => ({topic, partitions: PARTITIONS})))
  let processor: Processor | undefined
  try {
    processor = startProcessor(ctx, 'analytics', ['--group-id', group, '--input-topic', input, '--deadletter-topic', dlq], {mariadbUrl: db.url})
    await startAndWait(processor, [])
    const fed = new Fed()
    const spec = {sizeMs: 5000, latenessMs: 5000}
    await feed(ctx, 'orders', input, feedSeconds(ctx, 'analytics'), fed, (r) => {
      const from = r.value.indexOf('"product":"') + 11
      fed.add(r, {groupKey: r.value.slice(from, r.value.indexOf('"', from))})
    })
    const expected = closableWindows(fed, spec)
    let rows = new Map<string, number>()
    await waitUntil(async () => {
      rows = await windowRows(db.pool, 'order_summary', 'INTERVAL_TIMESTAMP', 'PRODUCT')
      return [...expected.keys()].every((k) => rows.has(k))
    }, 15_000, 250)
    await processor.stop()
    const w = windowLatencies(fed, spec, rows)
    const details = {fed: fed.count, windowRows: w.windows, missingRows: w.missing, windowMs: spec.sizeMs, latenessMs: spec.latenessMs}
    return {
      processor,
      outputs: [
        {id: 'analytics.order_summary.raw', row: 'run analytics → order_summary rows: event time → row written', values: w.raw, details},
        {id: 'analytics.order_summary.net', row: 'run analytics → order_summary rows: minus the window and lateness wait (5 s + 5 s)', values: w.net, details},
      ],
    }
  } finally {
    await processor?.stop()
    await topics.cleanup({topics: [`${group}-analytics-repartition`], groups: [group]})
    await db.drop()
  }
}

async function alertsRun(ctx: BenchContext): Promise<Run> {
  const id = uniqueId()
  const [input, critical, high, dlq, group] = [`bench-lat-alerts-${id}`, `bench-lat-critical-${id}`, `bench-lat-high-${id}`, `bench-lat-dlq-${id}`, `bench-lat-alerts-${id}`]
  const topics = await freshTopics(ctx, [input, critical, high, dlq].map((topic) => ({topic, partitions: PARTITIONS})))
  let processor: Processor | undefined
  let observer: {groupId: string; stop: () => Promise<void>} | undefined
  try {
    const criticalLatencies: number[] = []
    const highVisible = new Map<string, number>()
    processor = startProcessor(ctx, 'alerts', ['--group-id', group, '--input-topic', input, '--deadletter-topic', dlq, '--critical-topic', critical, '--highvolume-topic', high])
    const observing = observeTopics(ctx, [critical, high], (topic, _key, value, at) => {
      if (topic === critical) {
        const time = parseTimestamp(value.slice(1, value.indexOf('"', 1)))
        if (time !== undefined) criticalLatencies.push(at - time)
      } else {
        const [start, code] = value.slice(1, -1).split('","')
        const time = parseTimestamp(start)
        if (time !== undefined && !highVisible.has(`${time}|${code}`)) highVisible.set(`${time}|${code}`, at)
      }
    })
    await startAndWait(processor, [observing])
    observer = await observing
    const fed = new Fed()
    let expectedCritical = 0
    const spec = {sizeMs: 10_000, latenessMs: 10_000, minCount: 2}
    await feed(ctx, 'alerts', input, feedSeconds(ctx, 'alerts'), fed, (r) => {
      const [, level, code] = r.value.split('","')
      if (level === 'CRITICAL') expectedCritical++
      fed.add(r, {groupKey: code})
    })
    const expected = closableWindows(fed, spec)
    await waitUntil(() => criticalLatencies.length >= expectedCritical && [...expected.keys()].every((k) => highVisible.has(k)), 15_000)
    await processor.stop()
    const w = windowLatencies(fed, spec, highVisible)
    const details = {fed: fed.count, windowRows: w.windows, missingRows: w.missing, windowMs: spec.sizeMs, latenessMs: spec.latenessMs}
    return {
      processor,
      outputs: [
        {id: 'alerts.critical', row: 'run alerts → critical topic: event time → read committed', values: criticalLatencies, details: {fed: fed.count, critical: expectedCritical, received: criticalLatencies.length}},
        {id: 'alerts.highvolume.raw', row: 'run alerts → high-volume topic: event time → read committed', values: w.raw, details},
        {id: 'alerts.highvolume.net', row: 'run alerts → high-volume topic: minus the window and lateness wait (10 s + 10 s)', values: w.net, details},
      ],
    }
  } finally {
    await processor?.stop()
    await observer?.stop()
    await topics.cleanup({topics: [`${group}-alerts-repartition`], groups: [group, ...(observer ? [observer.groupId] : [])]})
  }
}

async function boardRun(ctx: BenchContext, pipeline: 'leaderboard' | 'views'): Promise<Run> {
  const id = uniqueId()
  const generator: GeneratorName = pipeline === 'leaderboard' ? 'scores' : 'views'
  const [input, dlq, group, key] = [`bench-lat-${generator}-${id}`, `bench-lat-dlq-${id}`, `bench-lat-${pipeline}-${id}`, `bench-lat-board-${id}`]
  const topics = await freshTopics(ctx, [input, dlq].map((topic) => ({topic, partitions: PARTITIONS})))
  const db = pipeline === 'views' ? await freshDatabase('bench_lat') : undefined
  const redis = createRedis(ctx.redisUrl)
  await connectRedis(redis, ctx.redisUrl)
  let processor: Processor | undefined
  let poller: ReturnType<typeof pollBoardOffsets> | undefined
  try {
    const args = ['--group-id', group, '--input-topic', input, '--deadletter-topic', dlq, '--board-interval', '60s']
    processor = startProcessor(ctx, pipeline, [...args, pipeline === 'leaderboard' ? '--key' : '--topics-key', key], db ? {mariadbUrl: db.url} : {})
    await startAndWait(processor, [])
    poller = pollBoardOffsets(redis, key, input)
    const fed = new Fed()
    const spec = {sizeMs: 5000, latenessMs: 5000}
    await feed(ctx, generator, input, feedSeconds(ctx, pipeline), fed, (r) => fed.add(r, {partition: true, ...(pipeline === 'views' ? {groupKey: r.value.split('","')[1]} : {})}))
    const expected = db ? closableWindows(fed, spec) : new Map<string, number>()
    let rows = new Map<string, number>()
    await waitUntil(async () => {
      if (db) rows = await windowRows(db.pool, 'user_view_summary', 'WINDOW_START', 'USER_NAME')
      return poller!.total() >= fed.count && [...expected.keys()].every((k) => rows.has(k))
    }, 15_000, 250)
    await poller.stop()
    await processor.stop()
    const board = boardLatencies(fed, poller.steps)
    const boardName = pipeline === 'leaderboard' ? 'run leaderboard → Redis board' : 'run views → Redis topics board'
    const outputs: Output[] = [{id: `${pipeline}.board`, row: `${boardName}: event time → offsets stored with the points`, values: board.latencies, details: {fed: fed.count, missing: board.missing, pollMs: 20}}]
    if (db) {
      const w = windowLatencies(fed, spec, rows)
      const details = {fed: fed.count, windowRows: w.windows, missingRows: w.missing, windowMs: spec.sizeMs, latenessMs: spec.latenessMs}
      outputs.push(
        {id: 'views.user_view_summary.raw', row: 'run views → user_view_summary rows: event time → row written', values: w.raw, details},
        {id: 'views.user_view_summary.net', row: 'run views → user_view_summary rows: minus the window and lateness wait (5 s + 5 s)', values: w.net, details},
      )
    }
    return {processor, outputs}
  } finally {
    await poller?.stop()
    await processor?.stop()
    await redis.del(key, offsetsKeyFor(key)).catch(() => undefined)
    redis.disconnect()
    await topics.cleanup({topics: [`${group}-views-repartition`], groups: [group]})
    await db?.drop()
  }
}

async function predictionsRun(ctx: BenchContext): Promise<Run> {
  const id = uniqueId()
  const [input, output, dlq, group] = [`bench-lat-reviews-${id}`, `bench-lat-labels-${id}`, `bench-lat-dlq-${id}`, `bench-lat-predictions-${id}`]
  const topics = await freshTopics(ctx, [input, output, dlq].map((topic) => ({topic, partitions: PARTITIONS})))
  let processor: Processor | undefined
  let observer: {groupId: string; stop: () => Promise<void>} | undefined
  try {
    const received = new Map<string, number>()
    processor = startProcessor(ctx, 'predictions', ['--group-id', group, '--input-topic', input, '--deadletter-topic', dlq, '--output-topic', output, '--local'])
    const observing = observeTopics(ctx, [output], (_topic, key, _value, at) => {
      if (key !== null && !received.has(key)) received.set(key, at)
    })
    await startAndWait(processor, [observing])
    observer = await observing
    const fed = new Fed()
    await feed(ctx, 'reviews', input, feedSeconds(ctx, 'predictions'), fed, (r) => fed.add(r, {recordKey: true}))
    await waitUntil(() => received.size >= fed.count, 15_000)
    await processor.stop()
    const latencies: number[] = []
    for (const [key, at] of received) {
      const t = fed.byRecordKey.get(key)
      if (t !== undefined) latencies.push(at - t)
    }
    return {
      processor,
      outputs: [{id: 'predictions.labels', row: 'run predictions --local → labels topic: event time → read committed', values: latencies, details: {fed: fed.count, received: received.size}}],
    }
  } finally {
    await processor?.stop()
    await observer?.stop()
    await topics.cleanup({groups: [group, ...(observer ? [observer.groupId] : [])]})
  }
}

const RUNS: Array<[PipelineName, (ctx: BenchContext) => Promise<Run>]> = [
  ['analytics', analyticsRun],
  ['alerts', alertsRun],
  ['leaderboard', (ctx) => boardRun(ctx, 'leaderboard')],
  ['views', (ctx) => boardRun(ctx, 'views')],
  ['predictions', predictionsRun],
]

export const latencyBenchmark: Benchmark = {
  name: 'latency',
  description: `each pipeline as a separate process fed at ${RATE / 1000}k records/s: end-to-end latency p50/p95/p99 (window outputs raw and net of the window and lateness wait) and peak RSS and heap`,
  async run(ctx) {
    const measurements: Measurement[] = []
    const only = process.env.SSTREAM_BENCH_LATENCY_PIPELINES?.split(',')
    for (const [pipeline, run] of RUNS) {
      if (only && !only.includes(pipeline)) continue
      ctx.log(`latency: run ${pipeline} at ${RATE} records/s for ${feedSeconds(ctx, pipeline)} s`)
      const {outputs, processor} = await run(ctx)
      for (const output of outputs) {
        const s = summarise(output.values)
        ctx.log(`  ${output.row}: p50 ${s.p50} ms, p95 ${s.p95} ms, p99 ${s.p99} ms over ${s.n} records`)
        for (const p of ['p50', 'p95', 'p99'] as const) {
          measurements.push({
            id: `latency.${output.id}.${p}`,
            label: `${output.row} ${p}`,
            unit: 'ms',
            value: s[p],
            pivot: {table: LATENCY_TABLE, row: output.row, column: p},
            ...(p === 'p50' && !output.id.endsWith('.net') ? {details: {...output.details, samples: s.n, feedSeconds: feedSeconds(ctx, pipeline)}} : {}),
          })
        }
      }
      const memory = processor.memory()
      if (memory) {
        ctx.log(`  run ${pipeline}: peak RSS ${MiB(memory.rss)} MiB, heap used ${MiB(memory.heapUsed)} MiB`)
        const row = `run ${pipeline}${pipeline === 'predictions' ? ' --local' : ''}`
        const cells: Array<[string, string, number]> = [
          ['rss', 'peak RSS', memory.rss],
          ['heapUsed', 'peak heap used', memory.heapUsed],
          ['heapTotal', 'peak heap total', memory.heapTotal],
        ]
        for (const [key, column, bytes] of cells) {
          measurements.push({
            id: `memory.${pipeline}.${key}`,
            label: `${row} ${column}`,
            unit: 'MiB',
            value: MiB(bytes),
            pivot: {table: MEMORY_TABLE, row, column},
          })
        }
      }
    }
    return measurements
  },
}
