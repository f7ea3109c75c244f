import {readFileSync} from 'node:fs'

import {afterAll, describe, expect, it} from 'vitest'

import {createEventFactory, parseReviewCorpus, runGenerator, syntheticClock} from '../../../src/core/generators/index.js'
import {partitionForKey} from '../../../src/core/kafka/index.js'
import {GENERATORS, type GeneratorName} from '../../../src/core/names.js'
import {resourcePath} from '../../../src/core/paths.js'
import {TestServices, testConfig} from '../../helpers/services.js'
import {checkAlert, checkCounter, checkOrder, checkReview, checkScore, checkView} from '../../unit/generators/formats.js'
import {fingerprint, readAll} from './read-topic.js'

const services = new TestServices()
afterAll(() => services.cleanup())

const corpus = parseReviewCorpus(readFileSync(resourcePath('reviews', 'movie-reviews.txt'), 'utf8'))
const corpusSet = new Set(corpus)
const START = Date.UTC(2024, 2, 31, 0, 59, 0, 0)
const brokers = testConfig.kafkaBrokers

const check: Record<GeneratorName, (r: {key: string; value: string; timestamp: number}) => unknown> = {
  orders: checkOrder,
  alerts: checkAlert,
  scores: checkScore,
  reviews: (r) => checkReview(r, corpusSet),
  views: checkView,
}

describe.each([...GENERATORS])('gen %s through Kafka', (generator) => {
  it('writes exactly the seeded records, each in the original format, with the event time as record timestamp', async () => {
    const [topic] = await services.topics([generator])
    const count = 3000
    const result = await runGenerator({generator, brokers, topic, rate: 'max', count, seed: 42, startTime: START, timeStepMs: 7})
    // `errors` counts sends that were retried (a fresh topic's leader may still be moving); what was sent is
    // checked record by record below.
    expect(result).toMatchObject({generator, topic, sent: count, interrupted: false})

    const records = await readAll(topic)
    expect(records).toHaveLength(count)
    for (const r of records) {
      check[generator]({key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp})
      // Kafka's default partitioner: the same partition the Java client would pick.
      expect(r.partition).toBe(partitionForKey(Buffer.from(r.key ?? ''), 3))
    }
    // The very records the factory makes, in their order within each partition.
    const expected = createEventFactory(generator, {seed: 42, clock: syntheticClock(START, 7), corpus}).take(count)
    for (const partition of [0, 1, 2]) {
      const want = expected.filter((r) => partitionForKey(Buffer.from(r.key), 3) === partition)
      const got = records.filter((r) => r.partition === partition).map((r) => ({key: r.key, value: r.value, timestamp: r.timestamp}))
      expect(got).toEqual(want)
    }
    if (generator === 'orders') checkCounter(expected, Math.floor(START / 1000))
    if (generator === 'alerts' || generator === 'views') checkCounter(expected, Math.floor(START / 1000) + 1)
  })

  it('writes byte-identical topics on two runs with the same seed and start time', async () => {
    const [first, second] = await services.topics([`${generator}-a`, `${generator}-b`])
    const options = {generator, brokers, rate: 'max' as const, count: 1500, seed: 7, startTime: START, timeStepMs: 40}
    await runGenerator({...options, topic: first})
    // A different pacing must not change the data: the second run trickles at a steady rate in small sends.
    await runGenerator({...options, topic: second, rate: 5000})
    const a = await readAll(first)
    const b = await readAll(second)
    expect(a).toHaveLength(1500)
    expect(fingerprint(b)).toEqual(fingerprint(a))
  })
})

describe('generators on the wall clock', () => {
  it('start their key counters at the current epoch second and stamp records with the current time', async () => {
    const [orders, alerts, views, reviews] = await services.topics(['orders-now', 'alerts-now', 'views-now', 'reviews-now'])
    const before = Date.now()
    await runGenerator({generator: 'orders', brokers, topic: orders, rate: 'max', count: 50})
    await runGenerator({generator: 'alerts', brokers, topic: alerts, rate: 200, count: 50})
    await runGenerator({generator: 'views', brokers, topic: views, rate: 'max', count: 50})
    await runGenerator({generator: 'reviews', brokers, topic: reviews, rate: 100, count: 50})
    const after = Date.now()
    const second = (ms: number): number => Math.floor(ms / 1000)

    const o = await readAll(orders)
    const firstOrder = Math.min(...o.map((r) => Number(r.key)))
    expect(firstOrder).toBeGreaterThanOrEqual(second(before))
    expect(firstOrder).toBeLessThanOrEqual(second(after))
    expect(new Set(o.map((r) => r.key)).size).toBe(50)

    for (const topic of [alerts, views]) {
      const records = await readAll(topic)
      const keys = records.map((r) => Number(r.key)).sort((x, y) => x - y)
      expect(keys[0]).toBeGreaterThanOrEqual(second(before) + 1)
      expect(keys[0]).toBeLessThanOrEqual(second(after) + 1)
      keys.forEach((k, i) => expect(k).toBe(keys[0] + i))
      for (const r of records) {
        ;(topic === alerts ? checkAlert : checkView)({key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp})
        expect(r.timestamp).toBeGreaterThanOrEqual(before)
        expect(r.timestamp).toBeLessThanOrEqual(after)
      }
    }
    const ids = (await readAll(reviews)).map((r) => Number(r.key))
    expect(new Set(ids).size).toBe(50)
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(second(before))
  })
})

describe('generator start-up', () => {
  it('reports an unreachable broker clearly within 10 s', async () => {
    const started = Date.now()
    const error = await runGenerator({generator: 'orders', brokers: ['127.0.0.1:1'], count: 1}).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(error).toMatchObject({code: 'KAFKA_UNREACHABLE', message: "Can't reach Kafka at 127.0.0.1:1."})
  })

  it('names a missing topic and how to create it', async () => {
    const error = await runGenerator({generator: 'scores', brokers, topic: 'sstream-no-such-topic-for-gen', count: 1}).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'TOPIC_MISSING'})
    expect((error as {nextSteps: string[]}).nextSteps.join(' ')).toContain('sstream setup kafka')
  })
})
