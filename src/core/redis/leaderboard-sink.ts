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
 * A point that would take a score beyond ±2^53 − 1 (where a double stops holding integers exactly), beyond
 * the range where a double still holds its decimal places or the score's (see `exactScoreBound`), or to NaN,
 * is refused inside the same script, before anything is added: it comes back in `rejected`, the rest is
 * added. Any error Redis itself answers (WRONGTYPE, OOM, READONLY, …) fails whatever the data: an outage.
 *
 * While Redis is unreachable, `write` fails at once with a REDIS_UNREACHABLE error (the engine pauses the
 * partition, reports the outage and retries); the client keeps reconnecting in the background.
 */
import {SstreamError} from '../errors.js'
import type {SinkWriteContext, SinkWriteResult, StoreSink} from '../stream/types.js'
import {boardOffsetField, boardRefusalsField} from './boards.js'
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
 * The largest magnitude a score may reach: Redis scores are doubles, exact for integers up to 2^53 − 1. A
 * point that would take a score beyond it is refused (a rejection, not an outage), so that integer scores
 * stay exact and no score becomes Infinity.
 */
export const MAX_EXACT_SCORE = Number.MAX_SAFE_INTEGER

/** log2(10), as the script writes it (both compute the same double bounds from it). */
const LOG2_10 = 3.321928094887362

/**
 * The significant digits a point's decimal places are read to: what a double holds of any decimal (DBL_DIG),
 * and what the leaderboard's decoder lets a score have.
 */
export const POINT_DIGITS = 15

/**
 * The significant digits a score's own decimal places are read to: fewer than a point's, so that the rounding
 * left in a total by earlier fractional points (0.1 + 0.2 = 0.30000000000000004, after thousands of them
 * a few units in the 14th digit) is not taken for decimal places the total holds.
 */
export const SCORE_DIGITS = 12

/** The decimal places of `x` written with `digits` significant digits (2.5 → 1, 0.30000000000000004 → 1, 700 → 0). */
export function decimalPlaces(x: number, digits: number): number {
  if (Number.isInteger(x)) return 0
  if (!Number.isFinite(x)) return 0
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e')
  const fraction = (mantissa.split('.')[1] ?? '').replace(/0+$/, '')
  return Math.max(0, fraction.length - Number(exponent))
}

/**
 * The bound on a score's magnitude that keeps `places` decimal places exact to the last one: ±(2^53 − 1) for
 * whole numbers (inclusive); for fractions the largest power of two below which the spacing of doubles is at
 * most 10^−places, so that a double is within half a unit of that last place of the decimal it stands for
 * (exclusive): 2^49 for tenths, 2^46 for cents, 2^43 for thousandths.
 */
export function exactScoreBound(places: number): number {
  return places === 0 ? MAX_EXACT_SCORE : 2 ** (53 - Math.ceil(places * LOG2_10))
}

/**
 * Whether adding `delta` to a score `old` keeps every part of both: the result finite, and within the bound
 * for the decimal places of the point (read to POINT_DIGITS) and of the score (read to SCORE_DIGITS). What the
 * script checks, for each point, against the score it would change.
 */
export function addsExactly(old: number, delta: number): {exact: boolean; places: number} {
  const sum = old + delta
  if (!Number.isFinite(sum)) return {exact: false, places: 0}
  const places = Math.max(decimalPlaces(delta, POINT_DIGITS), decimalPlaces(old, SCORE_DIGITS))
  const bound = exactScoreBound(places)
  return {exact: places === 0 ? Math.abs(sum) <= bound : Math.abs(sum) < bound, places}
}

/**
 * KEYS: board, offsets hash. ARGV: field, expected stored offset ('' = none), next offset, mode, the field of
 * the refusals, the offset below which stored refusals are forgotten, the refused pairs expected (mode
 * 'apply'), the refusals to store (JSON, '' = none), then member/delta pairs. First every pair is checked
 * against the scores it would produce (pairs of one member in order), as `addsExactly` does: a pair whose
 * addition would not keep every part of the point and of the score (beyond ±MAX_EXACT_SCORE, beyond the
 * bound of their decimal places, or to NaN) is refused. With refused pairs, mode 'check' (or mode 'apply'
 * when they are not the ones expected) changes nothing and returns {2, stored, refused, places}; otherwise
 * the other pairs are added, the offset is set, the refusals are stored next to it, and {1, next, refused,
 * places} comes back (refused: 1-based pair indexes; places: the decimal places each was checked for).
 * Returns {0, stored} when the stored offset was not the expected one.
 */
