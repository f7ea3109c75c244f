/**
 * settleStoreWrite: what a store did not add from a write is not reported as written — the items it refused
 * (dead-lettered) and the items it already held (skipped: the run that wrote them reported them). And
 * fitDeadLetters: dead letters cut to what a small dead-letter topic accepts, headers counted.
 */
import {describe, expect, it} from 'vitest'

import {addDeadLetter, DEAD_LETTER_HEADERS, emptyOutput, fitDeadLetters, forEachResult, resultCount, settleStoreWrite, type StoreWrite} from '../../../src/core/stream/task-output.js'
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

describe('fitDeadLetters', () => {
  const record = (offset: number, key: string | null, value: string) => ({topic: 'orders', partition: 0, offset, key, valueBytes: () => Buffer.from(value)})
  const bytesOf = (m: {key: string | null; value: string | Buffer; headers?: Record<string, string>}): number =>
    (m.key === null ? 0 : Buffer.byteLength(m.key)) +
    (typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.length) +
    Object.entries(m.headers ?? {}).reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(value), 0)

  it('cuts a dead letter larger than the topic accepts to fit, headers counted, and leaves the others and the outputs whole', () => {
    const out = emptyOutput()
    out.messages.push({topic: 'out', key: 'o', value: 'x'.repeat(50_000)})
    addDeadLetter(out, 'analytics', 'dlq', record(7, 'big', 'é'.repeat(40_000)), 'malformed-json', 'not JSON')
    addDeadLetter(out, 'analytics', 'dlq', record(8, 'small', '{'), 'malformed-json', 'not JSON')
    addDeadLetter(out, 'analytics', 'dlq', record(9, 'k'.repeat(30_000), 'v'), 'bad-value', 'a key beyond the room')
    fitDeadLetters(out, 'dlq', 20_000)
    const [output, big, small, longKey] = out.messages
    expect(output.value).toHaveLength(50_000)
    expect(bytesOf(big)).toBeLessThanOrEqual(20_000 - 256)
    expect(bytesOf(big)).toBeGreaterThan(15_000)
    expect(big.headers![DEAD_LETTER_HEADERS.truncated]).toBe('80000')
    expect(Buffer.from('é'.repeat(40_000)).subarray(0, (big.value as Buffer).length).equals(big.value as Buffer)).toBe(true)
    expect(small.value).toEqual(Buffer.from('{'))
    expect(small.headers![DEAD_LETTER_HEADERS.truncated]).toBeUndefined()
    expect(longKey.key).toHaveLength(1000)
    expect(bytesOf(longKey)).toBeLessThanOrEqual(20_000 - 256)
    // The key was cut, the value was not: each header says what it says of its own part.
    expect(longKey.headers![DEAD_LETTER_HEADERS.keyTruncated]).toBe('30000')
    expect(longKey.headers![DEAD_LETTER_HEADERS.truncated]).toBeUndefined()
    expect(longKey.value).toEqual(Buffer.from('v'))
    expect(big.headers![DEAD_LETTER_HEADERS.keyTruncated]).toBeUndefined()
  })

  it('says when a key is cut and its original size in bytes, when made and when cut again, whatever its bytes', () => {
    const out = emptyOutput()
    // Beyond half a dead letter (1,000,000 bytes) with its value: cut when made.
    addDeadLetter(out, 'leaderboard', 'dlq', record(1, 'é'.repeat(300_000), 'x'.repeat(600_000)), 'bad-value', 'huge')
    // Not UTF-8: its bytes are kept, and cut as bytes.
    const binary = Buffer.concat([Buffer.from([0xff]), Buffer.alloc(29_999, 0x41)])
    addDeadLetter(out, 'leaderboard', 'dlq', {...record(2, binary.toString(), 'y'), keyBytes: () => binary}, 'bad-value', 'binary')
    const [huge, bytes] = out.messages
    expect(huge.key).toHaveLength(1000)
    expect(huge.headers![DEAD_LETTER_HEADERS.keyTruncated]).toBe('600000')
    expect(huge.headers![DEAD_LETTER_HEADERS.truncated]).toBeUndefined()
    expect(bytes.headers![DEAD_LETTER_HEADERS.keyTruncated]).toBeUndefined()
    // A smaller topic cuts them again: the sizes stay the record's.
    fitDeadLetters(out, 'dlq', 20_000)
    expect(huge.headers![DEAD_LETTER_HEADERS.keyTruncated]).toBe('600000')
    expect(huge.headers![DEAD_LETTER_HEADERS.truncated]).toBe('600000')
    expect(bytesOf(huge)).toBeLessThanOrEqual(20_000 - 256)
    expect(bytes.keyBytes).toHaveLength(1000)
    expect(bytes.headers![DEAD_LETTER_HEADERS.keyTruncated]).toBe('30000')
    expect(bytes.headers![DEAD_LETTER_HEADERS.truncated]).toBeUndefined()
  })

  it('cuts a key of several-byte characters to half the room of a small topic, whole characters only', () => {
    const out = emptyOutput()
    addDeadLetter(out, 'alerts', 'dlq', record(1, 'é'.repeat(5000), 'v'.repeat(100)), 'malformed-csv', 'not CSV')
    addDeadLetter(out, 'alerts', 'dlq', record(2, '😀'.repeat(5000), 'w'.repeat(100)), 'malformed-csv', 'not CSV')
    fitDeadLetters(out, 'dlq', 1500)
    for (const [letter, char] of [[out.messages[0], 'é'], [out.messages[1], '😀']] as const) {
      expect(bytesOf(letter)).toBeLessThanOrEqual(1500 - 256)
      expect(letter.key!.length).toBeGreaterThan(0)
      expect(letter.key).toBe(char.repeat([...letter.key!].length))
      expect(letter.headers![DEAD_LETTER_HEADERS.keyTruncated]).toBe(String(Buffer.byteLength(char.repeat(5000))))
    }
  })

  it('changes nothing under the usual limit (1 MiB): a dead letter is already cut to 1,000,000 bytes when made', () => {
    const out = emptyOutput()
    addDeadLetter(out, 'analytics', 'dlq', record(7, 'big', 'x'.repeat(1_200_000)), 'malformed-json', 'not JSON')
    expect(out.messages[0].value).toHaveLength(1_000_000 - 3)
    fitDeadLetters(out, 'dlq', 1_048_588)
    expect(out.messages[0].value).toHaveLength(1_000_000 - 3)
    expect(out.messages[0].headers![DEAD_LETTER_HEADERS.truncated]).toBe('1200000')
  })
})
