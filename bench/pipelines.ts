/**
 * Windowed pipelines over a preloaded topic (3 partitions), in-process (the code `sstream run` runs):
 * `run analytics` over 1 M orders into a fresh database, `run alerts` over 1 M alerts into fresh output
 * topics, `run views` over 1 M views into a fresh database and Redis board — each beside the kafkajs
 * consume-and-discard ceiling over the same topic in the same run.
 *
 * Timed from the partitions' assignment (the first fetch follows at once) to the last commit: an end marker
 * appended to every partition (bench/fixtures.ts) lets every real window close without the idle timeout,
 * and the run is done when the sinks hold every record — analytics: order_summary counts every order (the
 * time is the last row's UPDATED_AT); alerts: the group's committed offsets cover every alert (its critical
 * alerts and high-volume windows are committed in the same transactions); views: the offsets stored with
 * the topics board cover every view and user_view_summary counts every view. Each run checks the outputs
 * against the generated records.
 */
import {runGenerator} from '../src/core/generators/index.js'
import type {KafkaAdmin} from '../src/core/kafka/index.js'
import type {GeneratorName} from '../src/core/names.js'
import {connectRedis, createRedis, offsetsKeyFor, readBoard, readBoardOffsets} from '../src/core/redis/index.js'
import {kafkajsConsumeCeiling, kcatConsumeCeiling} from './ceiling.js'
import {appendEndMarkers, END_MARKER, endMarkerValue, freshDatabase, freshTopics, sleep, uniqueId} from './fixtures.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'
import {startProcessorRun, type ProcessorRun} from './processes.js'

const PARTITIONS = 3
/** The end markers' event time past the last record: beyond every window and its lateness. */
const MARKER_AFTER_MS = 60_000

interface Timed {
  rate: number
  processingMs: number
  /** CPU time of the processor's process from the assignment to the last commit (ms). */
  cpuMs: number
  /** CPU time of its start-up, to the point where it began running the pipeline (ms). */
  startupCpuMs: number
  /** CPU time from the assignment to the first result reported (its transaction committed), ms; undefined: none reported. */
  firstResultCpuMs: number | undefined
  summary: {recordsIn: number; outputs: Record<string, number>}
  /** The processor process's peak RSS (the kernel's high-water mark), MiB. */
  peakRssMiB: number
  /** Sampled peaks of V8's used and total heap and of memory outside the heap (Buffers), MiB. */
  peakHeapUsedMiB: number
  peakHeapTotalMiB: number
  peakExternalMiB: number
}

/**
 * Runs `pipeline` with `options` in a process of its own (bench/processor-child.mjs) until `committedAt`
 * reports the time (epoch ms) its sinks held every record, then stops it. The rate is over the time from the
 * assignment to that moment, and so is the CPU time.
 */
export async function timeToCommit(count: number, pipeline: string, options: Record<string, unknown>, committedAt: () => Promise<number | undefined>): Promise<Timed> {
  const processor = startProcessorRun(pipeline, {statsIntervalMs: 1000, idleTimeoutMs: 2000, ...options})
  const deadline = Date.now() + 600_000
  let doneAt: number | undefined
  let cpuAtDone = 0
  let assigned: {at: number; cpuMs: number; startupCpuMs: number} | undefined
  void processor.assigned.then((a) => (assigned = a), () => undefined)
  let firstResult: {at: number; cpuMs: number} | undefined
  void processor.firstResult.then((r) => (firstResult = r), () => undefined)
  let stopped: Awaited<ReturnType<ProcessorRun['stop']>> | undefined
  try {
    while (doneAt === undefined) {
      if (processor.hasExited) {
        await processor.assigned
        throw new Error(`run ${pipeline} exited before its sinks held all ${count} records. ${processor.stderr()}`)
      }
      if (Date.now() > deadline) throw new Error(`run ${pipeline} did not finish within 10 minutes`)
      await sleep(25)
      if (assigned) {
        doneAt = await committedAt()
        if (doneAt !== undefined) cpuAtDone = processor.cpuMs()
      }
    }
  } finally {
    stopped = await processor.stop()
  }
  const a = assigned!
  const processingMs = doneAt - a.at
  return {
    rate: (count / processingMs) * 1000,
    processingMs,
    cpuMs: cpuAtDone - a.cpuMs,
    startupCpuMs: a.startupCpuMs,
    firstResultCpuMs: firstResult && firstResult.cpuMs - a.cpuMs,
    summary: stopped,
    peakRssMiB: (stopped.memory?.rss ?? 0) / 2 ** 20,
    peakHeapUsedMiB: (stopped.memory?.heapUsed ?? 0) / 2 ** 20,
    peakHeapTotalMiB: (stopped.memory?.heapTotal ?? 0) / 2 ** 20,
    peakExternalMiB: (stopped.memory?.external ?? 0) / 2 ** 20,
  }
}