const ADD_POINTS = `
local stored = redis.call('HGET', KEYS[2], ARGV[1]) or ''
if stored ~= ARGV[2] then return {0, stored} end
local limit = ${MAX_EXACT_SCORE}
local function places(x, digits)
  if x == math.floor(x) then return 0 end
  local fraction, exponent = string.match(string.format('%.' .. (digits - 1) .. 'e', x), '^-?%d%.?(%d*)e([-+]%d+)$')
  local n = #(string.gsub(fraction, '0+$', '')) - tonumber(exponent)
  if n < 0 then return 0 end
  return n
end
local first = 9
local run = {}
local refused = {}
local refusedPlaces = {}
local skip = {}
for i = first, #ARGV, 2 do
  local member = ARGV[i]
  local score = run[member]
  if score == nil then
    local text = redis.call('ZSCORE', KEYS[1], member)
    if text then score = tonumber(text) or (1 / 0) else score = 0 end
  end
  local delta = tonumber(ARGV[i + 1])
  local new = delta and (score + delta)
  local exact = new ~= nil and new == new and new < 1 / 0 and new > -1 / 0
  local d = 0
  if exact then
    d = math.max(places(delta, ${POINT_DIGITS}), places(score, ${SCORE_DIGITS}))
    if d == 0 then
      exact = new <= limit and new >= -limit
    else
      local bound = 2 ^ (53 - math.ceil(d * ${LOG2_10}))
      exact = new < bound and new > -bound
    end
  end
  if exact then
    run[member] = new
  else
    local k = (i - first) / 2 + 1
    refused[#refused + 1] = k
    refusedPlaces[#refusedPlaces + 1] = d
    skip[k] = true
  end
end
if #refused > 0 and (ARGV[4] == 'check' or table.concat(refused, ',') ~= ARGV[7]) then return {2, stored, refused, refusedPlaces} end
for i = first, #ARGV, 2 do
  if not skip[(i - first) / 2 + 1] then redis.call('ZINCRBY', KEYS[1], ARGV[i + 1], ARGV[i]) end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local old = redis.call('HGET', KEYS[2], ARGV[5])
if old or ARGV[8] ~= '' then
  local keep = {}
  if old then
    local forget = tonumber(ARGV[6])
    for _, entry in ipairs(cjson.decode(old)) do
      if tonumber(entry[1]) >= forget then keep[#keep + 1] = entry end
    end
  end
  if ARGV[8] ~= '' then
    for _, entry in ipairs(cjson.decode(ARGV[8])) do keep[#keep + 1] = entry end
  end
  if #keep > 0 then redis.call('HSET', KEYS[2], ARGV[5], cjson.encode(keep)) else redis.call('HDEL', KEYS[2], ARGV[5]) end
end
return {1, ARGV[3], refused, refusedPlaces}
`

type AddPoints = (
  board: string,
  offsets: string,
  field: string,
  expected: string,
  next: string,
  mode: 'check' | 'apply',
  refusalsField: string,
  forgetBelow: string,
  expectedRefused: string,
  refusals: string,
  ...pairs: string[]
) => Promise<[number, string, number[]?, number[]?]>

/** A refusal kept next to the offsets: [input offset, message] (the offset as text: cjson rounds large numbers). */
type StoredRefusal = [string, string]

/** Unknown: the sink has not read the partition's stored offset yet. */
const UNKNOWN = '?'

/** The deltas of the points at or past `from`, summed per member (in first-seen order). */
export function sumPoints(points: BoardPoint[], from = Number.NEGATIVE_INFINITY): Map<string, number> {
  const sums = new Map<string, number>()
  for (const point of points) if (point.offset >= from) sums.set(point.member, (sums.get(point.member) ?? 0) + point.delta)
  return sums
}

