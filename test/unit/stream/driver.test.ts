import {describe, expect, it} from 'vitest'

import {TestDriver, runInMemory} from '../../../src/core/stream/test-driver.js'
import {DEAD_LETTER_HEADERS} from '../../../src/core/stream/task-output.js'
import type {PipelineDefinition, StoreSink} from '../../../src/core/stream/index.js'
import {reading, sumPipeline, summarize} from './helpers.js'

// Event times are relative to T0, a window boundary; the driver's clock starts at T0 too.
const T0 = 1_700_000_000_000

describe('windows through the test driver', () => {
  it('puts records in epoch-aligned windows and emits each window once, on close', async () => {
    const {definition, sink} = sumPipeline()
    const driver = new TestDriver(definition, {now: T0})
    await driver.send([
      {value: reading('a', 1), timestamp: T0 + 0},
      {value: reading('a', 2), timestamp: T0 + 4999},
      {value: reading('b', 4), timestamp: T0 + 3000},
    ])
    expect(sink.items).toEqual([])
    // Watermark = 10 000 − 5 000 = 5 000: the first window [0, 5000) closes, nothing else.
    await driver.send([{value: reading('a', 8), timestamp: T0 + 10_000}])
    expect(summarize(sink.items, T0)).toEqual(['0/a=3#2', '0/b=4#1'])
    await driver.send([{value: reading('a', 16), timestamp: T0 + 10_001}])
    expect(sink.items).toHaveLength(2)
    await driver.finish()
    expect(summarize(sink.items, T0)).toEqual(['0/a=3#2', '0/b=4#1', '10000/a=24#2'])
  })

  it('puts a record exactly on a boundary in the window that starts there', async () => {
    const {definition, sink} = sumPipeline()
    await runInMemory(definition, [
      {value: reading('a', 1), timestamp: T0 + 4999},
      {value: reading('a', 10), timestamp: T0 + 5000},
      {value: reading('a', 100), timestamp: T0 + 9999},
      {value: reading('a', 1000), timestamp: T0 + 10_000},
    ], {now: T0})
    expect(summarize(sink.items, T0)).toEqual(['0/a=1#1', '10000/a=1000#1', '5000/a=110#2'])
  })

  it('closes a window when the watermark reaches its end exactly', async () => {
    const {definition, sink} = sumPipeline()
    const driver = new TestDriver(definition, {now: T0})
    await driver.send([{value: reading('a', 1), timestamp: T0 + 1000}, {value: reading('a', 1), timestamp: T0 + 9999}])
    expect(sink.items).toEqual([]) // watermark 4999 < 5000
    await driver.send([{value: reading('a', 1), timestamp: T0 + 10_000}]) // watermark 5000 = end of [0, 5000)
    expect(summarize(sink.items, T0)).toEqual(['0/a=1#1'])
  })

  it('counts out-of-order records within the allowed lateness in their window', async () => {
    const {definition, sink} = sumPipeline()
    const {deadLetters, driver} = await runInMemory(definition, [
      {value: reading('a', 1), timestamp: T0 + 1000},
      {value: reading('a', 2), timestamp: T0 + 9000}, // watermark 4000: [0, 5000) still open
      {value: reading('a', 4), timestamp: T0 + 3000}, // out of order, within lateness
      {value: reading('a', 8), timestamp: T0 + 9999}, // watermark 4999
      {value: reading('a', 16), timestamp: T0 + 4999}, // still in time
    ], {now: T0})
    expect(summarize(sink.items, T0)).toEqual(['0/a=21#3', '5000/a=10#2'])
    expect(deadLetters).toEqual([])
    expect(driver.late).toBe(0)
  })

  it('dead-letters and counts records later than the allowed lateness, and keeps going', async () => {
    const {definition, sink} = sumPipeline()
    const {deadLetters, driver} = await runInMemory(definition, [
      {value: reading('a', 1), timestamp: T0 + 1000},
      {value: reading('a', 2), timestamp: T0 + 10_000}, // watermark 5000: [0, 5000) closed
      {value: reading('a', 4), key: 'k3', timestamp: T0 + 4999}, // late
      {value: reading('a', 8), timestamp: T0 + 5000}, // [5000, 10000) still open
    ], {now: T0})
    expect(summarize(sink.items, T0)).toEqual(['0/a=1#1', '10000/a=2#1', '5000/a=8#1'])
    expect(driver.late).toBe(1)
    expect(deadLetters).toMatchObject([{type: 'deadletter', reason: 'late', topic: 'in', partition: 0, offset: 2}])
    const [message] = driver.messages('dlq')
    expect(message.key).toBe('k3')
    expect(String(message.value)).toBe(reading('a', 4))
    expect(message.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.pipeline]: 'sums',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'in',
      [DEAD_LETTER_HEADERS.sourcePartition]: '0',
      [DEAD_LETTER_HEADERS.sourceOffset]: '2',
      [DEAD_LETTER_HEADERS.reason]: 'late',
    })
  })

  it('dead-letters malformed records with their reason and processes the rest', async () => {
    const {definition, sink} = sumPipeline()
    const {deadLetters, driver} = await runInMemory(definition, [
      {value: '{not json', timestamp: T0 + 1000},
      {value: reading('a', 2), timestamp: T0 + 1500},
    ], {now: T0})
    expect(deadLetters.map((d) => [d.reason, d.offset])).toEqual([['malformed-json', 0]])
    expect(summarize(sink.items, T0)).toEqual(['0/a=2#1'])
    expect(driver.recordsIn).toBe(2)
  })

  it('merges partial aggregates from several partitions: the merged watermark is the smallest', async () => {
    const {definition, sink} = sumPipeline()
    const driver = new TestDriver(definition, {partitions: 3, now: T0})
    await driver.send([
      {partition: 0, value: reading('a', 1), timestamp: T0 + 1000},
      {partition: 1, value: reading('a', 2), timestamp: T0 + 2000},
      {partition: 2, value: reading('a', 4), timestamp: T0 + 3000},
      {partition: 0, value: reading('a', 8), timestamp: T0 + 20_000},
      {partition: 1, value: reading('a', 16), timestamp: T0 + 20_000},
    ])
    // Partition 2 still holds the watermark at −2000.
    expect(sink.items).toEqual([])
    await driver.send([{partition: 2, value: reading('b', 32), timestamp: T0 + 10_000}])
    // Merged watermark = min(15000, 15000, 5000) = 5000.
    expect(summarize(sink.items, T0)).toEqual(['0/a=7#3'])
  })

  it('stops an idle partition from holding the watermark back, with its open windows flushed', async () => {
    const {definition, sink} = sumPipeline()
    const driver = new TestDriver(definition, {partitions: 2, now: T0, idleTimeoutMs: 5000})
    await driver.send([{partition: 1, value: reading('a', 1), timestamp: T0 + 1000}])
    await driver.advanceTime(3000)
    await driver.send([
      {partition: 0, value: reading('a', 2), timestamp: T0 + 2000},
      {partition: 0, value: reading('a', 4), timestamp: T0 + 20_000},
    ])
    expect(sink.items).toEqual([]) // partition 1's watermark is −4000
    await driver.advanceTime(2000) // partition 1 has been quiet for 5 s, partition 0 for 2 s
    expect(summarize(sink.items, T0)).toEqual(['0/a=3#2'])
  })

  it('advances the watermark with the wall clock when every partition is idle, so the last window is written', async () => {
    const {definition, sink} = sumPipeline()
    // Event times near the clock, as in production.
    const driver = new TestDriver(definition, {partitions: 2, now: T0, idleTimeoutMs: 5000})
    await driver.send([
      {partition: 0, value: reading('a', 1), timestamp: T0 - 200},
      {partition: 1, value: reading('a', 2), timestamp: T0 - 100},
    ])
    await driver.advanceTime(4000)
    expect(sink.items).toEqual([])
    await driver.advanceTime(1000) // both idle: watermark = max(min of theirs, now − lateness) = T0
    expect(summarize(sink.items, T0)).toEqual(['-5000/a=3#2'])
    const {windowStart} = sink.items[0]
    expect(windowStart).toBe(T0 - 5000)
  })

  it('resumes a partition after idleness without losing its new records', async () => {
    const {definition, sink} = sumPipeline()
    const driver = new TestDriver(definition, {partitions: 2, now: T0, idleTimeoutMs: 5000})
    await driver.send([{partition: 0, value: reading('a', 1), timestamp: T0 + 1000}])
    await driver.advanceTime(5000) // partition 0 and 1 idle; partition 0's window [0, 5000) flushed, not closed
    expect(sink.items).toEqual([])
    await driver.send([{partition: 0, value: reading('a', 2), timestamp: T0 + 2000}])
    await driver.finish()
    expect(summarize(sink.items, T0)).toEqual(['0/a=3#2'])
  })
})

