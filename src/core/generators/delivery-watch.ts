/**
 * Tells when a generator's records stop being acknowledged and when they are again: a broker that is away,
 * or a cluster without a quorum, holds every record back until the producer's delivery timeout, and a
 * run that prints no progress line (no terminal) would otherwise say nothing meanwhile.
 */
import type {GeneratorProgress} from './run-generator.js'

/** How long records may wait with none acknowledged before the run says so. */
export const STALL_NOTICE_MS = 10_000

export type DeliveryChange =
  | {type: 'stalled'; forMs: number; waiting: number; errors: number}
  | {type: 'resumed'; afterMs: number}

export class DeliveryWatch {
  private lastSent = 0
  /** The run's time of the last acknowledgement, or of the last moment nothing was waiting. */
  private since = 0
  private stalled = false

  constructor(private readonly noticeMs = STALL_NOTICE_MS) {}

  /** Feeds one progress report; returns the change it shows, if any. */
  observe(progress: GeneratorProgress): DeliveryChange | undefined {
    if (progress.sent !== this.lastSent || progress.waiting === 0) {
      const change: DeliveryChange | undefined = this.stalled ? {type: 'resumed', afterMs: progress.elapsedMs - this.since} : undefined
      this.lastSent = progress.sent
      this.since = progress.elapsedMs
      this.stalled = false
      return change
    }
    if (this.stalled || progress.elapsedMs - this.since < this.noticeMs) return undefined
    this.stalled = true
    return {type: 'stalled', forMs: progress.elapsedMs - this.since, waiting: progress.waiting, errors: progress.errors}
  }
}