/** The processor's CPU per million records and its peak RSS (target ≤ 200 MiB), as figures of their own. */
export function processorFigures(id: string, label: string, count: number, timed: Timed): Measurement[] {
  return [
    {id: `${id}.cpu`, label: `${label}: CPU per million records`, unit: 'CPU s per million records', value: (timed.cpuMs / 1000 / count) * 1e6},
    {id: `${id}.rss`, label: `${label}: peak RSS at full speed`, unit: 'MiB', value: Math.round(timed.peakRssMiB), target: {op: '<=', value: 200},
      details: {peakHeapUsedMiB: Math.round(timed.peakHeapUsedMiB), peakHeapTotalMiB: Math.round(timed.peakHeapTotalMiB), peakExternalMiB: Math.round(timed.peakExternalMiB)}},
  ]
}

async function preload(ctx: BenchContext, generator: GeneratorName, topic: string, count: number, onValue?: (value: string) => void): Promise<number> {
  let last = 0
  const result = await runGenerator({
    generator,
    brokers: ctx.brokers,
    topic,
    rate: 'max',
    count,
    seed: 11,
    startTime: Date.now() - 3600_000,
    timeStepMs: 1,
    onRecords: (records) =>
      records.forEach((r) => {
        last = Math.max(last, r.timestamp)
        onValue?.(r.value)
      }),
  })
  if (result.sent !== count) throw new Error(`preloaded ${result.sent} of ${count} records`)
  ctx.log(`preloaded ${count.toLocaleString('en-US')} ${generator} into ${topic}`)
  return last
}

async function committedCover(admin: KafkaAdmin, groupId: string, topic: string, ends: Map<number, number>): Promise<boolean> {
  const committed = await admin.committedOffsets(groupId, topic)
  return [...ends].every(([partition, end]) => Number(committed.find((c) => c.partition === partition)?.offset ?? -1) >= end)
}

async function analytics(ctx: BenchContext, count: number): Promise<Measurement[]> {
  const id = uniqueId()
  const [orders, dlq, groupId] = [`bench-orders-${id}`, `bench-dlq-${id}`, `bench-analytics-${id}`]
  const db = await freshDatabase('bench')
  const topics = await freshTopics(ctx, [orders, dlq, `${groupId}-analytics-repartition`].map((topic) => ({topic, partitions: PARTITIONS})))
  try {
    let expectedTotal = 0
    const last = await preload(ctx, 'orders', orders, count, (value) => {
      const o = JSON.parse(value) as {quantity: number; price: number}
      expectedTotal += o.quantity * o.price
    })
    await appendEndMarkers(ctx, orders, last + MARKER_AFTER_MS, endMarkerValue('orders', last + MARKER_AFTER_MS))
    const sums = async (): Promise<{n: number; total: number; lastWrite: number}> => {
      const rows = (await db.pool.query(
        `SELECT COALESCE(SUM(ORDER_COUNT), 0) AS n, COALESCE(SUM(TOTAL_VALUE), 0) AS total, UNIX_TIMESTAMP(MAX(UPDATED_AT)) * 1000 AS lastWrite FROM order_summary WHERE PRODUCT <> ?`,
        [END_MARKER],
      )) as Array<{n: string | number; total: string | number; lastWrite: string | number | null}>
      return {n: Number(rows[0].n), total: Number(rows[0].total), lastWrite: Number(rows[0].lastWrite ?? 0)}
    }
    const timed = await timeToCommit(
      count,
      'analytics',
      {brokers: ctx.brokers, groupId, mariadbUrl: db.url, inputTopic: orders, deadLetterTopic: dlq, table: 'order_summary'},
      async () => {
        const s = await sums()
        return s.n >= count ? s.lastWrite : undefined
      },
    )
    const s = await sums()
    if (s.n !== count || Math.abs(s.total - expectedTotal) > 0.01) throw new Error(`order_summary holds ${s.n} orders worth ${s.total}; expected ${count} worth ${expectedTotal}`)
    const ceiling = await kafkajsConsumeCeiling(ctx, orders, count)
    const kcat = await kcatConsumeCeiling(ctx, orders, count)
    // The same loop reading through sstream's fetch decoder: what the engine adds over reading alone.
    const decoderLoop = await kafkajsConsumeCeiling(ctx, orders, count, {sstreamDecoder: true})
    ctx.log(`run analytics: ${Math.round(timed.rate)} records/s; ceilings: kafkajs ${Math.round(ceiling)}, kcat ${Math.round(kcat)} records/s; the loop through sstream's decoder ${Math.round(decoderLoop)} records/s`)
    return [{
      id: 'pipeline.analytics.throughput',
      label: `run analytics (${count.toLocaleString('en-US')} orders → order_summary)`,
      unit: 'records/s',
      value: Math.round(timed.rate),
      ceiling: Math.round(ceiling),
      kcatCeiling: Math.round(kcat),
      ratioTarget: 1,
      target: {op: '>=', value: 150_000},
      details: {
        records: count,
        partitions: PARTITIONS,
        processingMs: Math.round(timed.processingMs),
        windows: timed.summary.outputs.order_summary ?? 0,
        startupCpuMs: Math.round(timed.startupCpuMs),
        loopThroughSstreamDecoder: Math.round(decoderLoop),
        ofLoopThroughSstreamDecoder: Number((timed.rate / decoderLoop).toFixed(2)),
      },
    }, ...processorFigures('pipeline.analytics', 'run analytics', count, timed)]
  } finally {
    await topics.cleanup({groups: [groupId]})
    await db.drop()
  }
}

