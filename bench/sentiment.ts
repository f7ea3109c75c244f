/**
 * Sentiment throughput. `sentiment`: the model's own, apart from Kafka — in-process, and the service over
 * HTTP (a separate `sstream serve sentiment` process) through the client's /v1/sentiment batches and through
 * the original one-text-per-request contract. `predictions`: the predictions pipeline on the local broker
 * over 100 k preloaded reviews (3 partitions), with the model in-process and with the service over HTTP;
 * the figure is records/s from the partitions' assignment to the last label committed, beside the kafkajs
 * consume-and-discard ceiling over the same topic in the same run.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {createInterface} from 'node:readline'

import {runGenerator} from '../src/core/generators/index.js'
import {KafkaAdmin} from '../src/core/kafka/index.js'
import {runPredictions} from '../src/core/pipelines/predictions.js'
import {loadEvaluationSet} from '../src/core/sentiment/dataset.js'
import {createSentimentClient, createSentimentModel} from '../src/core/sentiment/index.js'
import type {PipelineEvent} from '../src/core/stream/index.js'
import {kafkajsConsumeCeiling} from './ceiling.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'

async function corpus(n: number): Promise<string[]> {
  const [test, tune] = await Promise.all([loadEvaluationSet('test'), loadEvaluationSet('tune')])
  const texts = [...test, ...tune].map((r) => r.text)
  // Vary the texts a little so that nothing can be answered from a cache.
  return Array.from({length: n}, (_, i) => `${texts[i % texts.length]} ${i % 7 === 0 ? 'Really.' : ''}`.trim())
}

/** Starts `sstream serve sentiment --port 0 --json` and resolves with its URL. */
async function startService(): Promise<{url: string; stop: () => Promise<void>}> {
  const child = spawn(process.execPath, [new URL('../bin/run.js', import.meta.url).pathname, 'serve', 'sentiment', '--port', '0', '--json'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const lines = createInterface({input: child.stdout})
  for await (const line of lines) {
    const event = JSON.parse(line) as {event?: string; url?: string}
    if (event.event === 'listening' && event.url) {
      return {
        url: event.url,
        stop: async () => {
          child.kill('SIGTERM')
          await once(child, 'close')
        },
      }
    }
  }
  throw new Error('sstream serve sentiment ended before listening')
}

export const sentimentBenchmark: Benchmark = {
  name: 'sentiment',
  description: 'Sentiment model texts/s: in-process, over HTTP with /v1 batches, over the original one-text contract',
  async run(ctx) {
    const n = Math.max(1000, Math.round(100_000 * ctx.scale))
    const texts = await corpus(n)
    const measurements: Measurement[] = []

    const model = createSentimentModel()
    model.classify('warm up')
    let t0 = performance.now()
    for (const text of texts) model.classify(text)
    measurements.push({
      id: 'sentiment.model.in-process',
      label: `sentiment model in-process (${n} texts)`,
      unit: 'texts/s',
      value: Math.round(n / ((performance.now() - t0) / 1000)),
      target: {op: '>=', value: 5000},
      details: {texts: n, model: model.name},
    })

    const service = await startService()
    try {
      const client = createSentimentClient({url: service.url, concurrency: 64, batchSize: 64})
      await client.classify(texts.slice(0, 500))
      ctx.log(`HTTP /v1 batches: ${n} texts`)
      t0 = performance.now()
      await client.classify(texts)
      measurements.push({
        id: 'sentiment.http.v1',
        label: `sentiment service, /v1 batches of 64, 64 in flight (${n} texts)`,
        unit: 'texts/s',
        value: Math.round(n / ((performance.now() - t0) / 1000)),
        target: {op: '>=', value: 3000},
        details: {texts: n, batchSize: 64, concurrency: 64},
      })
      client.close()

      const legacyN = Math.max(500, Math.round(n / 10))
      const legacy = createSentimentClient({url: service.url, concurrency: 64, batchSize: 1})
      ctx.log(`HTTP /sentiment one text per request: ${legacyN} texts`)
      const one = texts.slice(0, legacyN)
      t0 = performance.now()
      // One text per request, as the original client did (the batch size of 1 makes every request one text).
      await legacy.classify(one)
      measurements.push({
        id: 'sentiment.http.single',
        label: `sentiment service, one text per request, 64 in flight (${legacyN} texts)`,
        unit: 'texts/s',
        value: Math.round(legacyN / ((performance.now() - t0) / 1000)),
        details: {texts: legacyN, concurrency: 64},
      })
      legacy.close()
    } finally {
      await service.stop()
    }
    return measurements
  },
}

const PARTITIONS = 3

function benchName(prefix: string): string {
  return `bench-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** Runs the predictions pipeline over the preloaded topic until idle; records/s from assignment to the last label. */
async function measurePredictions(
  ctx: BenchContext,
  input: string,
  count: number,
  model: 'local' | 'http',
  sentimentUrl: string,
): Promise<{rate: number; wallMs: number}> {
  const [output, deadLetters] = [benchName('labels'), benchName('dlq')]
  const groupId = benchName('predictions')
  const admin = await KafkaAdmin.connect(ctx.brokers)
  try {
    await admin.ensureTopics([output, deadLetters].map((topic) => ({topic, partitions: PARTITIONS, replicationFactor: 1})))
    let assignedAt = 0
    let lastResultAt = 0
    const started = performance.now()
    const summary = await runPredictions({
      brokers: ctx.brokers,
      groupId,
      inputTopic: input,
      outputTopic: output,
      deadLetterTopic: deadLetters,
      model,
      sentimentUrl,
      idleTimeoutMs: 1000,
      untilIdle: true,
      onEvent: (event: PipelineEvent) => {
        if (event.type === 'assigned' && assignedAt === 0) assignedAt = performance.now()
        if (event.type === 'result') lastResultAt = performance.now()
      },
    })
    if (summary.outputs.sentiment !== count) throw new Error(`run predictions labelled ${summary.outputs.sentiment} of ${count} reviews`)
    return {rate: Math.round(count / ((lastResultAt - assignedAt) / 1000)), wallMs: Math.round(performance.now() - started)}
  } finally {
    await admin.deleteTopics([output, deadLetters]).catch(() => undefined)
    await admin.deleteGroups([groupId]).catch(() => undefined)
    await admin.close()
  }
}

export const predictionsBenchmark: Benchmark = {
  name: 'predictions',
  description: 'run predictions over 100 k preloaded reviews: records/s with the model in-process and over HTTP',
  async run(ctx): Promise<Measurement[]> {
    const count = Math.max(5000, Math.round(100_000 * ctx.scale))
    const input = benchName('reviews')
    const admin = await KafkaAdmin.connect(ctx.brokers)
    const service = await startService()
    try {
      await admin.ensureTopics([{topic: input, partitions: PARTITIONS, replicationFactor: 1}])
      ctx.log(`preloading ${count} reviews`)
      await runGenerator({generator: 'reviews', brokers: ctx.brokers, topic: input, rate: 'max', count, seed: 42})
      ctx.log('run predictions --model local')
      const local = await measurePredictions(ctx, input, count, 'local', service.url)
      ctx.log('run predictions (HTTP)')
      const http = await measurePredictions(ctx, input, count, 'http', service.url)
      const ceiling = Math.round(await kafkajsConsumeCeiling(ctx, input, count))
      ctx.log(`run predictions: local ${local.rate}, HTTP ${http.rate} records/s; kafkajs consume-and-discard ${ceiling} records/s`)
      return [
        {
          id: 'pipeline.predictions.local',
          label: `run predictions --model local (${count.toLocaleString('en-US')} reviews)`,
          unit: 'records/s',
          value: local.rate,
          ceiling,
          target: {op: '>=', value: 5000},
          details: {reviews: count, partitions: PARTITIONS, wallMs: local.wallMs},
        },
        {
          id: 'pipeline.predictions.http',
          label: `run predictions over HTTP (${count.toLocaleString('en-US')} reviews)`,
          unit: 'records/s',
          value: http.rate,
          ceiling,
          target: {op: '>=', value: 3000},
          details: {reviews: count, partitions: PARTITIONS, wallMs: http.wallMs, concurrency: 64, batchSize: 64},
        },
      ]
    } finally {
      await service.stop()
      await admin.deleteTopics([input]).catch(() => undefined)
      await admin.close()
    }
  },
}
