/**
 * settleStoreWrite: what a store did not add from a write is not reported as written — the items it refused
 * (dead-lettered) and the items it already held (skipped: the run that wrote them reported them).
 */
import {describe, expect, it} from 'vitest'

import {emptyOutput, forEachResult, resultCount, settleStoreWrite, type StoreWrite} from '../../../src/core/stream/task-output.js'
import type {ResultEvent, StoreSink} from '../../../src/core/stream/index.js'

const sink = {kind: 'store', name: 'board'} as unknown as StoreSink<unknown>

function write(count: number): StoreWrite {
  return {
    sink,
    items: Array.from({length: count}, (_, i) => i),
    context: {pipeline: 'leaderboard', topic: 'scores', partition: 0, nextOffset: count},
    records: Array.from({length: count}, (_, i) => ({topic: 'scores', partition: 0, offset: i, key: `k${i}`, valueBytes: () => Buffer.from(String(i))})),
    pipeline: 'leaderboard',
    deadLetterTopic: 'dlq',
  }
}

const results = (w: StoreWrite): ResultEvent[] => {
  const events: ResultEvent[] = []
  forEachResult(w, (event) => events.push(event))
  expect(resultCount(w)).toBe(events.length)
  return events
}

describe('settleStoreWrite', () => {
  it('drops the results of skipped and refused items by their index in the write, and dead-letters only the refused', () => {
    const out = emptyOutput()
    const w = write(6)
    settleStoreWrite(out, w, {rejected: [{index: 4, message: 'too large'}], skipped: [0, 1, 3]})
    expect(w.settled).toBe(true)
    expect(results(w).map((r) => r.key)).toEqual(['k2', 'k5'])
    expect(out.deadLetters.map((d) => d.offset)).toEqual([4])
    expect(out.commit).toBe(true)
  })

  it('a write whose items were all held before reports none, and needs no transaction of its own', () => {
    const out = emptyOutput()
    const w = write(3)
    settleStoreWrite(out, w, {rejected: [], skipped: [0, 1, 2]})
    expect(results(w)).toEqual([])
    expect(out.deadLetters).toEqual([])
    expect(out.commit).toBe(false)
  })

  it('a write the store took whole keeps every result', () => {
    const out = emptyOutput()
    const w = write(2)
    settleStoreWrite(out, w, undefined)
    expect(w.settled).toBe(true)
    expect(results(w)).toEqual([
      {type: 'result', pipeline: 'leaderboard', output: 'board', key: 'k0', value: 0, source: {topic: 'scores', partition: 0, offset: 0}},
      {type: 'result', pipeline: 'leaderboard', output: 'board', key: 'k1', value: 1, source: {topic: 'scores', partition: 0, offset: 1}},
    ])
  })
})
