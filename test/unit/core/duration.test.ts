import {describe, expect, it} from 'vitest'

import {parseDuration} from '../../../src/core/duration.js'
import {SstreamError} from '../../../src/core/errors.js'

describe('parseDuration', () => {
  it('reads every unit in any case, a bare number in the flag’s unit', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('5S')).toBe(5000)
    expect(parseDuration('2m')).toBe(120_000)
    expect(parseDuration('1h')).toBe(3_600_000)
    expect(parseDuration('30')).toBe(30_000)
    expect(parseDuration('30', 'time-step', {defaultUnit: 'ms'})).toBe(30)
  })

  it('gives whole milliseconds unless fractions are asked for (an event-time step of 1/rate)', () => {
    expect(parseDuration('0.0015s')).toBe(2)
    expect(parseDuration('0.5', 'time-step', {defaultUnit: 'ms', fractions: true})).toBe(0.5)
  })

  it('names the flag in the usage error', () => {
    expect(() => parseDuration('soon', 'idle-timeout')).toThrow(SstreamError)
    expect(() => parseDuration('soon', 'idle-timeout')).toThrow('--idle-timeout "soon" is not a duration.')
    expect(() => parseDuration('-5s', 'lateness')).toThrow('--lateness can\'t be negative, got "-5s".')
    expect(parseDuration('0', 'lateness')).toBe(0)
  })

  it('refuses no time at all for a flag that needs some, and what rounds to 0 ms', () => {
    for (const text of ['0', '0s', '-1s', '0.0001s', ' 0ms ']) {
      expect(() => parseDuration(text, 'duration', {positive: true})).toThrow(`--duration must be longer than 0, got "${text.trim()}".`)
    }
    expect(parseDuration('1ms', 'duration', {positive: true})).toBe(1)
    expect(parseDuration('0.01', 'time-step', {defaultUnit: 'ms', fractions: true, positive: true})).toBe(0.01)
  })
})
