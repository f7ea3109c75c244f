/**
 * `sstream setup redis`: check Redis; with reset, clear the leaderboards and the offsets sstream keeps
 * next to them (together, so that a processor restarts from the beginning of its input).
 */
import {REDIS_KEYS} from '../names.js'
import {checkRedis, connectRedis, createRedis, toRedisError} from './client.js'

export interface SetupRedisOptions {
  url: string
  reset: boolean
  /** The sorted sets to clear; both leaderboards by default. */
  keys?: string[]
}

export interface SetupRedisResult {
  server: string
  version: string
  latencyMs: number
  reset: boolean
  deleted: string[]
}

/** The hash that holds the consumed offsets of the pipeline writing to a sorted set. */
export function offsetsKeyFor(sortedSetKey: string): string {
  return `${REDIS_KEYS.offsetsPrefix}${sortedSetKey}`
}

export async function setupRedis(options: SetupRedisOptions): Promise<SetupRedisResult> {
  const {latencyMs, version} = await checkRedis(options.url)
  const deleted: string[] = []
  if (options.reset) {
    const client = createRedis(options.url)
    try {
      await connectRedis(client, options.url)
      const boards = options.keys ?? [REDIS_KEYS.playerLeaderboard, REDIS_KEYS.topicsLeaderboard]
      const candidates = [...boards, ...boards.map(offsetsKeyFor)]
      for (const key of candidates) if ((await client.del(key)) > 0) deleted.push(key)
    } catch (error) {
      throw toRedisError(error, options.url, 'reset the leaderboards')
    } finally {
      client.disconnect()
    }
  }
  const server = new URL(options.url)
  return {server: `${server.hostname}:${server.port || 6379}`, version, latencyMs, reset: options.reset, deleted}
}
