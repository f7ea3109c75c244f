/**
 * Leaderboards are Redis sorted sets (the original's `player-leaderboard` and `topics-leaderboard`), with the
 * consumed offsets of the pipeline that writes one in a hash next to it (`offsetsKeyFor`).
 */
import type {Redis} from './client.js'
import {offsetsKeyFor} from './setup.js'

export interface BoardRow {
  /** 1 for the highest score. */
  rank: number
  member: string
  score: number
}

/** The board, highest score first, like the original printer's `ZREVRANGE <key> 0 -1 WITHSCORES`; `top` limits it. */
export async function readBoard(client: Redis, key: string, top?: number): Promise<BoardRow[]> {
  const flat = await client.zrevrange(key, 0, top !== undefined && top > 0 ? top - 1 : -1, 'WITHSCORES')
  const rows: BoardRow[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) rows.push({rank: rows.length + 1, member: flat[i], score: Number(flat[i + 1])})
  return rows
}

/** The offsets stored next to a board: `<topic>:<partition>` → the next offset still to add (see `parseBoardOffsets`). */
export async function readBoardOffsets(client: Redis, key: string): Promise<Record<string, number>> {
  const raw = await client.hgetall(offsetsKeyFor(key))
  // Offsets only (the refusals kept next to them are JSON).
  return Object.fromEntries(Object.entries(raw).flatMap(([field, value]) => (/^\d+$/.test(value) ? [[field, Number(value)]] : [])))
}

/** One stored offset of a board: the next offset of a partition still to add. */
export interface BoardPosition {
  topic: string
  partition: number
  offset: number
}

/** The field of a board's offsets hash that holds one partition's offset: `<topic>:<partition>`. */
export function boardOffsetField(topic: string, partition: number): string {
  return `${topic}:${partition}`
}

/**
 * The field of a board's offsets hash that holds the points of one partition refused since its last commit
 * (JSON `[[offset, message], …]`), so that a replay reports them again: `rejected:<topic>:<partition>`.
 */
export function boardRefusalsField(topic: string, partition: number): string {
  return `rejected:${topic}:${partition}`
}

/** The offsets `readBoardOffsets` returns, as positions; a field that is not `<topic>:<partition>` with a numeric offset is left out. */
export function parseBoardOffsets(stored: Record<string, number>): BoardPosition[] {
  const positions: BoardPosition[] = []
  for (const [field, offset] of Object.entries(stored)) {
    const colon = field.lastIndexOf(':')
    const partition = field.slice(colon + 1)
    if (colon <= 0 || !/^\d+$/.test(partition) || !Number.isFinite(offset)) continue
    positions.push({topic: field.slice(0, colon), partition: Number(partition), offset})
  }
  return positions
}

/** A stored position past the end of its partition, with that end. */
export interface PositionPastEnd extends BoardPosition {
  end: number
}

/**
 * The positions of `ends.topic` past the end offset of their partition (a partition the topic lacks ends at 0):
 * they were stored for an earlier topic of that name (deleted and created again, or another Kafka), and resuming
 * there would skip every record as already applied. Positions of other topics are left out. `ends` is the
 * topic's offsets as `KafkaAdmin.topicOffsets` reads them.
 */
export function positionsPastEnd(
  positions: readonly BoardPosition[],
  ends: {topic: string; partitions: ReadonlyArray<{partition: number; high: string | number}>},
): PositionPastEnd[] {
  const highs = new Map(ends.partitions.map((p) => [p.partition, Number(p.high)]))
  return positions
    .filter((p) => p.topic === ends.topic)
    .map((p) => ({...p, end: highs.get(p.partition) ?? 0}))
    .filter((p) => p.offset > p.end)
}

/** Deletes a board and its stored offsets together (one MULTI/EXEC): its pipeline then starts it afresh. */
export async function resetBoard(client: Redis, key: string): Promise<{deleted: string[]}> {
  const keys = [key, offsetsKeyFor(key)]
  const replies = await client.multi().del(keys[0]).del(keys[1]).exec()
  const deleted = keys.filter((_, i) => Number(replies?.[i]?.[1] ?? 0) > 0)
  return {deleted}
}
