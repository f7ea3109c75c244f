/**
 * Sentiment throughput. `sentiment`: the models' own, apart from Kafka — the trained model and the lexicon
 * in-process (one core, tokenising included), the trained model's load time and memory in a fresh process,
 * and the service (a separate `sstream serve sentiment` process, trained model) over HTTP through the
 * client's /v1/sentiment batches and through the original one-text-per-request contract. The texts are the
 * Stanford Sentiment Treebank's dev sentences when ../shared/data/sst is there (real review sentences),
 * else the project's own labelled reviews. `predictions`: the predictions pipeline on the local broker
 * over 300 k preloaded reviews (3 partitions), in a process of its own (bench/processor-child.mjs), with
 * the model in-process and with the service over HTTP; records/s and the process's CPU per review from the
 * partitions' assignment to the commit that covers the last review, beside the kafkajs consume-and-discard
 * ceiling over the same topic in the same run and beside the model alone (in this process, before and after
 * the pipeline). Every run checks each label on the labels topic against the model's for that review.
 */
import {execFile, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync} from 'node:fs'
import {createInterface} from 'node:readline'
import {promisify} from 'node:util'

import {runGenerator} from '../src/core/generators/index.js'
import {KafkaAdmin, readTopic} from '../src/core/kafka/index.js'
import {loadEvaluationSet} from '../src/core/sentiment/dataset.js'
import {createSentimentClient, createSentimentModel, type ModelKind} from '../src/core/sentiment/index.js'
import {readSentences} from '../src/core/sentiment/trained/sst.js'
import {kafkajsConsumeCeiling, kcatConsumeCeiling} from './ceiling.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'
import {processorFigures, timeToCommit} from './pipelines.js'

const SST_DIR = new URL('../../shared/data/sst', import.meta.url).pathname

async function corpus(n: number): Promise<string[]> {
  const texts = existsSync(SST_DIR)
    ? (await readSentences(SST_DIR, 'dev')).map((r) => r.text)
    : (await Promise.all([loadEvaluationSet('test'), loadEvaluationSet('tune')])).flat().map((r) => r.text)
  // Vary the texts a little so that nothing can be answered from a cache.
  return Array.from({length: n}, (_, i) => `${texts[i % texts.length]} ${i % 7 === 0 ? 'Really.' : ''}`.trim())
}

/** The trained model's load time and the process's memory once loaded, in a fresh Node process. */
async function measureLoad(): Promise<{loadMs: number; rssMiB: number}> {
  const script = `
    const t0 = performance.now()
    const {createTrainedModel} = await import(${JSON.stringify(new URL('../dist/core/sentiment/model.js', import.meta.url).href)})
    const model = createTrainedModel()
    model.classify('warm up')
    const loadMs = performance.now() - t0
    globalThis.gc?.()
    console.log(JSON.stringify({loadMs, rssMiB: process.memoryUsage().rss / 1048576}))`
  const {stdout} = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', script])
  return JSON.parse(stdout) as {loadMs: number; rssMiB: number}
}

