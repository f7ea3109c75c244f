import {describe, expect, it} from 'vitest'

import {createTimestampFormatter, formatTimestamp, parseOriginalTimestamp} from '../../../src/core/generators/index.js'
import {javaTimestamp} from './formats.js'

const at = (ms: number): number => new Date(2021, 5, 30, 12, 11, 15, ms).getTime()

describe('the original timestamp format', () => {
  it('prints the milliseconds with trailing zeros removed and at least one digit', () => {
    expect(formatTimestamp(at(0))).toBe('2021-06-30 12:11:15.0')
    expect(formatTimestamp(at(120))).toBe('2021-06-30 12:11:15.12')
    expect(formatTimestamp(at(123))).toBe('2021-06-30 12:11:15.123')
    expect(formatTimestamp(at(100))).toBe('2021-06-30 12:11:15.1')
    expect(formatTimestamp(at(5))).toBe('2021-06-30 12:11:15.005')
    expect(formatTimestamp(at(50))).toBe('2021-06-30 12:11:15.05')
  })

  it('pads every field and uses local time', () => {
    expect(formatTimestamp(new Date(2024, 0, 2, 3, 4, 5, 6).getTime())).toBe('2024-01-02 03:04:05.006')
    expect(formatTimestamp(new Date(999, 0, 1, 0, 0, 0, 0).getTime())).toBe('0999-01-01 00:00:00.0')
  })

  it('gives the same text with the per-second cache, over every millisecond of several seconds', () => {
    const format = createTimestampFormatter()
    const start = at(0) - 1500
    for (let t = start; t < start + 4000; t += 1) expect(format(t)).toBe(javaTimestamp(t))
    // Going back in time as well.
    expect(format(start)).toBe(javaTimestamp(start))
  })

  it('follows the local zone across a daylight-saving change', () => {
    const saved = process.env.TZ
    process.env.TZ = 'Europe/Berlin'
    try {
      const format = createTimestampFormatter()
      const beforeChange = Date.UTC(2024, 2, 31, 0, 59, 59, 990) // 01:59:59.99 CET
      expect(format(beforeChange)).toBe('2024-03-31 01:59:59.99')
      expect(format(beforeChange + 10)).toBe('2024-03-31 03:00:00.0')
      expect(formatTimestamp(Date.UTC(2024, 6, 1, 10, 0, 0, 120))).toBe('2024-07-01 12:00:00.12')
    } finally {
      if (saved === undefined) delete process.env.TZ
      else process.env.TZ = saved
    }
  })

  it('parses its own text back and rejects text the original would never print', () => {
    for (const ms of [0, 5, 50, 120, 123, 999]) expect(parseOriginalTimestamp(formatTimestamp(at(ms)))).toBe(at(ms))
    expect(parseOriginalTimestamp('2021-06-30 12:11:15.120')).toBeUndefined()
    expect(parseOriginalTimestamp('2021-06-30 12:11:15.00')).toBeUndefined()
    expect(parseOriginalTimestamp('2021-06-30 12:11:15')).toBeUndefined()
    expect(parseOriginalTimestamp('2021-06-30T12:11:15.1')).toBeUndefined()
    expect(parseOriginalTimestamp('2021-02-30 12:11:15.1')).toBeUndefined()
  })
})
