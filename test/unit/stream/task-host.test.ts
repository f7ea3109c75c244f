/**
 * The test driver runs the runtime's commit protocol (task-host.ts), not a copy of it: the store-only start
 * and the catch-up of a positioned store, which only the runtime had, happen through the driver too.
 */
import {describe, expect, it} from 'vitest'

import {restoreTask} from '../../../src/core/stream/task-host.js'
import {TestDriver} from '../../../src/core/stream/test-driver.js'
import type {PipelineDefinition, StoreSink} from '../../../src/core/stream/index.js'
import {reading, sumPipeline} from './helpers.js'

const T0 = 1_700_000_000_000

/** A store that keeps its position with its data, like the Redis board: it skips what it already holds. */
function positionedStore(): StoreSink<{value: string; offset: number}> & {items: string[]; positions: Map<string, number>} {
  const items: string[] = []
  const positions = new Map<string, number>()
  return {
    kind: 'store',
    name: 'board',
    service: 'redis',
    items,
    positions,
    open: async () => undefined,
    close: async () => undefined,
    write: async (batch, context) => {
      const field = `${context.topic}:${context.partition}`
      const from = positions.get(field) ?? 0
      for (const item of batch) if (item.offset >= from) items.push(item.value)
      positions.set(field, context.nextOffset)
    },
    storedPosition: async (topic, partition) => positions.get(`${topic}:${partition}`),
  }
}

describe('the commit protocol through the test driver', () => {
  it('starts a store-only pipeline where its store stands, whatever the group committed', async () => {
    const store = positionedStore()
    const definition: PipelineDefinition<string> = {
      name: 'board',
      inputTopic: 'in',
      deadLetterTopic: 'dlq',
      decode: (record) => record.valueBytes()!.toString(),
      perRecord: [{name: 'board', map: (value, record) => ({value, offset: record.offset}), sink: store}],
    }
    const driver = new TestDriver(definition, {now: T0})
    await driver.send(['a', 'b', 'c'].map((value) => ({value})))
    expect(store.items).toEqual(['a', 'b', 'c'])
    // The store is reset (its data and position gone) while the group keeps its commit at 3: the board is
    // rebuilt from the first record the log holds, not from the group's commit.
    store.items.length = 0
    store.positions.clear()
    driver.crash()
    await driver.send([{value: 'd'}])
    expect(store.items).toEqual(['a', 'b', 'c', 'd'])
    // A store ahead of nothing the group committed (a new group over a kept board): it starts where the store stands.
    const fresh = new TestDriver(definition, {now: T0})
    store.items.length = 0
    await fresh.send(['a', 'b', 'c', 'd', 'e'].map((value) => ({value})))
    expect(store.items).toEqual(['e'])
    expect(fresh.recordsIn).toBe(1)
  })

  it('catches a positioned store up from its own position when it stands behind the group’s commit', async () => {
    const store = positionedStore()
    const {definition: windowed, sink: sums} = sumPipeline()
    const definition = {...windowed, perRecord: [{name: 'board', map: (value: {key: string}, record: {offset: number}) => ({value: value.key, offset: record.offset}), sink: store}]} as PipelineDefinition<{key: string; n: number}>
    const driver = new TestDriver(definition, {now: T0})
    await driver.send([
      {value: reading('a', 1), timestamp: T0},
      {value: reading('b', 2), timestamp: T0 + 1000},
      {value: reading('c', 4), timestamp: T0 + 7000},
    ])
    expect(store.items).toEqual(['a', 'b', 'c'])
    // The board is reset while the group has commits: after the restart it gets offsets 0..2 again (and only
    // it: the window's results are not counted twice), then the new record.
    store.items.length = 0
    store.positions.clear()
    driver.crash()
    await driver.send([{value: reading('d', 8), timestamp: T0 + 8000}])
    expect(store.items).toEqual(['a', 'b', 'c', 'd'])
    expect(driver.recordsIn).toBe(4)
    await driver.finish()
    const sums0 = sums.items.map((r) => `${r.windowStart - T0}/${r.key}=${r.value.sum}`).sort()
    expect(sums0).toEqual(['0/a=1', '0/b=2', '5000/c=4', '5000/d=8'])
  })
})

describe('the start of a task with nothing committed', () => {
  const spec = (kind: 'source' | 'merge', from?: 'earliest' | 'latest') => ({definition: sumPipeline().definition, kind, topic: kind === 'source' ? 'in' : 'repartition', partition: 0, inputPartitions: 1, ...(from ? {from} : {})})
  const ports = {committed: async () => undefined, bounds: async () => ({low: 4, high: 9}), retry: <T>(work: () => Promise<T>) => work()}

  it('starts at the partition’s first offset, so that the host sends its consumer back past the records of a first transaction that failed', async () => {
    expect((await restoreTask(spec('source'), ports)).nextOffset).toBe(4)
    expect((await restoreTask(spec('merge'), ports)).nextOffset).toBe(4)
  })

  it('with --from latest, starts where the consumer first read the partition once it has; before that, where the consumer stands', async () => {
    expect((await restoreTask(spec('source', 'latest'), ports)).nextOffset).toBeUndefined()
    expect((await restoreTask({...spec('source', 'latest'), firstFetched: 7}, ports)).nextOffset).toBe(7)
  })
})
