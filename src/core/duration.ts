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
  /**
   * Refuse 0 (and what rounds to it): for a flag where no time at all means nothing (a run's length, a window,
   * an interval). Otherwise 0 is taken (no lateness, idle at once). A negative duration is refused either way.
   */
  positive?: boolean
}

/** A duration in milliseconds; a USAGE error naming `--flag` when the text is none, or is out of range. */
export function parseDuration(text: string, flag?: string, {defaultUnit = 's', fractions = false, positive = false}: DurationOptions = {}): number {
  const m = /^\s*(-?)\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text)
  const name = flag ? `--${flag}` : 'The duration'
  if (!m) {
    throw new SstreamError('USAGE', `${flag ? `--${flag} ` : ''}"${text}" is not a duration.`, {nextSteps: ['Write it like 500ms, 5s, 2m or 1h.']})
  }
  const magnitude = Number(m[2]) * UNITS[(m[3] ?? defaultUnit).toLowerCase()]
  const ms = fractions ? magnitude : Math.round(magnitude)
  if (positive && (m[1] === '-' || ms <= 0)) {
    throw new SstreamError('USAGE', `${name} must be longer than 0, got "${text.trim()}".`, {nextSteps: ['Write it like 500ms, 5s, 2m or 1h.']})
  }
  if (m[1] === '-' && magnitude > 0) {
    throw new SstreamError('USAGE', `${name} can't be negative, got "${text.trim()}".`, {nextSteps: ['Write it like 0, 500ms, 5s, 2m or 1h.']})
  }
  return ms
}
