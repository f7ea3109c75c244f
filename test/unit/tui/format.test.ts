import {describe, expect, it} from 'vitest'

import {bar, dbSummaryLine, formatDuration, javaDouble, sparkline} from '../../../src/core/tui/format.js'

describe('javaDouble', () => {
  it('prints numbers as Java Double.toString did in the original printers', () => {
    expect(javaDouble(23)).toBe('23.0')
    expect(javaDouble(31.5)).toBe('31.5')
    expect(javaDouble(0)).toBe('0.0')
    expect(javaDouble(-4)).toBe('-4.0')
    expect(javaDouble(1e7)).toBe('1.0E7')
    expect(javaDouble(12_345_678.5)).toBe('1.23456785E7')
    expect(javaDouble(0.0001)).toBe('1.0E-4')
  })

  it('writes the DB summary line with its leading space', () => {
    expect(dbSummaryLine({records: 12, value: 3456.5})).toBe(' DB Summary : Records = 12, Value = 3456.5')
    expect(dbSummaryLine({records: 0, value: 0})).toBe(' DB Summary : Records = 0, Value = 0.0')
  })
})

describe('bar', () => {
  it('is proportional to value / max, in eighths of a cell', () => {
    expect(bar(10, 10, 20)).toBe('█'.repeat(20))
    expect(bar(5, 10, 20)).toBe('█'.repeat(10))
    expect(bar(1, 16, 2)).toBe('▏')
    expect(bar(3, 8, 1)).toBe('▍')
  })

  it('shows a sliver for any positive value and nothing for zero', () => {
    expect(bar(1, 1_000_000, 10)).toBe('▏')
    expect(bar(0, 10, 10)).toBe('')
    expect(bar(5, 0, 10)).toBe('')
  })

  it('never exceeds its width', () => {
    expect([...bar(50, 10, 7)]).toHaveLength(7)
  })
})

describe('sparkline', () => {
  it('scales from zero to the largest value, with a gap for a missing window', () => {
    expect(sparkline([0, 4, 8, null, 2])).toBe('▁▅█ ▃')
    expect(sparkline([])).toBe('')
  })
})

describe('formatDuration', () => {
  it('is short', () => {
    expect(formatDuration(850)).toBe('850ms')
    expect(formatDuration(12_000)).toBe('12s')
    expect(formatDuration(185_000)).toBe('3m05s')
  })
})
