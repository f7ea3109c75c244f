/**
 * Real-time predictions (SPEC §4): every review of the input topic → the output topic, key = the review id
 * (the input key), value = its sentiment label. The label comes from the sentiment service over HTTP
 * (`/v1/sentiment` batches, at most `concurrency` requests in flight) or from a model in-process
 * (`local: true`; `model` picks the trained network or the lexicon). Labels go out in the engine's Kafka transactions with the consumed offsets: every
 * review is labelled exactly once (read committed), in input order per partition. When the service is
 * down the engine pauses the partition, reports `status` down/ok for `sentiment` and retries with backoff:
 * no review is ever labelled `Error`.
 */
import {isUtf8} from 'node:buffer'

import {SstreamError} from '../errors.js'
import {
  createSentimentClient,
  createSentimentModel,
  DEFAULT_MODEL_KIND,
  isSentimentRejection,
  probeSentimentService,
  type ModelKind,
  type SentimentClient,
  type SentimentLabel,
} from '../sentiment/index.js'
import {runPipeline} from './run.js'
import {RecordError, type InputRecord, type PipelineDefinition, type RunOptions, type RunSummary} from '../stream/types.js'
import {checkKeyUtf8} from './common.js'
import {FieldError} from './validate.js'

/** One labelled review: the output item (and the `value` of its result event). */
export interface Prediction {
  /** The review id: the input record's key. */
  id: string | null
  review: string
  label: SentimentLabel
  score: number | null
}

/** A review's label and score. */
export interface ReviewLabel {
  label: SentimentLabel
  score: number | null
}

/** Labels reviews; may be async (HTTP). Throws an SstreamError while the service is down. */
export interface ReviewClassifier {
  /** e.g. "local trained dan" or "http://127.0.0.1:8001/sentiment". */
  readonly name: string
  classify(review: string): ReviewLabel | Promise<ReviewLabel>
  /**
   * The labels of a batch's reviews at once, in order (a RecordError for a review refused for its content):
   * the pipeline then asks once per batch instead of once per review. Optional.
   */
  classifyMany?(reviews: readonly string[]): Array<ReviewLabel | RecordError> | Promise<Array<ReviewLabel | RecordError>>
  close(): void
}

export interface PredictionsOptions {
  inputTopic: string
  outputTopic: string
  deadLetterTopic: string
  /** true: the model runs in this process; false (default): the sentiment service at `sentimentUrl` labels. */
  local?: boolean
  /**
   * Which model: in-process, the one that runs (default trained); with the service, the one the service
   * must be running (checked against its /healthz; undefined = whatever it runs).
   */
  model?: ModelKind
  sentimentUrl: string
  /** Most requests to the service in flight; default 64. */
  concurrency?: number
  /** Reviews per `/v1/sentiment` request; default 64. */
  batchSize?: number
}

/** What `--model` accepts: the two models, and 0.1's `http` / `local` (deprecated: where, not which). */
export const MODEL_FLAG_VALUES = ['trained', 'lexicon', 'http', 'local'] as const

/**
 * The model choice of `run predictions`: `--model trained|lexicon` picks the model and `--local` runs it in
 * this process. 0.1's `--model local` still means "the trained model in-process" and `--model http` "the
 * service"; both come back with a deprecation note for stderr.
 */
export function resolveModelChoice(flags: {model?: string; local?: boolean}): {local: boolean; model?: ModelKind; deprecation?: string} {
  const local = flags.local === true
  switch (flags.model) {
    case undefined:
      return {local}
    case 'trained':
    case 'lexicon':
      return {local, model: flags.model}
    case 'local':
      return {local: true, model: 'trained', deprecation: '`--model local` is deprecated: use `--local` (the trained model in this process; `--local --model lexicon` for the lexicon).'}
    case 'http':
      return {local, deprecation: '`--model http` is deprecated: the sentiment service is the default; leave it out.'}
    default:
      throw new SstreamError('USAGE', `--model ${flags.model} is not a model.`, {nextSteps: ['Use --model trained (the default) or --model lexicon, and --local to run it in this process.']})
  }
}

export const DEFAULT_CONCURRENCY = 64
export const DEFAULT_BATCH_SIZE = 64

/** The review text of a record. A record without a value (a tombstone) cannot be a review. */
export function decodeReview(record: InputRecord): string {
  const bytes = record.valueBytes()
  if (bytes === null) throw new RecordError('missing-value', 'The record has no value (a review is expected).')
  const text = bytes.toString('utf8')
  // Invalid bytes would be labelled as U+FFFD, not as what was written.
  if (text.includes('\ufffd') && !isUtf8(bytes)) throw new FieldError('review', 'is not valid UTF-8 text.')
  checkKeyUtf8(record, 'key', 'the label goes out with the review id, its key, as text')
  return text
}

