/**
 * Tumbling windows aligned to the epoch, and watermark arithmetic. Pure functions of numbers (ms).
 *
 * A window is [start, end). It closes when the watermark reaches its end (end <= watermark); a record
 * whose window end is <= the watermark is late. Window ends are multiples of the size, so a watermark can
 * be floored to the size without changing any decision.
 */

/** The start of the window that holds event time `time`. A time exactly on a boundary opens the next window. */
export function windowStartOf(time: number, sizeMs: number): number {
  return Math.floor(time / sizeMs) * sizeMs
}

/** The watermark floored to a window boundary (−Infinity stays −Infinity). */
export function floorWatermark(watermark: number, sizeMs: number): number {
  return Number.isFinite(watermark) ? Math.floor(watermark / sizeMs) * sizeMs : watermark
}

/** Whether a window that ends at `windowEnd` has closed under `watermark`. */
export function isClosed(windowEnd: number, watermark: number): boolean {
  return windowEnd <= watermark
}

/** −Infinity ↔ null for JSON. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null
}

export function fromNullable(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.NEGATIVE_INFINITY
}

/** An ISO time for events, or null for ±Infinity. */
export function isoOrNull(time: number): string | null {
  return Number.isFinite(time) ? new Date(time).toISOString() : null
}
