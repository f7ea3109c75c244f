/**
 * Windowed pipelines over a preloaded topic: `run analytics` over 1 M orders (into a fresh MariaDB
 * database) and `run alerts` over 1 M alerts (into fresh output topics), each beside the kafkajs
 * consume-and-discard ceiling over the same topic in the same run. Timed from the partition assignment to
 * the stats event that shows every record processed; the result is checked against the generated records.
 */
import {runGenerator} from '../src/core/generators/index.js'
import {KafkaAdmin} from '../src/core/kafka/index.js'
import {applyMigrations, createMariaPool} from '../src/core/mariadb/index.js'
import type {GeneratorName} from '../src/core/names.js'
import {runAlerts} from '../src/core/pipelines/alerts.js'
import {runAnalytics} from '../src/core/pipelines/analytics.js'
import type {PipelineEvent, RunOptions, RunSummary} from '../src/core/stream/index.js'
import {kafkajsConsumeCeiling} from './ceiling.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'

const PARTITIONS = 3
const ADMIN_URL = process.env.SSTREAM_MARIADB_ADMIN_URL ?? 'mariadb://root@127.0.0.1:3306'
const suffix = (): string => `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`

interface Timed {
  rate: number
  processingMs: number
  summary: RunSummary
  peakRssMiB: number
}

/** Runs a pipeline until idle; the rate is from assignment to the stats event that shows every record processed. */
async function timeRun(count: number, start: (options: Pick<RunOptions, 'onEvent' | 'signal' | 'statsIntervalMs' | 'idleTimeoutMs'>) => Promise<RunSummary>): Promise<Timed> {
  const stop = new AbortController()
  setTimeout(() => stop.abort(), 600_000).unref()
  let assignedAt = 0
  let doneAt = 0
  let peakRss = 0
  let resolveDone: () => void = () => {}
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  const onEvent = (event: PipelineEvent): void => {
    if (event.type === 'assigned' && assignedAt === 0) assignedAt = performance.now()
    if (event.type === 'stats') {
      peakRss = Math.max(peakRss, process.memoryUsage.rss())
      if (event.recordsIn >= count && doneAt === 0) {
        doneAt = performance.now()
        resolveDone()
      }
    }
  }
  const run = start({onEvent, signal: stop.signal, statsIntervalMs: 100, idleTimeoutMs: 2000})
  await Promise.race([done, run])
  // The last windows are written once the partitions are idle (--until-idle); wait for that, then check.
  const summary = await run
  if (doneAt === 0) throw new Error(`the run stopped after ${summary.recordsIn} of ${count} records`)
  const processingMs = doneAt - assignedAt
  return {rate: (count / processingMs) * 1000, processingMs, summary, peakRssMiB: peakRss / 2 ** 20}
}

async function preload(ctx: BenchContext, generator: GeneratorName, topic: string, count: number, onValue?: (value: string) => void): Promise<void> {
  const result = await runGenerator({
    generator,
    brokers: ctx.brokers,
    topic,
    rate: 'max',
    count,
    seed: 11,
    startTime: Date.now() - 3600_000,
    timeStepMs: 1,
    ...(onValue ? {onRecords: (records) => records.forEach((r) => onValue(String(r.value ?? '')))} : {}),
  })
  if (result.sent !== count) throw new Error(`preloaded ${result.sent} of ${count} records`)
  ctx.log(`preloaded ${count.toLocaleString('en-US')} ${generator} into ${topic}`)
}

async function withTopics<T>(ctx: BenchContext, names: string[], work: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = await KafkaAdmin.connect(ctx.brokers)
  try {
    await admin.ensureTopics(names.map((topic) => ({topic, partitions: PARTITIONS, replicationFactor: 1})))
    return await work(admin)
  } finally {
    await admin.deleteTopics(names).catch(() => undefined)
    await admin.close()
  }
}

