import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {formatBoard} from '../../../src/cli/present-results.js'
import {decodePoint, leaderboardPipeline} from '../../../src/core/pipelines/leaderboard.js'
import {addsExactly, decimalPlaces, exactScoreBound, MAX_EXACT_SCORE, sumPoints, type BoardPoint} from '../../../src/core/redis/leaderboard-sink.js'
import {inputRecord, type RecordError, runInMemory, TestDriver, type InputRecord} from '../../../src/core/stream/index.js'
import {memorySink} from '../stream/helpers.js'
import {memoryBoardSink} from './leaderboard-helpers.js'

const record = (key: string | null, value: string | null, offset = 0): InputRecord => inputRecord({topic: 'scores', partition: 0, offset, timestamp: 0, key, value})

const reason = (key: string | null, value: string | null): string => {
  try {
    decodePoint(record(key, value))
    return 'ok'
  } catch (error) {
    return (error as RecordError).reason
  }
}

describe('leaderboard pipeline', () => {
  it('reads the original score records: key = player, value = a decimal score', () => {
    expect(decodePoint(record('Kathy', '7', 12))).toEqual({member: 'Kathy', delta: 7, offset: 12})
    expect(decodePoint(record('Bob', ' 2.5 '))).toEqual({member: 'Bob', delta: 2.5, offset: 0})
    expect(reason('Bob', 'seven')).toBe('bad-value')
    expect(reason('Bob', '7 points')).toBe('bad-value')
    expect(reason('Bob', '1e999')).toBe('bad-value')
    expect(reason(null, '7')).toBe('bad-value')
    expect(reason('', '7')).toBe('bad-value')
    expect(reason('Bob', null)).toBe('missing-value')
    expect(reason('Bob', '')).toBe('missing-value')
    expect(reason(null, null)).toBe('missing-value')
  })

  it('refuses a score a double does not hold whole: a fraction beyond 15 significant digits, or too small', () => {
    const message = (value: string): string => {
      try {
        decodePoint(record('Bob', value))
        return 'ok'
      } catch (error) {
        return (error as RecordError).message
      }
    }
    // 16+ significant digits with a fraction: Number() would silently round them (9007199254740990.5 → …990).
    for (const value of ['9007199254740990.5', '0.12345678901234567', '1234567890123.4567', '12345678901234567e-3']) {
      expect(reason('Bob', value), value).toBe('bad-value')
      expect(message(value)).toMatch(/^score: ".*" has 1[6-9] significant digits; a Redis score \(a double\) holds 15 of a fraction/)
    }
    for (const value of ['1e-400', '-2e-320']) expect(message(value), value).toMatch(/too small for a Redis score/)
    // Held whole: up to 15 significant digits, trailing zeros not counted, and whole numbers up to ±(2^53 − 1).
    for (const value of ['2.5', '0.1', '123456789012.345', '-0.000001', '1.50000000000000000000', '9007199254740991', '9007199254740991.000', '1e-300', '0.000', '-0']) {
      expect(reason('Bob', value), value).toBe('ok')
      expect(decodePoint(record('Bob', value)).delta).toBe(Number(value))
    }
  })

  it('adds a point only while the score keeps every decimal place of the point and its own, never refusing ordinary fractional sums', () => {
    expect([decimalPlaces(2.5, 15), decimalPlaces(0.1 + 0.2, 15), decimalPlaces(700, 15), decimalPlaces(1e-18, 15), decimalPlaces(1000.0000000001588, 12)]).toEqual([1, 1, 0, 18, 0])
    expect([exactScoreBound(0), exactScoreBound(1), exactScoreBound(2), exactScoreBound(3)]).toEqual([MAX_EXACT_SCORE, 2 ** 49, 2 ** 46, 2 ** 43])
    // Ordinary sums of fractions, whatever their rounding in doubles.
    expect(addsExactly(0.1, 0.2)).toEqual({exact: true, places: 1})
    expect(addsExactly(123.45, 0.01).exact).toBe(true)
    let total = 0
    for (let i = 0; i < 100_000; i++) {
      const delta = [0.1, 0.2, 0.01, 1.1, 3.3, 7][i % 6]
      expect(addsExactly(total, delta).exact).toBe(true)
      total += delta
    }
    // ... and a large whole point after them: the rounding they left in the total is not taken for decimal places.
    expect(addsExactly(total, 1e9).exact).toBe(true)
    // Near 2^53 a fraction is lost: 9007199254740981 + 2.5 would be stored as …984.
    expect(addsExactly(MAX_EXACT_SCORE - 10, 2.5)).toEqual({exact: false, places: 1})
    expect(addsExactly(MAX_EXACT_SCORE - 10, 2).exact).toBe(true)
    expect(addsExactly(MAX_EXACT_SCORE - 10, 11).exact).toBe(false)
    // The score's own cents, lost under a large whole point: 0.01 + 2^47 would be stored as 2^47.
    expect(addsExactly(0.01, 2 ** 47)).toEqual({exact: false, places: 2})
    expect(addsExactly(0.01, 2 ** 45).exact).toBe(true)
    expect(addsExactly(1, Number.NaN).exact).toBe(false)
    expect(addsExactly(Number.MAX_VALUE, Number.MAX_VALUE).exact).toBe(false)
  })

  it('an addition it lets through rounds by at most half a unit of the last decimal place of the point and of the score', () => {
    const decimal = fc.tuple(fc.integer({min: -(10 ** 15), max: 10 ** 15}), fc.integer({min: 0, max: 6}), fc.integer({min: -12, max: 12})).map(([digits, places, shift]) => Number(`${digits}e${shift - places}`))
    fc.assert(
      fc.property(decimal, decimal, (old, delta) => {
        const {exact, places} = addsExactly(old, delta)
        if (!exact) return
        // TwoSum: the exact rounding error of old + delta in doubles.
        const sum = old + delta
        const back = sum - old
        const error = old - (sum - back) + (delta - back)
        expect(Math.abs(error), `${old} + ${delta}`).toBeLessThanOrEqual(0.5 * 10 ** -places)
      }),
      {numRuns: 20_000},
    )
  })

  it('reads a score of plain digits from its bytes as the decimal text would be read, and any other score as text', () => {
    // Seeded: digit strings of 1 to 18 characters (leading zeros, and past 15 digits the text path), and decimals.
    let seed = 7
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const texts = ['0', '00', '007', '999999999999999', '9007199254740991', '9007199254740992', '-3', '+4', '1.5', '1e3', ' 12 ', '1 2', '١٢']
    for (let i = 0; i < 2000; i++) texts.push(Array.from({length: 1 + next(18)}, () => String(next(10))).join(''))
    for (const text of texts) {
      let expected: number | string
      const trimmed = text.trim()
      if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(trimmed)) expected = 'bad-value'
      else expected = Math.abs(Number(trimmed)) > Number.MAX_SAFE_INTEGER ? 'bad-value' : Number(trimmed)
      const got = reason('p', text) === 'ok' ? decodePoint(record('p', text)).delta : reason('p', text)
      expect(got, text).toBe(expected)
    }
  })

  it('turns every score into one point for its player, with its offset, and dead-letters the rest', async () => {
    const sink = memorySink<BoardPoint>('board')
    const byPartition = new Map<number, number[]>()
    const write = sink.write.bind(sink)
    sink.write = async (items, context) => {
      byPartition.set(context.partition, [...(byPartition.get(context.partition) ?? []), ...items.map((p) => p.offset)])
      if (items.length > 0) expect(context.nextOffset).toBeGreaterThan(items.at(-1)!.offset)
      await write(items, context)
    }
    const pipeline = leaderboardPipeline({inputTopic: 'scores', deadLetterTopic: 'dlq', sink})
    const players = ['Bob', 'Mike', 'Kathy', 'Sam']
    const records = Array.from({length: 400}, (_, i) => ({partition: i % 3, key: players[(i * 7) % 4], value: String((i % 10) + 1)}))
    records.push({partition: 1, key: 'Bob', value: 'lots'})
    const {deadLetters} = await runInMemory(pipeline, records, {partitions: 3, batchSize: 37})
    const expected = new Map<string, number>()
    for (const r of records.slice(0, 400)) expected.set(r.key, (expected.get(r.key) ?? 0) + Number(r.value))
    expect(Object.fromEntries(sumPoints(sink.items))).toEqual(Object.fromEntries(expected))
    expect(sink.items).toHaveLength(400)
    expect(deadLetters.map((d) => [d.reason, d.partition])).toEqual([['bad-value', 1]])
    // Each point carries its input offset, in order per partition: the sink can skip what it already holds.
    expect(byPartition.get(0)).toEqual(Array.from({length: 134}, (_, i) => i))
    expect(byPartition.get(1)).toEqual(Array.from({length: 133}, (_, i) => i))
  })

  it('dead-letters a bad record once, across restarts, even in a batch of bad records only (the board’s stored position moves past it)', async () => {
    const sink = memoryBoardSink()
    const driver = new TestDriver(leaderboardPipeline({inputTopic: 'scores', deadLetterTopic: 'dlq', sink}), {batchSize: 2})
    // Batches of two: [Bob 2, x], then [y, z], refused only.
    await driver.send([
      {key: 'Bob', value: '2'},
      {key: 'Bob', value: 'x'},
      {key: 'Bob', value: 'y'},
      {key: null, value: '1'},
    ])
    expect(driver.deadLetters().map((d) => d.offset)).toEqual([1, 2, 3])
    expect(sink.positions.get('scores:0')).toBe(4)
    driver.crash()
    await driver.send([{key: 'Sam', value: '5'}])
    expect(driver.deadLetters().map((d) => d.offset)).toEqual([1, 2, 3])
    expect(Object.fromEntries(sink.scores)).toEqual({Bob: 2, Sam: 5})
  })

  it('sums points per member from a given offset, as the Redis sink pre-sums a batch', () => {
    const points: BoardPoint[] = [
      {member: 'Bob', delta: 3, offset: 10},
      {member: 'Sam', delta: 1, offset: 11},
      {member: 'Bob', delta: 4, offset: 12},
    ]
    expect([...sumPoints(points)]).toEqual([
      ['Bob', 7],
      ['Sam', 1],
    ])
    expect([...sumPoints(points, 11)]).toEqual([
      ['Sam', 1],
      ['Bob', 4],
    ])
    expect([...sumPoints(points, 13)]).toEqual([])
  })

  it('prints the board like the original printer, scores as Java doubles', () => {
    const rows = [
      {rank: 1, member: 'Bob', score: 23},
      {rank: 2, member: 'Kathy', score: 7.5},
    ]
    expect(formatBoard(rows)).toEqual(['Leaderboard - 1 : Bob = 23.0', 'Leaderboard - 2 : Kathy = 7.5'])
    expect(formatBoard(rows.slice(0, 1), 'Trending Topics')).toEqual(['Trending Topics - 1 : Bob = 23.0'])
  })
})
