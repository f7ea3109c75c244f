import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {testConfig} from '../../helpers/services.js'
import {uniqueName} from '../../helpers/names.js'
import {SstreamError} from '../../../src/core/errors.js'
import {connectRedis, createRedis, leaderboardSink, offsetsKeyFor, readBoard, readBoardOffsets, resetBoard, type BoardPoint, type Redis} from '../../../src/core/redis/index.js'
import type {SinkWriteContext} from '../../../src/core/stream/index.js'
import {startPrivateRedis, type PrivateRedis} from './leaderboard-redis-server.js'

const context = (partition: number, nextOffset: number): SinkWriteContext => ({pipeline: 'leaderboard', topic: 'scores', partition, nextOffset})
const points = (from: number, entries: Array<[string, number]>): BoardPoint[] => entries.map(([member, delta], i) => ({member, delta, offset: from + i}))

describe('leaderboard sink (real Redis)', () => {
  let client: Redis
  const keys: string[] = []
  const freshKey = (): string => {
    const key = uniqueName('test-board')
    keys.push(key, offsetsKeyFor(key))
    return key
  }

  beforeAll(async () => {
    client = createRedis(testConfig.redisUrl)
    await connectRedis(client, testConfig.redisUrl)
  })

  afterAll(async () => {
    if (keys.length > 0) await client.del(...keys)
    client.disconnect()
  })

  it('adds a batch and its offset together, and reads the position back', async () => {
    const key = freshKey()
    const sink = leaderboardSink({url: testConfig.redisUrl, key})
    await sink.open()
    try {
      expect(await sink.storedPosition!('scores', 0)).toBeUndefined()
      await sink.write(points(0, [['Bob', 7], ['Mike', 3], ['Bob', 10]]), context(0, 3))
      await sink.write(points(0, [['Kathy', 2]]), context(1, 1))
      expect(await readBoard(client, key)).toEqual([
        {rank: 1, member: 'Bob', score: 17},
        {rank: 2, member: 'Mike', score: 3},
        {rank: 3, member: 'Kathy', score: 2},
      ])
      expect(await readBoardOffsets(client, key)).toEqual({'scores:0': 3, 'scores:1': 1})
      expect(await sink.storedPosition!('scores', 0)).toBe(3)
    } finally {
      await sink.close()
    }
  })

  it('never counts a replayed batch twice, whether or not the sink read the position first', async () => {
    const key = freshKey()
    const first = leaderboardSink({url: testConfig.redisUrl, key})
    await first.open()
    await first.write(points(0, [['Bob', 5], ['Sam', 1]]), context(0, 2))
    await first.close()

    // A restarted process that did not read the position (it learns it from the conflict).
    // It says which points it skipped: the run that wrote them counted them; this one must not.
    const second = leaderboardSink({url: testConfig.redisUrl, key})
    await second.open()
    expect(await second.write(points(0, [['Bob', 5], ['Sam', 1]]), context(0, 2))).toEqual({rejected: [], skipped: [0, 1]})
    // A batch that overlaps what is stored: only the points at or past offset 2 count.
    expect(await second.write(points(0, [['Bob', 5], ['Sam', 1], ['Sam', 4], ['Mike', 9]]), context(0, 4))).toEqual({rejected: [], skipped: [0, 1]})
    expect(await second.write([], context(0, 6))).toBeUndefined()
    await second.close()

    expect(await readBoard(client, key)).toEqual([
      {rank: 1, member: 'Mike', score: 9},
      {rank: 2, member: 'Sam', score: 5},
      {rank: 3, member: 'Bob', score: 5},
    ])
    expect(await readBoardOffsets(client, key)).toEqual({'scores:0': 6})
  })

  it('fences a previous owner that finishes a batch after another process took the partition', async () => {
    const key = freshKey()
    const oldOwner = leaderboardSink({url: testConfig.redisUrl, key})
    const newOwner = leaderboardSink({url: testConfig.redisUrl, key})
    await Promise.all([oldOwner.open(), newOwner.open()])
    try {
      expect(await oldOwner.storedPosition!('scores', 2)).toBeUndefined()
      expect(await newOwner.storedPosition!('scores', 2)).toBeUndefined()
      // The new owner writes offsets 0..9 first; the old owner then tries 0..4, then 5..14.
      const all = points(0, Array.from({length: 15}, (_, i): [string, number] => ['Bob', i + 1]))
      await newOwner.write(all.slice(0, 10), context(2, 10))
      await oldOwner.write(all.slice(0, 5), context(2, 5))
      await oldOwner.write(all.slice(5, 15), context(2, 15))
      const expected = all.reduce((sum, p) => sum + p.delta, 0)
      expect(await readBoard(client, key)).toEqual([{rank: 1, member: 'Bob', score: expected}])
      expect(await readBoardOffsets(client, key)).toEqual({'scores:2': 15})
    } finally {
      await Promise.all([oldOwner.close(), newOwner.close()])
    }
  })

  it('refuses to go on when the offsets disappear under it, and resetBoard clears both keys', async () => {
    const key = freshKey()
    const sink = leaderboardSink({url: testConfig.redisUrl, key})
    await sink.open()
    try {
      await sink.write(points(0, [['Bob', 1]]), context(0, 1))
      expect(await resetBoard(client, key)).toEqual({deleted: [key, offsetsKeyFor(key)]})
      const error = await sink.write(points(1, [['Bob', 1]]), context(0, 2)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SstreamError)
      expect((error as SstreamError).message).toMatch(/are gone/)
      expect(await client.exists(key)).toBe(0)
    } finally {
      await sink.close()
    }
  })

  describe('with a private Redis that goes away', () => {
    let redis: PrivateRedis
    beforeAll(async () => {
      redis = await startPrivateRedis()
    })
    afterAll(async () => {
      await redis.stop()
    })

    it('fails fast with REDIS_UNREACHABLE while Redis is down, then works again on its own', async () => {
      const key = uniqueName('test-board')
      const sink = leaderboardSink({url: redis.url, key})
      await sink.open()
      try {
        await sink.write(points(0, [['Bob', 2]]), context(0, 1))
        await redis.shutdown()
        const started = Date.now()
        const error = await sink.write(points(1, [['Bob', 3]]), context(0, 2)).catch((e: unknown) => e)
        expect((error as SstreamError).code).toBe('REDIS_UNREACHABLE')
        expect(Date.now() - started).toBeLessThan(2000)
        await redis.start()
        const deadline = Date.now() + 20_000
        for (;;) {
          const retry = await sink.write(points(1, [['Bob', 3]]), context(0, 2)).then(() => undefined, (e: unknown) => e)
          if (retry === undefined) break
          if (Date.now() > deadline) throw retry
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
        const check = createRedis(redis.url)
        await connectRedis(check, redis.url)
        expect(await readBoard(check, key)).toEqual([{rank: 1, member: 'Bob', score: 5}])
        check.disconnect()
      } finally {
        await sink.close()
      }
    })
  })
})