/** Starts `sstream serve sentiment --port 0 --json` and resolves with its URL. */
async function startService(model: ModelKind = 'trained'): Promise<{url: string; stop: () => Promise<void>}> {
  const child = spawn(process.execPath, [new URL('../bin/run.js', import.meta.url).pathname, 'serve', 'sentiment', '--port', '0', '--json', '--model', model], {
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
  description: 'Sentiment models texts/s: in-process (trained, lexicon), load time and memory, over HTTP with /v1 batches, over the original one-text contract',
  async run(ctx) {
    const n = Math.max(1000, Math.round(100_000 * ctx.scale))
    const texts = await corpus(n)
    const measurements: Measurement[] = []

    for (const kind of ['trained', 'lexicon'] as const) {
      const model = createSentimentModel(kind)
      for (let i = 0; i < 2000; i++) model.classify(texts[i % texts.length])
      const t0 = performance.now()
      for (const text of texts) model.classify(text)
      const seconds = (performance.now() - t0) / 1000
      measurements.push({
        id: kind === 'trained' ? 'sentiment.model.in-process' : 'sentiment.lexicon.in-process',
        label: `${kind} model in-process, one core (${n} texts)`,
        unit: 'texts/s',
        value: Math.round(n / seconds),
        ...(kind === 'trained' ? {target: {op: '>=' as const, value: 20_000}} : {}),
        details: {texts: n, model: model.name, version: model.version, microsecondsPerText: Math.round((seconds * 1e6 * 10) / n) / 10},
      })
    }
    const load = await measureLoad()
    measurements.push({
      id: 'sentiment.model.load',
      label: 'trained model: import, read and first label, fresh process',
      unit: 'ms',
      value: Math.round(load.loadMs),
      target: {op: '<=', value: 1000},
      details: {rssMiB: Math.round(load.rssMiB)},
    })
    measurements.push({
      id: 'sentiment.model.memory',
      label: 'trained model: resident memory of a fresh process once loaded',
      unit: 'MiB',
      value: Math.round(load.rssMiB),
      target: {op: '<=', value: 200},
    })
    let t0: number

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
        target: {op: '>=', value: 10_000},
        details: {texts: n, batchSize: 64, concurrency: 64, model: 'trained'},
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

/** The process's CPU time so far (user + system, ms). */
function cpuNowMs(): number {
  const {user, system} = process.cpuUsage()
  return (user + system) / 1000
}

/**
 * The trained model alone over the reviews, in this process on one core, after a warm-up: texts/s (wall) and
 * CPU µs per text (this process's CPU time: the model's thread and V8's helpers, as the processor's counts).
 * Returns the labels too, by position, to check the pipeline's outputs against.
 */
function modelAlone(reviews: string[]): {rate: number; cpuUsPerText: number; labels: string[]} {
  const model = createSentimentModel('trained')
  for (let i = 0; i < Math.min(2000, reviews.length); i++) model.classify(reviews[i])
  const labels: string[] = new Array(reviews.length)
  const cpu0 = cpuNowMs()
  const t0 = performance.now()
  for (let i = 0; i < reviews.length; i++) labels[i] = model.classify(reviews[i]).label
  const seconds = (performance.now() - t0) / 1000
  return {rate: Math.round(reviews.length / seconds), cpuUsPerText: ((cpuNowMs() - cpu0) * 1000) / reviews.length, labels}
}

/**
 * Runs the predictions pipeline over the preloaded topic in a process of its own (bench/processor-child.mjs,
 * the code `sstream run predictions` runs) until the group's committed offsets cover every review (the
 * labels are committed in the same transactions), then checks the labels topic (read committed) against
 * `expected` (review id → label).
 */
async function measurePredictions(
  ctx: BenchContext,
  input: string,
  ends: Map<number, number>,
  count: number,
  local: boolean,
  sentimentUrl: string,
  expected: Map<string, string>,
): Promise<Awaited<ReturnType<typeof timeToCommit>>> {
  const [output, deadLetters] = [benchName('labels'), benchName('dlq')]
  const groupId = benchName('predictions')
  const admin = await KafkaAdmin.connect(ctx.brokers)
  try {
    await admin.ensureTopics([output, deadLetters].map((topic) => ({topic, partitions: PARTITIONS, replicationFactor: 1})))
    const covered = async (): Promise<boolean> => {
      const committed = await admin.committedOffsets(groupId, input)
      return [...ends].every(([partition, end]) => Number(committed.find((c) => c.partition === partition)?.offset ?? -1) >= end)
    }
    const timed = await timeToCommit(
      count,
      'predictions',
      {brokers: ctx.brokers, groupId, inputTopic: input, outputTopic: output, deadLetterTopic: deadLetters, local, sentimentUrl},
      async () => ((await covered()) ? Date.now() : undefined),
    )
    if (timed.summary.outputs.sentiment !== count) throw new Error(`run predictions labelled ${timed.summary.outputs.sentiment} of ${count} reviews`)
    const labels = new Map<string, string>()
    await readTopic({brokers: ctx.brokers, topic: output, fromBeginning: true, exitAtEnd: true, onRecord: (r) => labels.set(r.key ?? '', r.value ?? '')})
    const wrong = [...expected].filter(([id, label]) => labels.get(id) !== label)
    if (labels.size !== expected.size || wrong.length > 0) {
      throw new Error(`the labels topic holds ${labels.size} labels for ${expected.size} reviews, ${wrong.length} not the model's (first: ${JSON.stringify(wrong.slice(0, 3))})`)
    }
    return timed
  } finally {
    await admin.deleteTopics([output, deadLetters]).catch(() => undefined)
    await admin.deleteGroups([groupId]).catch(() => undefined)
    await admin.close()
  }
}

export const predictionsBenchmark: Benchmark = {
  name: 'predictions',
  description: 'run predictions over 300 k preloaded reviews, in a process of its own: records/s and CPU per review with the model in-process and over HTTP, beside the model alone (target: ≤ 20 % over the model)',
  async run(ctx): Promise<Measurement[]> {
    const count = Math.max(10_000, Math.round(300_000 * ctx.scale))
    const input = benchName('reviews')
    const admin = await KafkaAdmin.connect(ctx.brokers)
    const service = await startService()
    try {
      await admin.ensureTopics([{topic: input, partitions: PARTITIONS, replicationFactor: 1}])
      ctx.log(`preloading ${count} reviews`)
      const reviews: Array<{id: string; text: string}> = []
      await runGenerator({generator: 'reviews', brokers: ctx.brokers, topic: input, rate: 'max', count, seed: 42, onRecords: (records) => records.forEach((r) => reviews.push({id: r.key ?? '', text: r.value}))})
      const ends = new Map((await admin.topicOffsets(input)).partitions.map((p) => [p.partition, Number(p.high)]))
      // The model alone over the same reviews, in-process on one core: what bounds the pipeline. Measured
      // just before and just after the pipeline (the mean of both), as the machine may be busier at one time.
      const texts = reviews.map((r) => r.text)
      const before = modelAlone(texts)
      const expected = new Map(reviews.map((r, i) => [r.id, before.labels[i]]))
      ctx.log('run predictions --local (trained model)')
      const local = await measurePredictions(ctx, input, ends, count, true, service.url, expected)
      const after = modelAlone(texts)
      const modelRate = Math.round((before.rate + after.rate) / 2)
      const modelCpuUs = (before.cpuUsPerText + after.cpuUsPerText) / 2
      const localCpuUs = (local.cpuMs * 1000) / count
      ctx.log(`run predictions --local: ${Math.round(local.rate)} records/s, ${localCpuUs.toFixed(1)} CPU µs per review; model alone ${before.rate} then ${after.rate} texts/s, ${before.cpuUsPerText.toFixed(1)} then ${after.cpuUsPerText.toFixed(1)} CPU µs per text`)
      ctx.log('run predictions (HTTP, trained model)')
      const http = await measurePredictions(ctx, input, ends, count, false, service.url, expected)
      const ceiling = Math.round(await kafkajsConsumeCeiling(ctx, input, count))
      const kcatCeiling = Math.round(await kcatConsumeCeiling(ctx, input, count))
      ctx.log(`run predictions: local ${Math.round(local.rate)}, HTTP ${Math.round(http.rate)} records/s; kafkajs consume-and-discard ${ceiling} records/s`)
      return [
        {
          id: 'pipeline.predictions.local',
          label: `run predictions --local, trained model (${count.toLocaleString('en-US')} reviews)`,
          unit: 'records/s',
          value: Math.round(local.rate),
          ceiling,
          kcatCeiling,
          target: {op: '>=', value: 5000},
          details: {reviews: count, partitions: PARTITIONS, processingMs: Math.round(local.processingMs), startupCpuMs: Math.round(local.startupCpuMs), cpuMsToFirstLabel: Math.round(local.firstResultCpuMs ?? -1)},
        },
        {
          id: 'pipeline.predictions.model',
          label: `trained model alone over the same reviews, in-process, one core (${count.toLocaleString('en-US')} texts)`,
          unit: 'texts/s',
          value: modelRate,
          details: {before: before.rate, after: after.rate},
        },
        {
          id: 'pipeline.predictions.overhead.cpu',
          label: 'run predictions --local: CPU per review over the model alone\'s, minus 1',
          unit: '%',
          value: (localCpuUs / modelCpuUs - 1) * 100,
          target: {op: '<=', value: 20},
          details: {pipelineCpuUsPerReview: Number(localCpuUs.toFixed(1)), modelCpuUsPerText: Number(modelCpuUs.toFixed(1))},
        },
        {
          id: 'pipeline.predictions.overhead',
          label: 'run predictions --local: time per review over the model alone\'s, minus 1',
          unit: '%',
          value: (modelRate / local.rate - 1) * 100,
          target: {op: '<=', value: 20},
        },
        ...processorFigures('pipeline.predictions', 'run predictions --local', count, local),
        {
          id: 'pipeline.predictions.http',
          label: `run predictions over HTTP, trained model (${count.toLocaleString('en-US')} reviews)`,
          unit: 'records/s',
          value: Math.round(http.rate),
          ceiling,
          kcatCeiling,
          target: {op: '>=', value: 3000},
          details: {reviews: count, partitions: PARTITIONS, processingMs: Math.round(http.processingMs), concurrency: 64, batchSize: 64, cpuUsPerReview: Number(((http.cpuMs * 1000) / count).toFixed(1))},
        },
      ]
    } finally {
      await service.stop()
      await admin.deleteTopics([input]).catch(() => undefined)
      await admin.close()
    }
  },
}