describe('exactly-once through crashes (in memory)', () => {
  function records(count: number, seed: number) {
    let state = seed
    const random = (): number => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
      return state / 2 ** 32
    }
    const out = []
    let clock = T0
    for (let i = 0; i < count; i++) {
      clock += Math.floor(random() * 400)
      out.push({
        partition: Math.floor(random() * 3),
        key: String(i),
        value: random() < 0.02 ? 'garbage' : reading(['x', 'y', 'z'][Math.floor(random() * 3)], Math.floor(random() * 10)),
        // Some records arrive out of order, a few beyond the lateness.
        timestamp: clock - (random() < 0.1 ? Math.floor(random() * 12_000) : 0),
      })
    }
    return out
  }

  it('gives the same results and dead letters whatever the batch sizes and crash points', async () => {
    const input = records(2000, 7)
    const reference = sumPipeline()
    const ref = await runInMemory(reference.definition, input, {partitions: 3, now: T0, batchSize: 1000})
    expect(reference.sink.items.length).toBeGreaterThan(100)
    expect(ref.driver.late).toBeGreaterThan(0)

    const crashed = sumPipeline()
    const driver = new TestDriver(crashed.definition, {partitions: 3, now: T0, batchSize: 37})
    for (let i = 0; i < input.length; i += 150) {
      await driver.send(input.slice(i, i + 150))
      await driver.crashDuring(i % 3)
      driver.crash()
    }
    await driver.finish()
    expect(summarize(crashed.sink.items)).toEqual(summarize(reference.sink.items))
    expect(driver.deadLetters().map((d) => `${d.partition}:${d.offset}:${d.reason}`).sort()).toEqual(
      ref.deadLetters.map((d) => `${d.partition}:${d.offset}:${d.reason}`).sort(),
    )
  })
})

