/**
 * The leaderboard sink tells a content rejection from an outage, against real Redis servers: a point that
 * would take a score beyond ±(2^53 − 1) (where a double stops holding integers exactly) or to NaN comes back
 * as `rejected` and nothing of it is added, the rest of the batch and the offset are; so does a point whose
 * decimal places, or the score's, a double no longer holds at the score it would make (the script decides as
 * `addsExactly` does, checked on many scores near the bounds); a private redis-server
 * that is stopped is an outage (thrown) whatever the points.
 */
import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SstreamError} from '../../../src/core/errors.js'
import {connectRedis, createRedis, leaderboardSink, offsetsKeyFor, readBoardOffsets, type BoardPoint, type LeaderboardSink, type Redis} from '../../../src/core/redis/index.js'
import {addsExactly, exactScoreBound, MAX_EXACT_SCORE} from '../../../src/core/redis/leaderboard-sink.js'
import type {SinkWriteContext, SinkWriteResult} from '../../../src/core/stream/index.js'
import {uniqueName} from '../../helpers/names.js'
import {testConfig} from '../../helpers/services.js'
import {startPrivateRedis, type PrivateRedis} from './leaderboard-redis-server.js'

const context = (partition: number, nextOffset: number): SinkWriteContext => ({pipeline: 'leaderboard', topic: 'scores', partition, nextOffset})
const points = (from: number, entries: Array<[string, number]>): BoardPoint[] => entries.map(([member, delta], i) => ({member, delta, offset: from + i}))

let client: Redis
const keys: string[] = []
let privateRedis: PrivateRedis | undefined

function freshKey(): string {
  const key = uniqueName('test-board')
  keys.push(key, offsetsKeyFor(key))
  return key
}

/** A sink on a fresh board, open while `body` runs, closed after it. */
async function withFreshSink(body: (sink: LeaderboardSink, key: string) => Promise<void>): Promise<void> {
  const key = freshKey()
  const sink = leaderboardSink({url: testConfig.redisUrl, key})
  await sink.open()
  try {
    await body(sink, key)
  } finally {
    await sink.close()
  }
}

beforeAll(async () => {
  client = createRedis(testConfig.redisUrl)
  await connectRedis(client, testConfig.redisUrl)
})

afterAll(async () => {
  if (keys.length > 0) await client.del(...keys)
  client.disconnect()
  await privateRedis?.stop()
})

async function scores(redis: Redis, key: string): Promise<Record<string, string>> {
  const flat = await redis.zrange(key, 0, -1, 'WITHSCORES')
  const out: Record<string, string> = {}
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1]
  return out
}

