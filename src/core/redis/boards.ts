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

/** The offsets stored next to a board: `<topic>:<partition>` → the next offset still to add. */
export async function readBoardOffsets(client: Redis, key: string): Promise<Record<string, number>> {
  const raw = await client.hgetall(offsetsKeyFor(key))
  return Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, Number(value)]))
}

/** Deletes a board and its stored offsets together (one MULTI/EXEC): its pipeline then starts it afresh. */
export async function resetBoard(client: Redis, key: string): Promise<{deleted: string[]}> {
  const keys = [key, offsetsKeyFor(key)]
  const replies = await client.multi().del(keys[0]).del(keys[1]).exec()
  const deleted = keys.filter((_, i) => Number(replies?.[i]?.[1] ?? 0) > 0)
  return {deleted}
}
