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
    expect(() => parseDuration('-5s')).toThrow('"-5s" is not a duration.')
  })
})