describe('per-record stages with a store that keeps its position', () => {
  it('skips the records the store already holds, at start and after a crash (as the runtime does)', async () => {
    const positions = new Map<string, number>()
    const written: string[] = []
    const sink: StoreSink<{value: string; offset: number}> = {
      kind: 'store',
      name: 'board',
      service: 'redis',
      open: async () => undefined,
      close: async () => undefined,
      // The store writes its items and the position atomically, and skips what it holds (as the Redis board
      // does): a crash after it must not count them twice.
      write: async (items, context) => {
        const field = `${context.topic}:${context.partition}`
        const from = positions.get(field) ?? 0
        written.push(...items.filter((item) => item.offset >= from).map((item) => item.value))
        positions.set(field, context.nextOffset)
      },
      storedPosition: async (topic, partition) => positions.get(`${topic}:${partition}`),
    }
    const definition: PipelineDefinition<string> = {
      name: 'board',
      inputTopic: 'in',
      deadLetterTopic: 'dlq',
      decode: (record) => record.valueBytes()!.toString(),
      perRecord: [{name: 'board', map: (value, record) => ({value, offset: record.offset}), sink}],
    }
    // The store already holds the first two records (written before a Kafka commit that never happened).
    positions.set('in:0', 2)
    written.push('a', 'b')
    const driver = new TestDriver(definition, {batchSize: 2, now: T0})
    await driver.send(['a', 'b', 'c'].map((value) => ({value})))
    driver.crash()
    await driver.send([{value: 'd'}])
    expect(written).toEqual(['a', 'b', 'c', 'd'])
  })
})

