/**
 * Durations people type in flags, parsed once for every command: `500ms`, `5s`, `1.5m`, `2h` (any case), or a
 * bare number in the flag's unit (seconds unless it says otherwise).
 */
import {SstreamError} from './errors.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

export interface DurationOptions {
  /** The unit of a bare number. Default `s`. */
  defaultUnit?: 'ms' | 's'
  /** Keep parts of a millisecond (an event-time step such as 1/rate); otherwise whole milliseconds. */
  fractions?: boolean
}

/** A duration in milliseconds; a USAGE error naming `--flag` when the text is none. */
export function parseDuration(text: string, flag?: string, {defaultUnit = 's', fractions = false}: DurationOptions = {}): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text)
  if (!m) {
    throw new SstreamError('USAGE', `${flag ? `--${flag} ` : ''}"${text}" is not a duration.`, {nextSteps: ['Write it like 500ms, 5s, 2m or 1h.']})
  }
  const ms = Number(m[1]) * UNITS[(m[2] ?? defaultUnit).toLowerCase()]
  return fractions ? ms : Math.round(ms)
}
