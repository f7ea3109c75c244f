/**
 * Real-time predictions (SPEC §4): every review of the input topic → the output topic, key = the review id
 * (the input key), value = its sentiment label. The label comes from the sentiment service over HTTP
 * (`/v1/sentiment` batches, at most `concurrency` requests in flight) or from the model in-process
 * (`model: 'local'`). Labels go out in the engine's Kafka transactions with the consumed offsets: every
 * review is labelled exactly once (read committed), in input order per partition. When the service is
 * down the engine pauses the partition, reports `status` down/ok for `sentiment` and retries with backoff:
 * no review is ever labelled `Error`.
 */
import type {Theme} from '../output/index.js'
import {createSentimentClient, createSentimentModel, probeSentimentService, type SentimentClient, type SentimentLabel} from '../sentiment/index.js'
import {runPipeline} from '../stream/runtime.js'
import {RecordError, type InputRecord, type PipelineDefinition, type ResultEvent, type RunOptions, type RunSummary} from '../stream/types.js'

/** One labelled review: the output item (and the `value` of its result event). */
export interface Prediction {
  /** The review id: the input record's key. */
  id: string | null
  review: string
  label: SentimentLabel
  score: number | null
}

/** Labels one review; may be async (HTTP). Throws an SstreamError while the service is down. */
export interface ReviewClassifier {
  /** e.g. "local rules/whole" or "http://127.0.0.1:8001/sentiment". */
  readonly name: string
  classify(review: string): {label: SentimentLabel; score: number | null} | Promise<{label: SentimentLabel; score: number | null}>
  close(): void
}

export interface PredictionsOptions {
  inputTopic: string
  outputTopic: string
  deadLetterTopic: string
  /** 'http' (default): the sentiment service at `sentimentUrl`; 'local': the model in-process. */
  model?: 'http' | 'local'
  sentimentUrl: string
  /** Most requests to the service in flight; default 64. */
  concurrency?: number
  /** Reviews per `/v1/sentiment` request; default 64. */
  batchSize?: number
}

export const DEFAULT_CONCURRENCY = 64
export const DEFAULT_BATCH_SIZE = 64

/** The review text of a record. A record without a value (a tombstone) cannot be a review. */
export function decodeReview(record: InputRecord): string {
  if (record.value === null) throw new RecordError('missing-value', 'The record has no value (a review is expected).')
  return record.value.toString('utf8')
}

export function predictionsPipeline(options: PredictionsOptions, classifier: ReviewClassifier): PipelineDefinition<string> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const toPrediction = (review: string, record: InputRecord, result: {label: SentimentLabel; score: number | null}): Prediction => ({
    id: record.key,
    review,
    label: result.label,
    score: result.score,
  })
  return {
    name: 'predictions',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeReview,
    perRecord: [
      {
        name: 'sentiment',
        map: (review: string, record: InputRecord) => {
          const result = classifier.classify(review)
          return result instanceof Promise ? result.then((r) => toPrediction(review, record, r)) : toPrediction(review, record, result)
        },
        // Enough reviews in flight per partition to fill `concurrency` requests of `batchSize` reviews.
        concurrency: options.model === 'local' ? 1 : Math.max(1, concurrency * batchSize),
        sink: {kind: 'topic', name: 'sentiment', topic: options.outputTopic, toMessage: (p: Prediction) => ({key: p.id, value: p.label})},
      },
    ],
  }
}

/** The model in-process. */
export function localClassifier(): ReviewClassifier {
  const model = createSentimentModel()
  return {name: `local ${model.name}`, classify: (review) => model.classify(review), close: () => undefined}
}

/**
 * The sentiment service. Reviews asked for in the same turn of the event loop (the engine maps a batch of
 * records at once) are sent together, `batchSize` per request, at most `concurrency` requests in flight.
 * A request that finds the service down rejects with SENTIMENT_UNREACHABLE: the engine retries it.
 */
export function httpClassifier(options: {url: string; concurrency?: number; batchSize?: number; timeoutMs?: number}): ReviewClassifier {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const client: SentimentClient = createSentimentClient({
    url: options.url,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    batchSize,
    waitWhileDown: false,
    ...(options.timeoutMs ? {timeoutMs: options.timeoutMs} : {}),
  })
  type Waiting = {review: string; resolve: (r: {label: SentimentLabel; score: number | null}) => void; reject: (e: unknown) => void}
  let queue: Waiting[] = []
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    const batch = queue
    queue = []
    for (let i = 0; i < batch.length; i += batchSize) {
      const part = batch.slice(i, i + batchSize)
      client.classify(part.map((w) => w.review)).then(
        (results) => part.forEach((w, k) => w.resolve(results[k])),
        (error: unknown) => part.forEach((w) => w.reject(error)),
      )
    }
  }
  return {
    name: options.url,
    classify: (review) =>
      new Promise((resolve, reject) => {
        queue.push({review, resolve, reject})
        if (queue.length >= batchSize) flush()
        else if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      }),
    close: () => client.close(),
  }
}

/** The console line for a labelled review, like the original's `Output - Sentiment= <label> : for <review>`. */
export function formatPrediction(event: ResultEvent, theme: Theme): string {
  const p = event.value as Prediction
  return `Output - Sentiment= ${theme.label(p.label)} : for ${p.review}`
}

/** Runs the predictions pipeline against Kafka until stopped. With the service, checks it answers first. */
export async function runPredictions(options: PredictionsOptions & RunOptions): Promise<RunSummary> {
  if (options.model !== 'local') await probeSentimentService(options.sentimentUrl, {timeoutMs: 5000})
  const classifier = options.model === 'local' ? localClassifier() : httpClassifier({url: options.sentimentUrl, concurrency: options.concurrency, batchSize: options.batchSize})
  try {
    return await runPipeline(predictionsPipeline(options, classifier), options)
  } finally {
    classifier.close()
  }
}
