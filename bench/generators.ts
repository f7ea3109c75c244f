/**
 * Generator throughput on the local broker: `sstream gen orders --rate max --count 500000` into a fresh
 * 3-partition topic, as a user runs it (the figure is the command's own ratePerSec; its process start-up is
 * in the details), then each generator in-process through runGenerator, and, for reference, the same
 * orders through kafkajs's idempotent producer, which the generators' own producer replaces on this path.
 * Every run checks that the topic holds exactly the records reported sent.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'

import {createEventFactory, runGenerator} from '../src/core/generators/index.js'
import {createKafka, KafkaAdmin} from '../src/core/kafka/index.js'
import {GENERATORS} from '../src/core/names.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'

const PARTITIONS = 3

async function withTopic<T>(ctx: BenchContext, prefix: string, work: (topic: string) => Promise<T>): Promise<T> {
  const topic = `bench-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const admin = await KafkaAdmin.connect(ctx.brokers)
  try {
    await admin.ensureTopics([{topic, partitions: PARTITIONS, replicationFactor: 1}])
    return await work(topic)
  } finally {
    await admin.deleteTopics([topic]).catch(() => undefined)
    await admin.close()
  }
}

async function recordsIn(ctx: BenchContext, topic: string): Promise<number> {
  const admin = await KafkaAdmin.connect(ctx.brokers)
  try {
    return (await admin.topicOffsets(topic)).records
  } finally {
    await admin.close()
  }
}

async function expectRecords(ctx: BenchContext, topic: string, expected: number): Promise<void> {
  const actual = await recordsIn(ctx, topic)
  if (actual !== expected) throw new Error(`${topic} holds ${actual} records, ${expected} were reported sent`)
}

/** `sstream gen orders --rate max --count N --json` as a child process. */
async function cliRun(ctx: BenchContext, topic: string, count: number): Promise<{ratePerSec: number; durationMs: number; wallMs: number; sent: number}> {
  const bin = new URL('../bin/run.js', import.meta.url).pathname
  const started = performance.now()
  const child = spawn(process.execPath, [bin, 'gen', 'orders', '--rate', 'max', '--count', String(count), '--topic', topic, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {...process.env, SSTREAM_KAFKA_BROKERS: ctx.brokers.join(',')},
  })
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  const [code] = (await once(child, 'close')) as [number | null]
  const wallMs = performance.now() - started
  if (code !== 0) throw new Error(`sstream gen orders exited ${code}: ${stdout}`)
  const result = JSON.parse(stdout) as {ratePerSec: number; durationMs: number; sent: number}
  return {...result, wallMs}
}

/** The same orders through kafkajs's idempotent producer, batches of 2000, several sends queued. */
async function kafkajsRun(ctx: BenchContext, topic: string, count: number): Promise<number> {
  const producer = createKafka({brokers: ctx.brokers}).producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  const factory = createEventFactory('orders', {seed: 1})
  const started = performance.now()
  const inFlight: Array<Promise<unknown>> = []
  for (let sent = 0; sent < count; sent += 2000) {
    const messages = factory.take(Math.min(2000, count - sent)).map((r) => ({key: r.key, value: r.value, timestamp: String(r.timestamp)}))
    inFlight.push(producer.send({topic, acks: -1, messages}))
    if (inFlight.length >= 4) await inFlight.shift()
  }
  await Promise.all(inFlight)
  const seconds = (performance.now() - started) / 1000
  await producer.disconnect()
  return count / seconds
}

export const generatorsBenchmark: Benchmark = {
  name: 'generators',
  description: 'gen orders --rate max --count 500000 into 3 partitions (target ≥ 200k records/s); each generator in-process; kafkajs for reference',
  async run(ctx) {
    const measurements: Measurement[] = []
    const cliCount = Math.max(10_000, Math.round(500_000 * ctx.scale))
    const cli = await withTopic(ctx, 'gen-cli', async (topic) => {
      const result = await cliRun(ctx, topic, cliCount)
      await expectRecords(ctx, topic, result.sent)
      return result
    })
    ctx.log(`gen orders (CLI): ${Math.round(cli.ratePerSec)} records/s, ${Math.round(cli.wallMs)} ms with process start-up`)
    measurements.push({
      id: 'gen.orders.cli',
      label: `sstream gen orders --rate max (${cliCount.toLocaleString('en-US')} records, ${PARTITIONS} partitions)`,
      unit: 'records/s',
      value: Math.round(cli.ratePerSec),
      target: {op: '>=', value: 200_000},
      details: {records: cliCount, partitions: PARTITIONS, durationMs: cli.durationMs, wallMsWithStartup: Math.round(cli.wallMs)},
    })

    const count = Math.max(10_000, Math.round(200_000 * ctx.scale))
    for (const generator of GENERATORS) {
      const result = await withTopic(ctx, `gen-${generator}`, async (topic) => {
        const r = await runGenerator({generator, brokers: ctx.brokers, topic, rate: 'max', count})
        await expectRecords(ctx, topic, r.sent)
        return r
      })
      ctx.log(`${generator} in-process: ${Math.round(result.ratePerSec)} records/s`)
      measurements.push({
        id: `gen.${generator}.in-process`,
        label: `runGenerator ${generator}, rate max (${count.toLocaleString('en-US')} records)`,
        unit: 'records/s',
        value: Math.round(result.ratePerSec),
        details: {records: count, partitions: PARTITIONS, retriedErrors: result.errors},
      })
    }

    const referenceCount = Math.max(10_000, Math.round(100_000 * ctx.scale))
    const kafkajs = await withTopic(ctx, 'gen-kafkajs', async (topic) => {
      const rate = await kafkajsRun(ctx, topic, referenceCount)
      await expectRecords(ctx, topic, referenceCount)
      return rate
    })
    ctx.log(`kafkajs idempotent producer: ${Math.round(kafkajs)} records/s`)
    measurements.push({
      id: 'gen.orders.kafkajs-reference',
      label: `same orders via kafkajs idempotent producer (${referenceCount.toLocaleString('en-US')} records, reference)`,
      unit: 'records/s',
      value: Math.round(kafkajs),
      details: {records: referenceCount, batch: 2000, queuedSends: 4},
    })
    return measurements
  },
}