describe('results a store refuses for their content', () => {
  it('a refused window result is dead-lettered `rejected` with its window, key and the store’s words; the others are written', async () => {
    const {definition, sink} = sumPipeline()
    const write = sink.write
    sink.write = async (items, context) => {
      await write(items.filter((r) => r.key !== 'big'), context)
      const rejected = items.flatMap((r, index) => (r.key === 'big' ? [{index, message: `Out of range value for ${r.key}`}] : []))
      return rejected.length > 0 ? {rejected} : undefined
    }
    const {results, deadLetters, driver} = await runInMemory(
      definition,
      [
        {value: reading('a', 1), timestamp: T0},
        {value: reading('big', 2), timestamp: T0 + 1000},
        {value: reading('a', 3), timestamp: T0 + 6000},
      ],
      {now: T0},
    )
    expect(summarize(sink.items, T0)).toEqual(['0/a=1#1', '5000/a=3#1'])
    expect(results.map((r) => r.key)).toEqual(['a', 'a'])
    expect(deadLetters.map((d) => d.reason)).toEqual(['rejected'])
    const [message] = driver.messages('dlq')
    expect(message.key).toBe('big')
    expect(JSON.parse(String(message.value))).toEqual({sum: 2, count: 1})
    expect(message.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'rejected',
      [DEAD_LETTER_HEADERS.error]: 'Out of range value for big',
      [DEAD_LETTER_HEADERS.windowStart]: new Date(T0).toISOString(),
      [DEAD_LETTER_HEADERS.windowEnd]: new Date(T0 + 5000).toISOString(),
    })
  })

  it('a point refused by a store that keeps its position is dead-lettered once, also when the store’s write went through and the commit did not', async () => {
    // Like the Redis board: the position and the refusals are stored with the data; a replay skips what the
    // store holds and reports again what it refused.
    const positions = new Map<string, number>()
    const refusals = new Map<number, string>()
    const sink: StoreSink<{value: string; offset: number}> = {
      kind: 'store',
      name: 'board',
      service: 'redis',
      open: async () => undefined,
      close: async () => undefined,
      write: async (items, context) => {
        const field = `${context.topic}:${context.partition}`
        const from = positions.get(field) ?? 0
        const rejected: Array<{index: number; message: string}> = []
        items.forEach((item, index) => {
          if (item.offset < from) {
            const message = refusals.get(item.offset)
            if (message) rejected.push({index, message})
          } else if (item.value === 'x') {
            refusals.set(item.offset, 'refused x')
            rejected.push({index, message: 'refused x'})
          }
        })
        positions.set(field, context.nextOffset)
        return rejected.length > 0 ? {rejected} : undefined
      },
      storedPosition: async (topic, partition) => positions.get(`${topic}:${partition}`),
    }
    const definition: PipelineDefinition<string> = {
      name: 'board',
      inputTopic: 'in',
      deadLetterTopic: 'dlq',
      decode: (record) => record.valueBytes()!.toString(),
      perRecord: [{name: 'board', map: (value, record) => ({value, offset: record.offset}), sink}],
    }
    const driver = new TestDriver(definition, {batchSize: 2, now: T0})
    await driver.send([{value: 'a'}])
    // The store then took the second record and refused its 'x', and the process died before the transaction
    // with its dead letter committed: the store stands at 2, the group's commit at 1.
    driver.crash()
    positions.set('in:0', 2)
    refusals.set(1, 'refused x')
    await driver.send(['x', 'c', 'x'].map((value) => ({value})))
    driver.crash()
    await driver.send([{value: 'd'}])
    expect(driver.deadLetters().map((d) => `${d.offset}:${d.reason}:${d.message}`)).toEqual(['1:rejected:refused x', '3:rejected:refused x'])
    expect(driver.messages('dlq').map((m) => String(m.value))).toEqual(['x', 'x'])
    expect(driver.results().map((r) => (r.value as {value: string}).value)).toEqual(['a', 'c', 'd'])
  })
})

describe('event times beyond --max-future', () => {
  it('a record dated far ahead of the clock is dead-lettered `future-timestamp`, moves no watermark and closes no window', async () => {
    const {definition, sink} = sumPipeline()
    const driver = new TestDriver(definition, {now: T0 + 60_000, maxFutureMs: 3_600_000})
    await driver.send([
      {value: reading('a', 1), timestamp: T0},
      {value: reading('a', 2), timestamp: Date.UTC(2999, 0, 1)},
      {value: reading('a', 8), timestamp: T0 + 1000},
      // Within the bound: 59 minutes ahead of the clock is still an event time.
      {value: reading('b', 4), timestamp: T0 + 60_000 + 59 * 60_000},
    ])
    expect(driver.deadLetters().map((d) => `${d.offset}:${d.reason}`)).toEqual(['1:future-timestamp'])
    expect(driver.deadLetters()[0].message).toMatch(/2999-01-01T00:00:00.000Z is .* ahead of the wall clock, more than --max-future \(3600 s\)/)
    expect(driver.future).toBe(1)
    expect(driver.late).toBe(0)
    await driver.finish()
    expect(summarize(sink.items, T0)).toEqual(['0/a=9#2', '3600000/b=4#1'])
  })

  it('without a bound the same record is a window of its own, and the records after it are late', async () => {
    const {definition, sink} = sumPipeline()
    const driver = new TestDriver(definition, {now: T0})
    await driver.send([
      {value: reading('a', 1), timestamp: T0},
      {value: reading('a', 2), timestamp: Date.UTC(2999, 0, 1)},
      {value: reading('a', 8), timestamp: T0 + 1000},
    ])
    await driver.finish()
    expect(driver.late).toBe(1)
    expect(summarize(sink.items, T0)).toHaveLength(2)
  })
})