async function alerts(ctx: BenchContext, count: number): Promise<Measurement[]> {
  const id = uniqueId()
  const [input, critical, highVolume, dlq, groupId] = [`bench-alerts-${id}`, `bench-critical-${id}`, `bench-highvolume-${id}`, `bench-dlq2-${id}`, `bench-alerts-${id}`]
  const topics = await freshTopics(ctx, [input, critical, highVolume, dlq, `${groupId}-alerts-repartition`].map((topic) => ({topic, partitions: PARTITIONS})))
  try {
    let expectedCritical = 0
    const last = await preload(ctx, 'alerts', input, count, (value) => {
      if (value.includes('"CRITICAL"')) expectedCritical++
    })
    const ends = await appendEndMarkers(ctx, input, last + MARKER_AFTER_MS, endMarkerValue('alerts', last + MARKER_AFTER_MS))
    const timed = await timeToCommit(
      count,
      'alerts',
      {brokers: ctx.brokers, groupId, inputTopic: input, deadLetterTopic: dlq, criticalTopic: critical, highVolumeTopic: highVolume},
      async () => ((await committedCover(topics.admin, groupId, input, ends)) ? Date.now() : undefined),
    )
    const written = (await topics.admin.topicOffsets(critical)).records
    if (written < expectedCritical) throw new Error(`${written} critical alerts written, ${expectedCritical} expected`)
    const ceiling = await kafkajsConsumeCeiling(ctx, input, count)
    const kcat = await kcatConsumeCeiling(ctx, input, count)
    ctx.log(`run alerts: ${Math.round(timed.rate)} records/s; ceilings: kafkajs ${Math.round(ceiling)}, kcat ${Math.round(kcat)} records/s`)
    return [{
      id: 'pipeline.alerts.throughput',
      label: `run alerts (${count.toLocaleString('en-US')} alerts → critical and high-volume topics)`,
      unit: 'records/s',
      value: Math.round(timed.rate),
      ceiling: Math.round(ceiling),
      kcatCeiling: Math.round(kcat),
      ratioTarget: 1,
      details: {records: count, partitions: PARTITIONS, processingMs: Math.round(timed.processingMs), critical: expectedCritical, startupCpuMs: Math.round(timed.startupCpuMs)},
    }, ...processorFigures('pipeline.alerts', 'run alerts', count, timed)]
  } finally {
    await topics.cleanup({groups: [groupId]})
  }
}

