/**
 * Latencies as histograms: the runtime records each sink write and each window's end-to-end latency here,
 * and every `stats` event carries what was recorded since the previous one (bucket counts and sums), so
 * that a consumer of the events (the Prometheus endpoint) can keep exact histograms without the engine
 * knowing about it.
 */

/** Upper bounds (inclusive, ms) of the latency buckets; a last bucket holds everything above the largest. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000]

/** Samples since the previous stats event: `counts[i]` and `sums[i]` (ms) per bucket of LATENCY_BUCKETS_MS, plus one above. */
export interface LatencyHistogram {
  counts: number[]
  sums: number[]
}

export class LatencyRecorder {
  private counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0)
  private sums = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0)
  private total = 0
  private sum = 0

  add(ms: number): void {
    if (!Number.isFinite(ms)) return
    const value = Math.max(0, ms)
    let i = 0
    while (i < LATENCY_BUCKETS_MS.length && value > LATENCY_BUCKETS_MS[i]!) i++
    this.counts[i]! += 1
    this.sums[i]! += value
    this.total += 1
    this.sum += value
  }

  /** The mean since the last `take`, or null when nothing was recorded. */
  mean(): number | null {
    return this.total > 0 ? this.sum / this.total : null
  }

  /** What was recorded since the last call, and a fresh start. */
  take(): LatencyHistogram {
    const taken = {counts: this.counts, sums: this.sums}
    this.counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0)
    this.sums = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0)
    this.total = 0
    this.sum = 0
    return taken
  }
}
