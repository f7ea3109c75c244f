/**
 * Reviews for the predictions tests: produced with their keys and the default (key-hash) partitioner, as
 * the reviews generator does, so that a label's output partition is its review's input partition. The
 * expected labels are the model's (trained unless a test says lexicon), computed directly.
 */
import {loadReviewCorpus} from '../../../src/core/generators/index.js'
import {loadEvaluationSet} from '../../../src/core/sentiment/dataset.js'
import {createSentimentModel, type ModelKind} from '../../../src/core/sentiment/index.js'
import {kafkaClient, readCommitted, type ReadRecord} from '../stream/fixtures.js'

export interface Review {
  key: string
  /** null: a tombstone, which must be dead-lettered. */
  value: string | null
}

const models = {trained: createSentimentModel('trained'), lexicon: createSentimentModel('lexicon')}

/** `count` reviews with unique, increasing ids (epoch-second style keys); a few tombstones and empty texts. */
export async function makeReviews(count: number, {tombstoneEvery = 0} = {}): Promise<Review[]> {
  const [corpus, test] = await Promise.all([loadReviewCorpus(), loadEvaluationSet('test')])
  const texts = [...corpus, ...test.map((r) => r.text), '']
  return Array.from({length: count}, (_, i) => ({
    key: String(1_700_000_000 + i),
    value: tombstoneEvery > 0 && i % tombstoneEvery === tombstoneEvery - 1 ? null : texts[(i * 7) % texts.length],
  }))
}

export async function produceReviews(topic: string, reviews: Review[]): Promise<void> {
  const producer = kafkaClient().producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  try {
    for (let i = 0; i < reviews.length; i += 5000) {
      await producer.send({topic, acks: -1, messages: reviews.slice(i, i + 5000).map((r) => ({key: r.key, value: r.value}))})
    }
  } finally {
    await producer.disconnect()
  }
}

/** Produces the reviews at about `perSecond`, in chunks every 250 ms, as a generator would. */
export async function produceReviewsPaced(topic: string, reviews: Review[], perSecond: number): Promise<void> {
  const producer = kafkaClient().producer({idempotent: true, maxInFlightRequests: 1})
  await producer.connect()
  const chunk = Math.max(1, Math.round(perSecond / 4))
  try {
    for (let i = 0; i < reviews.length; i += chunk) {
      const next = Date.now() + 250
      await producer.send({topic, acks: -1, messages: reviews.slice(i, i + chunk).map((r) => ({key: r.key, value: r.value}))})
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())))
    }
  } finally {
    await producer.disconnect()
  }
}

/** The label the model gives the review (the trained model, the default, unless `kind` says otherwise). */
export function expectedLabel(review: string, kind: ModelKind = 'trained'): string {
  return models[kind].classify(review).label
}

/**
 * Checks the output topic against the reviews produced: every review (not the tombstones) labelled exactly
 * once with the model's label, nothing else, on its input partition and in input order. Returns every
 * discrepancy found (empty: all good) and how many labels the topic holds.
 */
export async function checkLabels(
  reviews: Review[],
  inputTopic: string,
  outputTopic: string,
  kind: ModelKind = 'trained',
  read: (topic: string) => Promise<LabelRecord[]> = readCommitted,
): Promise<{problems: string[]; labelled: number}> {
  const [input, output] = await Promise.all([read(inputTopic), read(outputTopic)])
  const text = new Map(reviews.map((r) => [r.key, r.value]))
  const problems: string[] = []
  const counts = new Map<string, number>()
  const inputPartition = new Map(input.map((r) => [r.key ?? '', r.partition]))
  for (const o of output) {
    const key = o.key ?? ''
    counts.set(key, (counts.get(key) ?? 0) + 1)
    const review = text.get(key)
    if (review === undefined || review === null) problems.push(`a label for ${review === null ? 'the tombstone' : 'an unknown review'} ${key}`)
    else if (o.value !== expectedLabel(review, kind)) problems.push(`review ${key} is ${o.value}, expected ${expectedLabel(review, kind)}`)
    else if (inputPartition.get(key) !== o.partition) problems.push(`review ${key} is on partition ${o.partition}, its input on ${inputPartition.get(key)}`)
  }
  for (const [key, n] of counts) if (n > 1) problems.push(`review ${key} labelled ${n} times`)
  const missing = reviews.filter((r) => r.value !== null && !counts.has(r.key))
  if (missing.length > 0) problems.push(`${missing.length} reviews not labelled, e.g. ${missing.slice(0, 3).map((r) => r.key).join(', ')}`)
  const expectedOrder = keysByPartition(input.filter((r) => text.get(r.key ?? '') !== null))
  for (const [partition, keys] of keysByPartition(output)) {
    if (keys.join(',') !== (expectedOrder.get(partition) ?? []).join(',') && problems.length === 0) problems.push(`partition ${partition} is not in input order`)
  }
  return {problems, labelled: output.length}
}

/** What the label check reads of a record (a topic read whole, read_committed, in offset order per partition). */
export type LabelRecord = Pick<ReadRecord, 'partition' | 'key' | 'value'>

/** Keys per partition, in topic order. */
export function keysByPartition(records: LabelRecord[]): Map<number, string[]> {
  const out = new Map<number, string[]>()
  for (const r of records) {
    const keys = out.get(r.partition) ?? []
    keys.push(r.key ?? '')
    out.set(r.partition, keys)
  }
  return out
}
