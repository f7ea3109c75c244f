import {SstreamError} from '../errors.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}

/** Parses a duration flag: `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds. */
export function parseDuration(text: string, flag = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text)
  if (!m) {
    throw new SstreamError('USAGE', `--${flag} "${text}" is not a duration.`, {nextSteps: ['Write it like 500ms, 5s, 2m or 1h.']})
  }
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's'])
}