describe('the leaderboard sink, content rejections', () => {
  it('refuses exactly the points that would leave the exact range, in order, and adds the rest with the offset', async () => {
    await withFreshSink(async (sink, key) => {
      await client.zadd(key, MAX_EXACT_SCORE - 10, 'Bob')
      // Bob: +4 fits, +7 would pass the bound (refused), +6 still fits after it; Mike is not near it.
      const batch = points(0, [
        ['Bob', 4],
        ['Mike', 3],
        ['Bob', 7],
        ['Bob', 6],
        ['Mike', -MAX_EXACT_SCORE],
        ['Mike', -MAX_EXACT_SCORE],
      ])
      const result = (await sink.write(batch, context(0, 6))) as SinkWriteResult
      expect(result.rejected.map((r) => r.index)).toEqual([2, 5])
      expect(result.rejected[0].message).toMatch(/Adding 7 to the score of "Bob" .* beyond ±9007199254740991/)
      expect(await scores(client, key)).toEqual({Mike: String(3 - MAX_EXACT_SCORE), Bob: String(MAX_EXACT_SCORE)})
      expect(await readBoardOffsets(client, key)).toEqual({'scores:0': 6})
      // The batch replayed (a crash before the Kafka commit): nothing is added twice, the same points come back
      // refused, with the same words (their dead letters went with the transaction that did not commit), and the
      // others as already held (skipped: not counted again).
      expect(await sink.write(batch, context(0, 6))).toEqual({...result, skipped: [0, 1, 3, 4]})
      expect(await scores(client, key)).toEqual({Mike: String(3 - MAX_EXACT_SCORE), Bob: String(MAX_EXACT_SCORE)})
      // A restarted process (another sink) replaying from the commit, with one new point after the batch.
      const restarted = leaderboardSink({url: testConfig.redisUrl, key})
      await restarted.open()
      try {
        expect(await restarted.storedPosition!('scores', 0)).toBe(6)
        const replay = (await restarted.write([...batch, ...points(6, [['Mike', 1]])], context(0, 7))) as SinkWriteResult
        expect(replay.rejected).toEqual(result.rejected)
      } finally {
        await restarted.close()
      }
      expect((await scores(client, key)).Mike).toBe(String(4 - MAX_EXACT_SCORE))
      // Once a write starts past them (their commit went through), they are forgotten.
      expect(await sink.write(points(7, [['Mike', 1]]), context(0, 8))).toBeUndefined()
      expect(await client.hget(offsetsKeyFor(key), 'rejected:scores:0')).toBeNull()
      // A write the stored offset already covers adds nothing and refuses nothing: its point was held already.
      expect(await sink.write(points(6, [['Mike', 1]]), context(0, 7))).toEqual({rejected: [], skipped: [0]})
      // NaN and Infinity are refused too (they never come from the decoder, but nothing reaches Redis).
      const odd = (await sink.write(points(8, [['Sam', Number.NaN], ['Sam', 2], ['Kathy', Number.POSITIVE_INFINITY]]), context(0, 11))) as SinkWriteResult
      expect(odd.rejected.map((r) => r.index)).toEqual([0, 2])
      expect((await scores(client, key)).Sam).toBe('2')
      expect((await scores(client, key)).Kathy).toBeUndefined()
    })
  })

  it('refuses a point whose decimal places, or the score\'s, the new score would no longer hold, and adds ordinary fractional points', async () => {
    await withFreshSink(async (sink, key) => {
      await client.zadd(key, MAX_EXACT_SCORE - 10, 'Bob')
      const batch = points(0, [
        // 9007199254740981 + 2.5 would be stored as …984: refused; + 2 is whole and fits.
        ['Bob', 2.5],
        ['Bob', 2],
        ['Sam', 0.1],
        ['Sam', 0.2],
        // Kim's cent would be lost under 2^47: refused; a small whole point after it is not.
        ['Kim', 0.01],
        ['Kim', 2 ** 47],
        ['Kim', 1],
        ['Ann', 2.5],
        ['Ann', 7],
      ])
      const result = (await sink.write(batch, context(0, 9))) as SinkWriteResult
      expect(result.rejected.map((r) => r.index)).toEqual([0, 5])
      expect(result.rejected[0].message).toMatch(/^Adding 2\.5 to the score of "Bob" .* to ±562949953421312 or beyond, where a Redis score \(a double\) no longer holds 1 decimal place .*part of a point would be lost\.$/)
      expect(result.rejected[1].message).toMatch(/^Adding 140737488355328 to the score of "Kim" .* to ±70368744177664 or beyond, .* no longer holds 2 decimal places/)
      expect(await scores(client, key)).toEqual({Bob: String(MAX_EXACT_SCORE - 8), Sam: String(0.1 + 0.2), Kim: '1.01', Ann: '9.5'})
      expect(await readBoardOffsets(client, key)).toEqual({'scores:0': 9})
      // Replayed, the same points come back refused with the same words, and nothing is added twice.
      expect(await sink.write(batch, context(0, 9))).toEqual({...result, skipped: [1, 2, 3, 4, 6, 7, 8]})
    })
  })

  it('the script refuses exactly what addsExactly refuses, on scores near the bounds of every number of decimal places', async () => {
    await withFreshSink(async (sink, key) => {
      const decimal = (maxPlaces: number) => fc.tuple(fc.integer({min: -999_999, max: 999_999}), fc.integer({min: 0, max: maxPlaces})).map(([digits, places]) => Number(`${digits}e-${places}`))
      const nearBound = fc.tuple(fc.integer({min: 0, max: 6}), fc.integer({min: -2000, max: 2000}), fc.boolean(), decimal(4)).map(([places, offset, negative, fraction]) => (negative ? -1 : 1) * (exactScoreBound(places) + offset) + fraction)
      const cases = fc.sample(fc.tuple(fc.oneof(nearBound, decimal(6)), fc.oneof(decimal(6), fc.integer({min: -(2 ** 50), max: 2 ** 50}))), {numRuns: 400, seed: 4242})
      const batch = cases.map(([, delta], i): BoardPoint => ({member: `m${i}`, delta, offset: i}))
      for (const [i, [old]] of cases.entries()) await client.zadd(key, String(old), `m${i}`)
      const result = (await sink.write(batch, context(0, batch.length))) as SinkWriteResult | undefined
      const expected = cases.flatMap(([old, delta], i) => (addsExactly(old, delta).exact ? [] : [i]))
      expect(expected.length).toBeGreaterThan(20)
      expect(expected.length).toBeLessThan(cases.length - 20)
      expect((result?.rejected ?? []).map((r) => r.index)).toEqual(expected)
      const stored = await scores(client, key)
      for (const [i, [old, delta]] of cases.entries()) expect(Number(stored[`m${i}`]), `${old} + ${delta}`).toBe(expected.includes(i) ? old : old + delta)
    })
  })
})

describe('the leaderboard sink, rejection vs outage side by side', () => {
  it('a stopped private redis-server is an outage (thrown), and after it is back the same batch is added with its refused point', async () => {
    privateRedis = await startPrivateRedis()
    const key = uniqueName('test-board')
    const sink = leaderboardSink({url: privateRedis.url, key})
    await sink.open()
    const own = createRedis(privateRedis.url)
    try {
      await connectRedis(own, privateRedis.url)
      await own.zadd(key, MAX_EXACT_SCORE, 'Bob')
      const first = (await sink.write(points(0, [['Bob', 1], ['Sam', 5]]), context(0, 2))) as SinkWriteResult
      expect(first.rejected.map((r) => r.index)).toEqual([0])

      await privateRedis.shutdown()
      const batch = points(2, [['Sam', 1], ['Bob', 1]])
      const outage = await sink.write(batch, context(0, 4)).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(outage).toBeInstanceOf(SstreamError)
      expect((outage as SstreamError).code).toBe('REDIS_UNREACHABLE')

      await privateRedis.start()
      // The client reconnects by itself; the engine retries the write until it goes through.
      let after: SinkWriteResult | void | undefined
      for (let attempt = 0; ; attempt++) {
        try {
          after = await sink.write(batch, context(0, 4))
          break
        } catch (error) {
          expect((error as SstreamError).code).toBe('REDIS_UNREACHABLE')
          if (attempt > 200) throw error
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      }
      expect((after as SinkWriteResult).rejected.map((r) => r.index)).toEqual([1])
      own.disconnect()
      const again = createRedis(privateRedis.url)
      await connectRedis(again, privateRedis.url)
      expect(await scores(again, key)).toEqual({Sam: '6', Bob: String(MAX_EXACT_SCORE)})
      again.disconnect()
    } finally {
      own.disconnect()
      await sink.close()
    }
  })
})