/** Whether a point lies below `from`. */
function anyBelow(points: BoardPoint[], from: number): boolean {
  for (const point of points) if (point.offset < from) return true
  return false
}

/**
 * One member/delta pair sent to Redis. `index`: the one point it adds (an index into the written items);
 * absent, it adds every point of its member at or past the write's `from` (their deltas summed).
 */
interface Pair {
  member: string
  delta: number
  index?: number
}

/** The points (indexes into the written items) a pair adds. */
function indexesOf(pair: Pair, points: BoardPoint[], from: number): number[] {
  if (pair.index !== undefined) return [pair.index]
  const indexes: number[] = []
  for (let index = 0; index < points.length; index++) if (points[index].member === pair.member && points[index].offset >= from) indexes.push(index)
  return indexes
}

/**
 * The pairs for the points at or past `from`: one per member with the deltas summed (in first-seen order),
 * except for the members in `single`, those with a fractional point (a sum of fractions in doubles would
 * round before the script could check each point), and those whose running sum leaves the exact range, which
 * get one pair per point (in order). One pass and an object per member in the common case (no such member).
 */
function pairsFor(points: BoardPoint[], from: number, single: ReadonlySet<string>): Pair[] {
  const summed = new Map<string, Pair>()
  let unsafe: Set<string> | undefined = single.size > 0 ? new Set(single) : undefined
  for (let index = 0; index < points.length; index++) {
    const {member, delta, offset} = points[index]
    if (offset < from || unsafe?.has(member)) continue
    let pair = summed.get(member)
    if (pair === undefined) {
      pair = {member, delta}
      summed.set(member, pair)
    } else pair.delta += delta
    if (!Number.isInteger(delta) || !(Math.abs(pair.delta) <= MAX_EXACT_SCORE)) (unsafe ??= new Set()).add(member)
  }
  if (unsafe === undefined) return [...summed.values()]
  const pairs: Pair[] = []
  const expanded = new Set<string>()
  for (let index = 0; index < points.length; index++) {
    const {member, delta, offset} = points[index]
    if (offset < from) continue
    if (unsafe.has(member)) pairs.push({member, delta, index})
    else if (!expanded.has(member)) {
      expanded.add(member)
      pairs.push(summed.get(member)!)
    }
  }
  return pairs
}

