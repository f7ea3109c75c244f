/**
 * The internal repartition topic `<group-id>-<pipeline>-repartition`: stage 1 (one task per input
 * partition) sends there, keyed by the grouping key, the partial aggregates of windows its own watermark
 * has closed, and after them a watermark marker to every repartition partition. Stage 2 (one task per
 * repartition partition) merges the partials and closes windows on the merged watermark.
 */

/** A partial aggregate of one (window, key) from one source partition. */
export interface PartialMessage {
  /** Window start (ms). */
  w: number
  k: string
  a: unknown
  /** Source (input) partition. */
  sp: number
}

/** A source partition's watermark; idle sources stop holding the merged watermark back. */
export interface MarkerMessage {
  /** The source's watermark floored to the window size, null for −∞. */
  wm: number | null
  sp: number
  idle: boolean
}

export type RepartitionMessage = ({kind: 'partial'} & PartialMessage) | ({kind: 'marker'} & MarkerMessage)

export function repartitionTopicName(groupId: string, pipeline: string): string {
  return `${groupId}-${pipeline}-repartition`
}

export function encodePartial(partial: PartialMessage): string {
  return JSON.stringify({w: partial.w, k: partial.k, a: partial.a, sp: partial.sp})
}

export function encodeMarker(marker: MarkerMessage): string {
  return JSON.stringify({wm: marker.wm, sp: marker.sp, idle: marker.idle})
}

/** Decodes a repartition value; undefined if it is neither (not written by sstream). */
export function decodeRepartition(value: Buffer | string | null): RepartitionMessage | undefined {
  if (value === null) return undefined
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.sp !== 'number') return undefined
  if (typeof parsed.w === 'number' && typeof parsed.k === 'string' && 'a' in parsed) {
    return {kind: 'partial', w: parsed.w, k: parsed.k, a: parsed.a, sp: parsed.sp}
  }
  if ('wm' in parsed && (parsed.wm === null || typeof parsed.wm === 'number')) {
    return {kind: 'marker', wm: parsed.wm as number | null, sp: parsed.sp, idle: parsed.idle === true}
  }
  return undefined
}

/**
 * The repartition partition of a grouping key: FNV-1a over the key's UTF-16 code units, stable forever.
 * Not Kafka's default partitioner (murmur2 of the key bytes, `partitionForKey` in src/core/kafka, which the
 * generators use so that keyed records land where any Kafka producer would put them): the repartition
 * topic is written with explicit partitions and read only by sstream's own merge tasks, so what matters is
 * that every version agrees. Changing the hash would send a running group's in-flight partials of one
 * window to another merge task after an upgrade, and that window would be emitted twice.
 */
export function repartitionOfKey(key: string, partitions: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % partitions
}
