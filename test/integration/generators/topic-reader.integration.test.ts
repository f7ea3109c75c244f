import {afterAll, describe, expect, it} from 'vitest'

import {runGenerator} from '../../../src/core/generators/index.js'
import {createKafka, readTopic, type TopicRecord} from '../../../src/core/kafka/index.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices, testConfig} from '../../helpers/services.js'
import {readAll} from './read-topic.js'

const services = new TestServices()
afterAll(() => services.cleanup())
const brokers = testConfig.kafkaBrokers

async function produce(topic: string, messages: Array<{key: string; value: string; partition: number; headers?: Record<string, string>}>): Promise<void> {
  const producer = createKafka({brokers}).producer()
  await producer.connect()
  try {
    await producer.send({topic, acks: -1, messages})
  } finally {
    await producer.disconnect()
  }
}

describe('readTopic (sstream tail)', () => {
  it('reads from the beginning with keys, values, partitions, offsets, timestamps and headers, and stops at the end', async () => {
    const [topic] = await services.topics(['tail'])
    await produce(topic, [
      {key: 'a', value: 'one', partition: 0, headers: {source: 'test', reason: 'late'}},
      {key: 'b', value: 'two', partition: 1},
      {key: 'c', value: 'three', partition: 1},
    ])
    const records = await readAll(topic)
    expect(records.map((r) => [r.partition, r.offset, r.key, r.value])).toEqual([
      [0, '0', 'a', 'one'],
      [1, '0', 'b', 'two'],
      [1, '1', 'c', 'three'],
    ])
    expect(records[0].headers).toEqual({source: 'test', reason: 'late'})
    expect(Math.abs(records[0].timestamp - Date.now())).toBeLessThan(60_000)
  })

  it('reads one partition only, and stops after --max records', async () => {
    const [topic] = await services.topics(['tail-part'])
    await produce(topic, [
      ...Array.from({length: 5}, (_, i) => ({key: `p0-${i}`, value: String(i), partition: 0})),
      ...Array.from({length: 5}, (_, i) => ({key: `p2-${i}`, value: String(i), partition: 2})),
    ])
    const onlyTwo: TopicRecord[] = []
    const part = await readTopic({brokers, topic, fromBeginning: true, exitAtEnd: true, partitions: [2], onRecord: (r) => onlyTwo.push(r)})
    expect(part).toMatchObject({records: 5, partitions: [2], stoppedBy: 'end'})
    expect(onlyTwo.every((r) => r.partition === 2 && r.key?.startsWith('p2-'))).toBe(true)

    const three: TopicRecord[] = []
    const max = await readTopic({brokers, topic, fromBeginning: true, max: 3, onRecord: (r) => three.push(r)})
    expect(max).toMatchObject({records: 3, stoppedBy: 'max'})
    expect(three).toHaveLength(3)

    await expect(readTopic({brokers, topic, partitions: [7], onRecord: () => undefined})).rejects.toMatchObject({code: 'USAGE'})
  })

  it('follows new records from the end until the signal fires', async () => {
    const [topic] = await services.topics(['tail-follow'])
    await produce(topic, [{key: 'old', value: 'before', partition: 0}])
    const controller = new AbortController()
    const seen: TopicRecord[] = []
    const reading = readTopic({
      brokers,
      topic,
      signal: controller.signal,
      onRecord: (r) => {
        seen.push(r)
        controller.abort()
      },
    })
    // Produce until the reader, which starts at the end, has seen a new record.
    const deadline = Date.now() + 30_000
    while (seen.length === 0 && Date.now() < deadline) {
      await produce(topic, [{key: 'new', value: 'after', partition: 1}])
      await new Promise((r) => setTimeout(r, 300))
    }
    const result = await reading
    expect(result.stoppedBy).toBe('signal')
    expect(seen[0]).toMatchObject({key: 'new', value: 'after'})
  })

  it('skips aborted transactions when reading committed, shows them when reading uncommitted, and still ends', async () => {
    const [topic] = await services.topics(['tail-txn'], 1)
    const producer = createKafka({brokers}).producer({transactionalId: uniqueName('tail-txn'), idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    try {
      const aborted = await producer.transaction()
      await aborted.send({topic, messages: [{key: 'x', value: 'aborted'}]})
      await aborted.abort()
      const committed = await producer.transaction()
      await committed.send({topic, messages: [{key: 'y', value: 'committed'}]})
      await committed.commit()
    } finally {
      await producer.disconnect()
    }
    // The log ends with a commit marker, which no consumer ever sees as a record.
    expect((await readAll(topic)).map((r) => r.value)).toEqual(['committed'])
    expect((await readAll(topic, {isolation: 'read_uncommitted'})).map((r) => r.value)).toEqual(['aborted', 'committed'])
  })

  it('reads a topic that takes many fetches to the very end', async () => {
    const [topic] = await services.topics(['tail-big'])
    await runGenerator({generator: 'views', brokers, topic, rate: 'max', count: 120_000, seed: 3, startTime: Date.UTC(2024, 0, 1)})
    const records = await readAll(topic)
    expect(records).toHaveLength(120_000)
    expect(new Set(records.map((r) => r.key)).size).toBe(120_000)
  })

  it('ends at the last readable record while a transaction is still open', async () => {
    const [topic] = await services.topics(['tail-open-txn'], 1)
    await produce(topic, [{key: 'before', value: 'committed', partition: 0}])
    const producer = createKafka({brokers}).producer({transactionalId: uniqueName('tail-open'), idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    try {
      const open = await producer.transaction()
      await open.send({topic, messages: [{key: 'open', value: 'not yet'}]})
      const seen: TopicRecord[] = []
      const started = Date.now()
      const result = await readTopic({brokers, topic, fromBeginning: true, exitAtEnd: true, idleEndMs: 1000, onRecord: (r) => seen.push(r)})
      expect(result.stoppedBy).toBe('end')
      expect(seen.map((r) => r.value)).toEqual(['committed'])
      expect(Date.now() - started).toBeLessThan(15_000)
      await open.abort()
    } finally {
      await producer.disconnect()
    }
  })

  it('names a topic that does not exist', async () => {
    await expect(readTopic({brokers, topic: 'sstream-no-such-topic-for-tail', onRecord: () => undefined})).rejects.toMatchObject({code: 'TOPIC_MISSING'})
  })
})
