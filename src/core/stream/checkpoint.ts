/**
 * What a task commits with its offsets. The committed offset is where a restart must replay from (the
 * first offset of the oldest record still in an open window, or the position when none is open); the
 * metadata string, committed in the same transaction, says what had already been emitted, so that the
 * replay neither re-emits nor loses anything.
 */
import {finiteOrNull, fromNullable} from './windows.js'

export interface Checkpoint {
  offset: number
  metadata: string
}

/** Stage 1 (an input partition). */
export interface SourceState {
  /** Largest event time seen (−∞ if none). */
  maxEventTime: number
  /** Next offset after the last processed record: records below it were fully processed. */
  position: number
  /** The watermark last announced to stage 2 (floored; −∞ if none). */
  markerWatermark: number
  /** Whether the last marker said idle. */
  idle: boolean
}

/** Stage 2 (a repartition partition). */
export interface MergeState {
  position: number
  /** Windows ending at or before this were emitted (−∞ if none). */
  emittedWatermark: number
  sources: Map<number, {watermark: number; idle: boolean}>
}

export function encodeSourceState(state: SourceState): string {
  return JSON.stringify({v: 1, max: finiteOrNull(state.maxEventTime), pos: state.position, mk: finiteOrNull(state.markerWatermark), idle: state.idle})
}

export function decodeSourceState(metadata: string | null | undefined): SourceState | undefined {
  const parsed = parse(metadata)
  if (!parsed || parsed.v !== 1 || typeof parsed.pos !== 'number') return undefined
  return {
    maxEventTime: fromNullable(parsed.max as number | null),
    position: parsed.pos,
    markerWatermark: fromNullable(parsed.mk as number | null),
    idle: parsed.idle === true,
  }
}

export function encodeMergeState(state: MergeState): string {
  const src: Record<string, [number | null, boolean]> = {}
  for (const [sp, s] of state.sources) src[sp] = [finiteOrNull(s.watermark), s.idle]
  return JSON.stringify({v: 1, pos: state.position, ew: finiteOrNull(state.emittedWatermark), src})
}

export function decodeMergeState(metadata: string | null | undefined): MergeState | undefined {
  const parsed = parse(metadata)
  if (!parsed || parsed.v !== 1 || typeof parsed.pos !== 'number') return undefined
  const sources = new Map<number, {watermark: number; idle: boolean}>()
  const src = (parsed.src ?? {}) as Record<string, [number | null, boolean]>
  for (const [sp, [wm, idle]] of Object.entries(src)) sources.set(Number(sp), {watermark: fromNullable(wm), idle: idle === true})
  return {position: parsed.pos, emittedWatermark: fromNullable(parsed.ew as number | null), sources}
}

function parse(metadata: string | null | undefined): Record<string, unknown> | undefined {
  if (!metadata) return undefined
  try {
    const value = JSON.parse(metadata) as unknown
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