export const pipelinesBenchmark: Benchmark = {
  name: 'pipelines',
  description: 'run analytics and run alerts over 1 M preloaded records each (target ≥ 150k records/s and ≥ 0.8 of the kafkajs ceiling)',
  async run(ctx) {
    const count = Math.max(50_000, Math.round(1_000_000 * ctx.scale))
    const measurements: Measurement[] = []
    const id = suffix()

    // analytics: orders → a fresh database's order_summary
    const database = `bench_${id}`
    const admin = createMariaPool(ADMIN_URL, {connectionLimit: 1})
    await admin.query(`CREATE DATABASE \`${database}\``)
    try {
      const url = `${ADMIN_URL}/${database}`
      const pool = createMariaPool(url, {connectionLimit: 1})
      await applyMigrations(pool)
      let expectedTotal = 0
      const orders = `bench-orders-${id}`
      const dlq = `bench-dlq-${id}`
      const groupId = `bench-analytics-${id}`
      await withTopics(ctx, [orders, dlq, `${groupId}-analytics-repartition`], async (kafkaAdmin) => {
        await preload(ctx, 'orders', orders, count, (value) => {
          const o = JSON.parse(value) as {quantity: number; price: number}
          expectedTotal += o.quantity * o.price
        })
        const timed = await timeRun(count, (o) => runAnalytics({brokers: ctx.brokers, groupId, mariadbUrl: url, inputTopic: orders, deadLetterTopic: dlq, table: 'order_summary', untilIdle: true, ...o}))
        const rows = (await pool.query('SELECT SUM(TOTAL_VALUE) AS total, SUM(ORDER_COUNT) AS n FROM order_summary')) as Array<{total: string; n: number}>
        if (Number(rows[0].n) !== count || Math.abs(Number(rows[0].total) - expectedTotal) > 0.01)
          throw new Error(`order_summary holds ${rows[0].n} orders worth ${rows[0].total}; expected ${count} worth ${expectedTotal}`)
        const ceiling = await kafkajsConsumeCeiling(ctx, orders, count)
        ctx.log(`run analytics: ${Math.round(timed.rate)} records/s; ceiling ${Math.round(ceiling)} records/s`)
        measurements.push({
          id: 'pipeline.analytics.throughput',
          label: `run analytics (${count.toLocaleString('en-US')} orders → order_summary)`,
          unit: 'records/s',
          value: Math.round(timed.rate),
          ceiling: Math.round(ceiling),
          target: {op: '>=', value: 150_000},
          details: {records: count, partitions: PARTITIONS, processingMs: Math.round(timed.processingMs), windows: timed.summary.outputs.order_summary ?? 0, peakRssMiB: Math.round(timed.peakRssMiB)},
        })
        await kafkaAdmin.deleteGroups([groupId])
      })
      await pool.end()
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined)
      await admin.end()
    }

    // alerts: alerts → fresh critical and high-volume topics
    const alerts = `bench-alerts-${id}`
    const critical = `bench-critical-${id}`
    const highVolume = `bench-highvolume-${id}`
    const dlq = `bench-dlq2-${id}`
    const groupId = `bench-alerts-${id}`
    await withTopics(ctx, [alerts, critical, highVolume, dlq, `${groupId}-alerts-repartition`], async (kafkaAdmin) => {
      let expectedCritical = 0
      await preload(ctx, 'alerts', alerts, count, (value) => {
        if (value.includes('"CRITICAL"')) expectedCritical++
      })
      const timed = await timeRun(count, (o) =>
        runAlerts({brokers: ctx.brokers, groupId, inputTopic: alerts, deadLetterTopic: dlq, criticalTopic: critical, highVolumeTopic: highVolume, untilIdle: true, ...o}),
      )
      const written = (await kafkaAdmin.topicOffsets(critical)).records
      if (written < expectedCritical) throw new Error(`${written} critical alerts written, ${expectedCritical} expected`)
      const ceiling = await kafkajsConsumeCeiling(ctx, alerts, count)
      ctx.log(`run alerts: ${Math.round(timed.rate)} records/s; ceiling ${Math.round(ceiling)} records/s`)
      measurements.push({
        id: 'pipeline.alerts.throughput',
        label: `run alerts (${count.toLocaleString('en-US')} alerts → critical and high-volume topics)`,
        unit: 'records/s',
        value: Math.round(timed.rate),
        ceiling: Math.round(ceiling),
        target: {op: '>=', value: 150_000},
        details: {records: count, partitions: PARTITIONS, processingMs: Math.round(timed.processingMs), critical: expectedCritical, peakRssMiB: Math.round(timed.peakRssMiB)},
      })
      await kafkaAdmin.deleteGroups([groupId])
    })
    return measurements
  },
}