export function predictionsPipeline(options: PredictionsOptions, classifier: ReviewClassifier): PipelineDefinition<string> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const toPrediction = (review: string, record: InputRecord, result: ReviewLabel): Prediction => ({
    id: record.key,
    review,
    label: result.label,
    score: result.score,
  })
  const sink = {kind: 'topic' as const, name: options.outputTopic, topic: options.outputTopic, toMessage: (p: Prediction) => ({key: p.id, value: p.label})}
  const {classifyMany} = classifier
  const toPredictions = (reviews: readonly string[], records: readonly InputRecord[], results: Array<ReviewLabel | RecordError>): Array<Prediction | RecordError> => {
    const predictions: Array<Prediction | RecordError> = new Array(results.length)
    for (let i = 0; i < results.length; i++) {
      const result = results[i]
      predictions[i] = result instanceof RecordError ? result : toPrediction(reviews[i], records[i], result)
    }
    return predictions
  }
  return {
    name: 'predictions',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeReview,
    perRecord: [
      classifyMany
        ? {
            // The batch's reviews in one call: the model in a loop, or the service in requests of `batchSize`.
            name: 'sentiment',
            mapBatch: (reviews: readonly string[], records: readonly InputRecord[]) => {
              const results = classifyMany.call(classifier, reviews)
              return results instanceof Promise ? results.then((r) => toPredictions(reviews, records, r)) : toPredictions(reviews, records, results)
            },
            sink,
          }
        : {
            name: 'sentiment',
            map: (review: string, record: InputRecord) => {
              const result = classifier.classify(review)
              return result instanceof Promise ? result.then((r) => toPrediction(review, record, r)) : toPrediction(review, record, result)
            },
            // Enough reviews in flight per partition to fill `concurrency` requests of `batchSize` reviews.
            concurrency: options.local ? 1 : Math.max(1, concurrency * batchSize),
            sink,
          },
    ],
  }
}

/** A model in-process (default: the trained one). */
export function localClassifier(kind: ModelKind = DEFAULT_MODEL_KIND): ReviewClassifier {
  const model = createSentimentModel(kind)
  return {
    name: `local ${model.name}`,
    classify: (review) => model.classify(review),
    classifyMany: (reviews) => {
      const labels: ReviewLabel[] = new Array(reviews.length)
      for (let i = 0; i < reviews.length; i++) labels[i] = model.classify(reviews[i])
      return labels
    },
    close: () => undefined,
  }
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
        // A text the service refuses for its content is that record's rejection (dead-lettered), not an outage.
        (results) =>
          part.forEach((w, k) => {
            const result = results[k]
            if (isSentimentRejection(result)) w.reject(new RecordError('rejected', result.rejected))
            else w.resolve(result)
          }),
        (error: unknown) => part.forEach((w) => w.reject(error)),
      )
    }
  }
  return {
    name: options.url,
    // A batch's reviews in one call of the client: `batchSize` per request, `concurrency` requests in flight.
    classifyMany: (reviews) =>
      client.classify(reviews).then((results) => results.map((result) => (isSentimentRejection(result) ? new RecordError('rejected', result.rejected) : result))),
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

/**
 * Runs the predictions pipeline against Kafka until stopped. With the service, checks first that it answers
 * and, when `model` is given, that it runs that model.
 */
export async function runPredictions(options: PredictionsOptions & RunOptions): Promise<RunSummary> {
  if (!options.local) {
    const service = await probeSentimentService(options.sentimentUrl, {timeoutMs: 5000})
    if (options.model && service.kind && service.kind !== options.model) {
      throw new SstreamError('USAGE', `The sentiment service at ${options.sentimentUrl} runs the ${service.kind} model, not the ${options.model} one.`, {
        nextSteps: [`Start it with \`sstream serve sentiment --model ${options.model}\`.`, 'Or leave out --model to use the model the service runs.', `Or add --local to run the ${options.model} model in this process.`],
      })
    }
  }
  const classifier = options.local
    ? localClassifier(options.model ?? DEFAULT_MODEL_KIND)
    : httpClassifier({url: options.sentimentUrl, concurrency: options.concurrency, batchSize: options.batchSize})
  try {
    return await runPipeline(predictionsPipeline(options, classifier), options)
  } finally {
    classifier.close()
  }
}
