import {describe, expect, it} from 'vitest'

import {floorWatermark, windowStartOf} from '../../../src/core/stream/windows.js'
import {formatTimestamp, parseTimestamp} from '../../../src/core/stream/timestamps.js'
import {decodeRepartition, encodeMarker, encodePartial, repartitionOfKey} from '../../../src/core/stream/repartition.js'
import {parseDuration} from '../../../src/core/duration.js'

describe('windows', () => {
  it('aligns windows to the epoch; a time on a boundary opens the next window', () => {
    expect(windowStartOf(0, 5000)).toBe(0)
    expect(windowStartOf(4999, 5000)).toBe(0)
    expect(windowStartOf(5000, 5000)).toBe(5000)
    expect(windowStartOf(1_625_047_877_123, 5000)).toBe(1_625_047_875_000)
    expect(windowStartOf(-1, 5000)).toBe(-5000)
  })

  it('floors watermarks to window boundaries and keeps −∞', () => {
    expect(floorWatermark(7400, 5000)).toBe(5000)
    expect(floorWatermark(Number.NEGATIVE_INFINITY, 5000)).toBe(Number.NEGATIVE_INFINITY)
  })
})

describe('timestamps', () => {
  it('formats like java.sql.Timestamp.toString in local time', () => {
    const base = new Date(2021, 5, 30, 12, 11, 15).getTime()
    expect(formatTimestamp(base)).toBe('2021-06-30 12:11:15.0')
    expect(formatTimestamp(base + 120)).toBe('2021-06-30 12:11:15.12')
    expect(formatTimestamp(base + 123)).toBe('2021-06-30 12:11:15.123')
  })

  it('gives the same text and times with its per-second caches, in any order of seconds', () => {
    const reference = (t: number): string => {
      const d = new Date(t)
      const p = (n: number, w = 2) => String(n).padStart(w, '0')
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3).replace(/0+$/, '') || '0'}`
    }
    let t = new Date(2024, 9, 27, 23, 59, 58, 0).getTime()
    for (let i = 0; i < 3000; i++) {
      t += i % 7 === 0 ? -1300 : (i * 37) % 450
      const text = formatTimestamp(t)
      expect(text).toBe(reference(t))
      expect(parseTimestamp(text)).toBe(t)
      expect(parseTimestamp(`${text.slice(0, 19)}.5x`)).toBeUndefined()
    }
  })

  it('parses what it formats, and rejects what is not a timestamp', () => {
    const t = new Date(2024, 0, 2, 3, 4, 5, 60).getTime()
    expect(parseTimestamp(formatTimestamp(t))).toBe(t)
    expect(parseTimestamp('2021-06-30 12:11:15.123')).toBe(new Date(2021, 5, 30, 12, 11, 15, 123).getTime())
    expect(parseTimestamp('2021-06-30 12:11:15')).toBe(new Date(2021, 5, 30, 12, 11, 15).getTime())
    expect(parseTimestamp('yesterday')).toBeUndefined()
    expect(parseTimestamp('2021-02-30 12:11:15.0')).toBeUndefined()
    expect(parseTimestamp('2021-06-30T12:11:15.0')).toBeUndefined()
  })

  it('reads a fraction of up to 9 digits to its millisecond, never rounded up into the next', () => {
    const second = new Date(2021, 5, 30, 12, 11, 15).getTime()
    for (const [fraction, ms] of [['999999999', 999], ['028999999', 28], ['1234', 123], ['0001', 0], ['5', 500]] as const) {
      // Twice: the first reading parses fully, the second takes the shortcut for the second last read.
      expect(parseTimestamp(`2021-06-30 12:11:15.${fraction}`), fraction).toBe(second + ms)
      expect(parseTimestamp(`2021-06-30 12:11:15.${fraction}`), fraction).toBe(second + ms)
    }
    expect(parseTimestamp('2021-06-30 12:11:15.1234567891')).toBeUndefined()
  })
})

describe('repartition messages', () => {
  it('round-trip partials and markers', () => {
    expect(decodeRepartition(encodePartial({w: 5000, k: 'Mouse', a: {cents: 1050, count: 1}, sp: 2}))).toEqual({
      kind: 'partial',
      w: 5000,
      k: 'Mouse',
      a: {cents: 1050, count: 1},
      sp: 2,
    })
    expect(decodeRepartition(encodeMarker({wm: null, sp: 1, idle: true}))).toEqual({kind: 'marker', wm: null, sp: 1, idle: true})
    expect(decodeRepartition(Buffer.from('nonsense'))).toBeUndefined()
  })

  it('partitions keys stably across runs', () => {
    expect(repartitionOfKey('Mouse', 3)).toBe(repartitionOfKey('Mouse', 3))
    const spread = new Set(['Keyboard', 'Mouse', 'Monitor', '100', '200', '300', '400'].map((k) => repartitionOfKey(k, 3)))
    expect(spread.size).toBeGreaterThan(1)
  })
})

describe('durations', () => {
  it('reads ms, s, m, h and bare seconds', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('5s')).toBe(5000)
    expect(parseDuration('2m')).toBe(120_000)
    expect(parseDuration('1h')).toBe(3_600_000)
    expect(parseDuration('10')).toBe(10_000)
    expect(() => parseDuration('soon')).toThrow(/not a duration/)
  })
})
