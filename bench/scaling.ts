/**
 * How `run analytics` throughput grows with partitions and processes: 1 M orders preloaded into input topics
 * of 1, 3 and 6 partitions, each processed by `sstream run analytics` as a separate process, and the
 * 6-partition topic also by two processes in one consumer group. The group settles before the records can
 * be read: an open transaction, begun before the preload, holds every record back from read_committed
 * consumers; once the processes hold their partitions it is aborted and all records become readable at
 * once. Timed from the abort to the last commit: end markers (bench/fixtures.ts) close every window at once,
 * and the run is done when order_summary counts every order (the last row's UPDATED_AT). Each process's
 * peak RSS is sampled inside it.
 */
import {runGenerator} from '../src/core/generators/index.js'
import {createKafka} from '../src/core/kafka/index.js'
import {appendEndMarkers, END_MARKER, endMarkerValue, freshDatabase, freshTopics, sleep, uniqueId, waitUntil} from './fixtures.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'
import {MiB, startProcessor, type Processor} from './processes.js'

const CONFIGS: Array<{partitions: number; processes: number}> = [
  {partitions: 1, processes: 1},
  {partitions: 3, processes: 1},
  {partitions: 6, processes: 1},
  {partitions: 6, processes: 2},
]

/** Input partitions in a processor's latest assignment. */
function assignedInputs(p: Processor, topic: string): number {
  const last = p.events.filter((e) => e.type === 'assigned').at(-1) as {partitions?: Array<{topic: string}>} | undefined
  return (last?.partitions ?? []).filter((x) => x.topic === topic).length
}

/**
 * One configuration: a fresh topic whose records are held back by an open transaction (a read_committed
 * consumer reads nothing past its first record), the orders preloaded behind it, the processes started and
 * their group settled; then the transaction is aborted, and every record becomes readable at once. The rate
 * is over the time from the abort to the last row written.
 */
async function processOnce(ctx: BenchContext, partitions: number, count: number, processes: number): Promise<{rate: number; details: Record<string, number | string>}> {
  const id = uniqueId()
  const [topic, groupId, dlq] = [`bench-scaling-orders-${id}`, `bench-scaling-${id}`, `bench-scaling-dlq-${id}`]
  const db = await freshDatabase('bench_scaling')
  const topics = await freshTopics(ctx, [
    {topic, partitions},
    {topic: dlq, partitions: 1},
  ])
  const holder = createKafka({brokers: ctx.brokers}).producer({transactionalId: `bench-scaling-hold-${id}`, transactionTimeout: 120_000, maxInFlightRequests: 1, idempotent: true})
  const processors: Processor[] = []
  try {
    await holder.connect()
    const hold = await holder.transaction()
    await hold.send({topic, messages: Array.from({length: partitions}, (_, partition) => ({partition, key: END_MARKER, value: 'held back'}))})
    let last = 0
    await runGenerator({
      generator: 'orders',
      brokers: ctx.brokers,
      topic,
      rate: 'max',
      count,
      seed: 13,
      startTime: Date.now() - 3600_000,
      timeStepMs: 1,
      onRecords: (records) => records.forEach((r) => (last = Math.max(last, r.timestamp))),
    })
    await appendEndMarkers(ctx, topic, last + 60_000, endMarkerValue('orders', last + 60_000))
    // A long idle timeout: the processes wait for the records without their watermarks moving on the wall clock.
    const args = ['--group-id', groupId, '--input-topic', topic, '--deadletter-topic', dlq, '--idle-timeout', '5m']
    for (let i = 0; i < processes; i++) processors.push(startProcessor(ctx, 'analytics', args, {mariadbUrl: db.url}))
    await Promise.all(processors.map((p) => p.waitFor('assigned', 60_000)))
    const settled = await waitUntil(() => processors.every((p) => assignedInputs(p, topic) > 0) && processors.reduce((n, p) => n + assignedInputs(p, topic), 0) === partitions, 30_000, 50)
    if (!settled) throw new Error(`the group did not settle: ${processors.map((p) => assignedInputs(p, topic)).join(' + ')} of ${partitions} partitions assigned`)
    await sleep(500)
    const startedAt = Date.now()
    await hold.abort()
    const deadline = Date.now() + 300_000
    let doneAt = 0
    while (doneAt === 0) {
      if (Date.now() > deadline) throw new Error(`run analytics did not process ${count} orders within 5 minutes`)
      const exited = processors.find((p) => p.hasExited)
      if (exited) throw new Error(`run analytics stopped early: ${exited.stderr()}`)
      await sleep(50)
      const rows = (await db.pool.query(
        `SELECT COALESCE(SUM(ORDER_COUNT), 0) AS n, UNIX_TIMESTAMP(MAX(UPDATED_AT)) * 1000 AS lastWrite FROM order_summary WHERE PRODUCT <> ?`,
        [END_MARKER],
      )) as Array<{n: string | number; lastWrite: string | number | null}>
      const n = Number(rows[0].n)
      if (n > count) throw new Error(`order_summary counts ${n} orders, more than the ${count} preloaded`)
      if (n === count) doneAt = Number(rows[0].lastWrite)
    }
    await Promise.all(processors.map((p) => p.stop()))
    const processingMs = doneAt - startedAt
    const recordsIn = processors.map((p) => (p.events.find((e) => e.type === 'summary') as {recordsIn?: number} | undefined)?.recordsIn ?? 0)
    const rss = processors.map((p) => MiB(p.memory()?.rss ?? 0))
    return {
      rate: (count / processingMs) * 1000,
      details: {
        processingMs: Math.round(processingMs),
        recordsInPerProcess: recordsIn.join(' + '),
        peakRssMiBPerProcess: rss.map((r) => Math.round(r)).join(' + '),
      },
    }
  } finally {
    await Promise.all(processors.map((p) => p.stop()))
    await holder.disconnect().catch(() => undefined)
    await topics.cleanup({topics: [`${groupId}-analytics-repartition`], groups: [groupId]})
    await db.drop()
  }
}

export const scalingBenchmark: Benchmark = {
  name: 'scaling',
  description: 'run analytics as separate processes over 1 M preloaded orders: 1, 3 and 6 partitions, and two processes in one group on 6',
  async run(ctx) {
    const count = Math.max(100_000, Math.round(1_000_000 * ctx.scale))
    const measurements: Measurement[] = []
    for (const {partitions, processes} of CONFIGS) {
      const {rate, details} = await processOnce(ctx, partitions, count, processes)
      const what = `${partitions} partition${partitions === 1 ? '' : 's'}, ${processes} process${processes === 1 ? '' : 'es'}`
      ctx.log(`run analytics, ${what}: ${Math.round(rate)} records/s`)
      measurements.push({
        id: `scaling.analytics.${partitions}p.${processes}x`,
        label: `sstream run analytics, ${what} (${count.toLocaleString('en-US')} orders)`,
        unit: 'records/s',
        value: Math.round(rate),
        details: {records: count, partitions, processes, ...details},
      })
    }
    return measurements
  },
}
