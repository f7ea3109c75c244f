/**
 * The exactly-once leaderboard sink: points (member, delta) added to a Redis sorted set, with the consumed
 * input offset of each partition stored next to it, in the hash `sstream:offsets:<key>`, field
 * `<topic>:<partition>` = the next offset still to add.
 *
 * Per batch, one atomic Redis unit (a Lua script: Redis runs it as MULTI/EXEC runs a transaction, and it
 * can also check the stored offset) adds the deltas, pre-summed per member, and sets the partition's
 * offset, on one condition: the stored offset is still the one this sink last saw. When it is not (another
 * process wrote the partition — its previous owner finishing a batch after a rebalance — or this write
 * already went through before a dropped connection), the script changes nothing; the sink then applies only
 * the points at or past the stored offset, or nothing when the stored offset already covers the batch. So a
 * replayed batch never counts twice and the offsets never go backwards, whatever the engine hands the sink.
 *
 * While Redis is unreachable, `write` fails at once with a REDIS_UNREACHABLE error (the engine pauses the
 * partition, reports the outage and retries); the client keeps reconnecting in the background.
 */
import {SstreamError} from '../errors.js'
import type {SinkWriteContext, StoreSink} from '../stream/types.js'
import {boardOffsetField} from './boards.js'
import {connectRedis, createRedis, redisTarget, toRedisError, type Redis} from './client.js'
import {offsetsKeyFor} from './setup.js'

/** One point for a board: `delta` added to `member`'s score, from the input record at `offset`. */
export interface BoardPoint {
  member: string
  delta: number
  offset: number
}

export interface LeaderboardSinkOptions {
  url: string
  /** The sorted set. */
  key: string
  /** The output's name in events and counts; the key by default. */
  name?: string
  /** Time allowed to connect at start-up. Default 5000 ms. */
  connectTimeoutMs?: number
  /** Called when the connection drops or comes back. */
  onStateChange?: (state: 'up' | 'down', error?: Error) => void
}

export interface LeaderboardSink extends StoreSink<BoardPoint> {
  readonly key: string
  /** The client, for reading the board while the pipeline runs (after `open`). */
  readonly client: Redis
}

/**
 * KEYS: board, offsets hash. ARGV: field, expected stored offset ('' = none), next offset, then member/delta
 * pairs. Returns {1, next} when applied, {0, stored} when the stored offset was not the expected one.
 */
const ADD_POINTS = `
local stored = redis.call('HGET', KEYS[2], ARGV[1]) or ''
if stored ~= ARGV[2] then return {0, stored} end
for i = 4, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return {1, ARGV[3]}
`

type AddPoints = (board: string, offsets: string, field: string, expected: string, next: string, ...pairs: string[]) => Promise<[number, string]>

/** Unknown: the sink has not read the partition's stored offset yet. */
const UNKNOWN = '?'

/** The deltas of the points at or past `from`, summed per member (in first-seen order). */
export function sumPoints(points: BoardPoint[], from = Number.NEGATIVE_INFINITY): Map<string, number> {
  const sums = new Map<string, number>()
  for (const point of points) if (point.offset >= from) sums.set(point.member, (sums.get(point.member) ?? 0) + point.delta)
  return sums
}

export function leaderboardSink(options: LeaderboardSinkOptions): LeaderboardSink {
  const {url, key} = options
  const offsetsKey = offsetsKeyFor(key)
  const client = createRedis(url, {patient: true, failWhileDown: true, connectTimeoutMs: 3000, onStateChange: options.onStateChange})
  client.defineCommand('sstreamAddPoints', {numberOfKeys: 2, lua: ADD_POINTS})
  const addPoints = (client as unknown as {sstreamAddPoints: AddPoints}).sstreamAddPoints.bind(client)
  /** The stored offset per `<topic>:<partition>` as last seen ('' = none stored). */
  const expected = new Map<string, string>()

  const apply = async (points: BoardPoint[], context: SinkWriteContext): Promise<void> => {
    const name = boardOffsetField(context.topic, context.partition)
    const next = String(context.nextOffset)
    const known = expected.get(name)
    let seen = known ?? UNKNOWN
    // At most a few rounds: a conflict means another writer moved the offset, which a re-read settles.
    for (let round = 0; round < 5; round++) {
      let from = Number.NEGATIVE_INFINITY
      if (seen === '' && known !== undefined && known !== '') throw boardLost(url, key)
      if (seen !== UNKNOWN && seen !== '') {
        from = Number(seen)
        if (from >= context.nextOffset) {
          // The stored offset already covers this batch: it was written before (a replay, or another owner).
          expected.set(name, seen)
          return
        }
      }
      const pairs: string[] = []
      for (const [member, delta] of sumPoints(points, from)) pairs.push(member, String(delta))
      const [applied, stored] = await addPoints(key, offsetsKey, name, seen, next, ...pairs)
      if (applied === 1) {
        expected.set(name, next)
        return
      }
      seen = stored
    }
    throw new SstreamError('REDIS_ERROR', `The offsets of ${key} at ${redisTarget(url)} keep changing under this process: another process is writing the same partition.`, {
      nextSteps: ['Run one group of processors per board (the same --group-id), or give each its own --key.'],
    })
  }

  return {
    kind: 'store',
    name: options.name ?? key,
    service: 'redis',
    key,
    client,
    async open() {
      await connectRedis(client, url, options.connectTimeoutMs ?? 5000)
    },
    async storedPosition(topic, partition) {
      const name = boardOffsetField(topic, partition)
      let stored: string | null
      try {
        stored = await client.hget(offsetsKey, name)
      } catch (error) {
        throw toRedisError(error, url, `read the offsets stored in ${offsetsKey}`)
      }
      expected.set(name, stored ?? '')
      return stored === null ? undefined : Number(stored)
    },
    async write(points, context) {
      try {
        await apply(points, context)
      } catch (error) {
        throw toRedisError(error, url, `update ${key}`)
      }
    },
    async close() {
      client.disconnect()
    },
  }
}

function boardLost(url: string, key: string): SstreamError {
  return new SstreamError('REDIS_ERROR', `The offsets stored next to ${key} at ${redisTarget(url)} are gone (the board was reset, or Redis restarted without its data).`, {
    nextSteps: ['Restart the processor: it rebuilds the board from its input.'],
  })
}