async function views(ctx: BenchContext, count: number): Promise<Measurement[]> {
  const id = uniqueId()
  const [input, dlq, groupId, key] = [`bench-views-${id}`, `bench-dlq3-${id}`, `bench-views-${id}`, `bench-topics-${id}`]
  const db = await freshDatabase('bench')
  const topics = await freshTopics(ctx, [input, dlq, `${groupId}-views-repartition`].map((topic) => ({topic, partitions: PARTITIONS})))
  const redis = createRedis(ctx.redisUrl)
  await connectRedis(redis, ctx.redisUrl)
  try {
    let expectedMinutes = 0
    const expectedTopics = new Map<string, number>()
    const last = await preload(ctx, 'views', input, count, (value) => {
      const [, , topic, minutes] = value.split(',')
      expectedMinutes += Number(minutes)
      const t = topic.slice(1, -1)
      expectedTopics.set(t, (expectedTopics.get(t) ?? 0) + 1)
    })
    const ends = await appendEndMarkers(ctx, input, last + MARKER_AFTER_MS, endMarkerValue('views', last + MARKER_AFTER_MS))
    let boardAt: number | undefined
    const sums = async (): Promise<{n: number; minutes: number; lastWrite: number}> => {
      const rows = (await db.pool.query(
        `SELECT COALESCE(SUM(VIEW_COUNT), 0) AS n, COALESCE(SUM(TOTAL_MINUTES), 0) AS minutes, UNIX_TIMESTAMP(MAX(UPDATED_AT)) * 1000 AS lastWrite FROM user_view_summary WHERE USER_NAME <> ?`,
        [END_MARKER],
      )) as Array<{n: string | number; minutes: string | number; lastWrite: string | number | null}>
      return {n: Number(rows[0].n), minutes: Number(rows[0].minutes), lastWrite: Number(rows[0].lastWrite ?? 0)}
    }
    const timed = await timeToCommit(
      count,
      'views',
      {brokers: ctx.brokers, groupId, mariadbUrl: db.url, redisUrl: ctx.redisUrl, key, inputTopic: input, deadLetterTopic: dlq, boardIntervalMs: 60_000},
      async () => {
        if (boardAt === undefined) {
          const stored = await readBoardOffsets(redis, key)
          if ([...ends].every(([p, end]) => (stored[`${input}:${p}`] ?? 0) >= end)) boardAt = Date.now()
        }
        if (boardAt === undefined) return undefined
        const s = await sums()
        return s.n >= count ? Math.max(boardAt, s.lastWrite) : undefined
      },
    )
    const s = await sums()
    if (s.n !== count || s.minutes !== expectedMinutes) throw new Error(`user_view_summary holds ${s.n} views of ${s.minutes} minutes; expected ${count} of ${expectedMinutes}`)
    const board = (await readBoard(redis, key)).filter((row) => row.member !== END_MARKER)
    const wrong = board.filter((row) => row.score !== expectedTopics.get(row.member))
    if (wrong.length > 0 || board.length !== expectedTopics.size) throw new Error(`The topics board is not one point per view: ${JSON.stringify(wrong)}`)
    const ceiling = await kafkajsConsumeCeiling(ctx, input, count)
    const kcat = await kcatConsumeCeiling(ctx, input, count)
    ctx.log(`run views: ${Math.round(timed.rate)} records/s; ceilings: kafkajs ${Math.round(ceiling)}, kcat ${Math.round(kcat)} records/s`)
    return [{
      id: 'pipeline.views.throughput',
      label: `run views (${count.toLocaleString('en-US')} views → user_view_summary and Redis topics board)`,
      unit: 'records/s',
      value: Math.round(timed.rate),
      ceiling: Math.round(ceiling),
      kcatCeiling: Math.round(kcat),
      ratioTarget: 1,
      details: {records: count, partitions: PARTITIONS, processingMs: Math.round(timed.processingMs), userWindows: timed.summary.outputs.user_view_summary ?? 0, startupCpuMs: Math.round(timed.startupCpuMs)},
    }, ...processorFigures('pipeline.views', 'run views', count, timed)]
  } finally {
    await redis.del(key, offsetsKeyFor(key)).catch(() => undefined)
    redis.disconnect()
    await topics.cleanup({groups: [groupId]})
    await db.drop()
  }
}

export const pipelinesBenchmark: Benchmark = {
  name: 'pipelines',
  description: 'run analytics, run alerts and run views over 1 M preloaded records each, each in a process of its own, to the last commit, beside the kafkajs and kcat ceilings (target ≥ 1.0 of the kafkajs ceiling, ≤ 200 MiB peak RSS)',
  async run(ctx) {
    const count = Math.max(50_000, Math.round(1_000_000 * ctx.scale))
    const only = process.env.SSTREAM_BENCH_PIPELINES?.split(',')
    const measurements: Measurement[] = []
    if (!only || only.includes('analytics')) measurements.push(...(await analytics(ctx, count)))
    if (!only || only.includes('alerts')) measurements.push(...(await alerts(ctx, count)))
    if (!only || only.includes('views')) measurements.push(...(await views(ctx, count)))
    return measurements
  },
}
