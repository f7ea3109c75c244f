/**
 * Parsing of the generator options people type: rates and start times (durations: src/core/duration.ts).
 */
import {SstreamError} from '../errors.js'

export type Rate = number | 'max'

/** `max`, or a positive number of records per second (decimals allowed: `0.5` is one every 2 s). */
export function parseRate(text: string): Rate {
  const trimmed = text.trim().toLowerCase()
  if (trimmed === 'max') return 'max'
  const rate = Number(trimmed)
  if (trimmed === '' || !Number.isFinite(rate) || rate <= 0) {
    throw new SstreamError('USAGE', `The rate must be a positive number of records per second or "max", got "${text}".`, {
      nextSteps: ['For example --rate 100, --rate 0.5 or --rate max.'],
    })
  }
  return rate
}

/**
 * A start time: epoch milliseconds (digits only), an ISO 8601 date-time (`2024-01-01T00:00:00Z`; without a
 * zone it is local time), or the original's own format (`2024-01-01 00:00:00.0`, local time).
 */
export function parseStartTime(text: string): number {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const ms = Date.parse(trimmed.replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2'))
  if (Number.isNaN(ms)) {
    throw new SstreamError('USAGE', `"${text}" is not a start time.`, {
      nextSteps: ['Give epoch milliseconds or an ISO date-time, e.g. 2024-01-01T00:00:00Z.'],
    })
  }
  return ms
}

/** The event-time step of a synthetic clock when none is given: the pacing's interval. */
export function defaultTimeStepMs(rate: Rate, classic: boolean): number {
  if (classic) return 2000
  return rate === 'max' ? 1 : 1000 / rate
}
