import {describe, expect, it} from 'vitest'

import {parseDuration} from '../../../src/core/duration.js'
import {defaultTimeStepMs, parseRate, parseStartTime} from '../../../src/core/generators/index.js'
import {SstreamError} from '../../../src/core/errors.js'

describe('generator options', () => {
  it('parses rates', () => {
    expect(parseRate('max')).toBe('max')
    expect(parseRate('MAX')).toBe('max')
    expect(parseRate('2000')).toBe(2000)
    expect(parseRate('0.5')).toBe(0.5)
    for (const bad of ['0', '-1', 'fast', '', 'Infinity']) expect(() => parseRate(bad)).toThrow(SstreamError)
  })

  it('parses durations with a default unit', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('30')).toBe(30_000)
    expect(parseDuration('30', 'time-step', {defaultUnit: 'ms'})).toBe(30)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('1.5m')).toBe(90_000)
    expect(parseDuration('2h')).toBe(7_200_000)
    expect(() => parseDuration('soon')).toThrow(SstreamError)
  })

  it('parses start times as epoch ms, ISO date-times and the original format', () => {
    expect(parseStartTime('1700000000000')).toBe(1_700_000_000_000)
    expect(parseStartTime('2024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1))
    expect(parseStartTime('2024-01-01 10:20:30.5')).toBe(new Date(2024, 0, 1, 10, 20, 30, 500).getTime())
    expect(() => parseStartTime('yesterday')).toThrow(SstreamError)
  })

  it('steps the synthetic clock by the pacing interval unless told otherwise', () => {
    expect(defaultTimeStepMs(100, false)).toBe(10)
    expect(defaultTimeStepMs('max', false)).toBe(1)
    expect(defaultTimeStepMs(100, true)).toBe(2000)
  })
})
