/**
 * Where a generator's event times come from: the wall clock, or a synthetic clock (`--start-time` and
 * `--time-step`) that makes the timestamps, and so whole topics, reproducible.
 */
export interface Clock {
  /** The time the run starts at (epoch ms); key counters start from its epoch second. */
  readonly startMs: number
  /** The event time of the next record (epoch ms). */
  next(): number
}

export function wallClock(now: () => number = Date.now): Clock {
  return {startMs: now(), next: now}
}

/** Record i gets startMs + round(i × stepMs). */
export function syntheticClock(startMs: number, stepMs: number): Clock {
  if (!Number.isFinite(startMs)) throw new RangeError('The start time must be a finite epoch millisecond')
  if (!(stepMs >= 0)) throw new RangeError('The time step must be zero or more milliseconds')
  let index = 0
  return {
    startMs,
    next: () => startMs + Math.round(index++ * stepMs),
  }
}