export function leaderboardSink(options: LeaderboardSinkOptions): LeaderboardSink {
  const {url, key} = options
  const offsetsKey = offsetsKeyFor(key)
  const client = createRedis(url, {patient: true, failWhileDown: true, connectTimeoutMs: 3000, onStateChange: options.onStateChange})
  client.defineCommand('sstreamAddPoints', {numberOfKeys: 2, lua: ADD_POINTS})
  const addPoints = (client as unknown as {sstreamAddPoints: AddPoints}).sstreamAddPoints.bind(client)
  /** The stored offset per `<topic>:<partition>` as last seen ('' = none stored). */
  const expected = new Map<string, string>()

  const refusal = (pair: Pair, places = 0): string => {
    const adding = `Adding ${pair.delta} to the score of ${JSON.stringify(pair.member.slice(0, 80))} in ${key}`
    if (places === 0) return `${adding} would take it beyond ±${MAX_EXACT_SCORE}, where a Redis score (a double) is no longer exact.`
    const what = places === 1 ? '1 decimal place' : `${places} decimal places`
    return `${adding} would take it to ±${exactScoreBound(places)} or beyond, where a Redis score (a double) no longer holds ${what} (the point's or the score's): part of a point would be lost.`
  }

  /**
   * The refusals stored for the points below `from` (the stored offset: they were added, or refused, by an
   * earlier write whose transaction may not have committed): reported again, so that their dead letters are
   * written with the transaction that does commit.
   */
  const storedRefusals = async (points: BoardPoint[], from: number, field: string): Promise<SinkWriteResult['rejected']> => {
    if (from === Number.NEGATIVE_INFINITY || !anyBelow(points, from)) return []
    const raw = await client.hget(offsetsKey, field)
    if (raw === null) return []
    const messages = new Map((JSON.parse(raw) as StoredRefusal[]).map(([offset, message]) => [Number(offset), message]))
    const rejected: SinkWriteResult['rejected'] = []
    points.forEach((p, index) => {
      const message = p.offset < from ? messages.get(p.offset) : undefined
      if (message !== undefined) rejected.push({index, message})
    })
    return rejected
  }

  const apply = async (points: BoardPoint[], context: SinkWriteContext): Promise<SinkWriteResult | undefined> => {
    const name = boardOffsetField(context.topic, context.partition)
    const refusalsField = boardRefusalsField(context.topic, context.partition)
    const next = String(context.nextOffset)
    // Refusals below the first point of a write are forgotten: a write starts where the last commit stands.
    const forgetBelow = String(points.length > 0 ? points[0].offset : 0)
    const known = expected.get(name)
    let seen = known ?? UNKNOWN
    /** Members whose points go one by one: their summed delta was refused. */
    const single = new Set<string>()
    let mode: 'check' | 'apply' = 'check'
    let expectedRefused = ''
    let refusals = ''
    /** What the write did not add: `rejected`, and the points below `from` (the stored offset), which the store already held. */
    const result = (rejected: SinkWriteResult['rejected'], from: number): SinkWriteResult | undefined => {
      // One pass and nothing allocated per point (most writes hold no point below `from`).
      const skipped: number[] = []
      if (from > Number.NEGATIVE_INFINITY) {
        const rejectedAt = new Set(rejected.map((r) => r.index))
        for (let index = 0; index < points.length; index++) if (points[index].offset < from && !rejectedAt.has(index)) skipped.push(index)
      }
      if (rejected.length === 0 && skipped.length === 0) return undefined
      return {rejected: rejected.sort((a, b) => a.index - b.index), ...(skipped.length > 0 ? {skipped} : {})}
    }
    // At most a few rounds: a conflict means another writer moved the offset, which a re-read settles; a
    // refused sum is split into its points once; refused points are then stored with the write.
    for (let round = 0; round < 8; round++) {
      let from = Number.NEGATIVE_INFINITY
      if (seen === '' && known !== undefined && known !== '') throw boardLost(url, key)
      if (seen !== UNKNOWN && seen !== '') {
        from = Number(seen)
        if (from >= context.nextOffset) {
          // The stored offset already covers this batch: it was written before (a replay, or another owner).
          expected.set(name, seen)
          return result(await storedRefusals(points, from, refusalsField), from)
        }
      }
      const pairs = pairsFor(points, from, single)
      const flat: string[] = []
      for (const pair of pairs) flat.push(pair.member, String(pair.delta))
      const [applied, stored, refused = [], refusedPlaces = []] = await addPoints(key, offsetsKey, name, seen, next, mode, refusalsField, forgetBelow, expectedRefused, refusals, ...flat)
      if (applied === 1) {
        expected.set(name, next)
        const rejected = refused.flatMap((k, i) => indexesOf(pairs[k - 1], points, from).map((index) => ({index, message: refusal({...pairs[k - 1], delta: points[index].delta}, refusedPlaces[i])})))
        return result([...(await storedRefusals(points, from, refusalsField)), ...rejected], from)
      }
      if (applied === 2) {
        const summed = refused.filter((k) => pairs[k - 1].index === undefined && indexesOf(pairs[k - 1], points, from).length > 1)
        if (summed.length > 0) {
          // A refused sum: its member's points go one by one, checked again.
          for (const k of summed) single.add(pairs[k - 1].member)
          mode = 'check'
          continue
        }
        // Single points refused: add the others and store the refusals with them, in one unit.
        mode = 'apply'
        expectedRefused = refused.join(',')
        refusals = JSON.stringify(refused.map((k, i): StoredRefusal => [String(points[indexesOf(pairs[k - 1], points, from)[0]].offset), refusal(pairs[k - 1], refusedPlaces[i])]))
        continue
      }
      seen = stored
      mode = 'check'
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
        return await apply(points, context)
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
