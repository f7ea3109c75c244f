/**
 * Redis outage: `run leaderboard --json` writes to a private redis-server (never the shared one) while
 * scores keep arriving; Redis is stopped for 20 s mid-run and started again on the same port. The
 * processor says Redis is down (a `status` event), pauses, says when it is back, resumes by itself, and the
 * board ends exact. And with no score arriving, the board reader is what notices: the outage and the
 * recovery are said all the same.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {uniqueName} from '../../helpers/names.js'
import {TestServices} from '../../helpers/services.js'
import {produce, waitFor} from '../stream/fixtures.js'
import {startProcessor} from '../stream/processor.js'
import {boardScores, expectedBoard, seedScores, type SeedScore} from './leaderboard-data.js'
import {startPrivateRedis} from './leaderboard-redis-server.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe('leaderboard through a Redis outage', () => {
  it('pauses while Redis is stopped for 20 s, says so, resumes, and ends exact', async () => {
    const redis = await startPrivateRedis()
    services.defer(() => redis.stop())
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const key = uniqueName('test-board')
    const processor = startProcessor(
      ['run', 'leaderboard', '--group-id', services.groupId('outage-leaderboard'), '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--idle-timeout', '3s', '--until-idle', '--board-interval', '1s'],
      {SSTREAM_REDIS_URL: redis.url},
    )
    services.defer(async () => processor.kill('SIGKILL'))

    // Scores keep arriving, 1000 every 250 ms, until the feed is stopped.
    const produced: SeedScore[] = []
    let feeding = true
    let batch = 0
    const feed = (async () => {
      while (feeding) {
        const chunk = seedScores({count: 1000, seed: 500 + batch++})
        await produce(input, chunk)
        produced.push(...chunk)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    })()

    const score = async (): Promise<number> => Object.values(await boardScores(key, redis.url)).reduce((a, b) => a + b, 0)
    await waitFor(score, (total) => total > 0, {what: 'the first scores in Redis'})
    await redis.shutdown()
    const stoppedAt = Date.now()
    const down = await processor.waitForEvent((e) => e.type === 'status' && e.service === 'redis' && e.state === 'down', 15_000)
    expect(String(down.message)).toMatch(/Redis/)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - stoppedAt))))
    // Nothing was said to be back while Redis was away.
    expect(processor.events.some((e) => e.type === 'status' && e.service === 'redis' && e.state === 'ok')).toBe(false)
    await redis.start()
    await processor.waitForEvent((e) => e.type === 'status' && e.service === 'redis' && e.state === 'ok', 30_000)

    // A little more after the outage, then the feed stops and the processor finishes by itself.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    feeding = false
    await feed
    const exit = await processor.exited
    expect(exit.code, processor.stderr()).toBe(0)
    expect(processor.events.at(-1)).toMatchObject({type: 'summary', stoppedBy: 'until-idle', recordsIn: produced.length})
    expect(await boardScores(key, redis.url)).toEqual(expectedBoard(produced))
  })

  it('says Redis is down and back while no score arrives', async () => {
    const redis = await startPrivateRedis()
    services.defer(() => redis.stop())
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const key = uniqueName('test-board')
    const processor = startProcessor(
      ['run', 'leaderboard', '--group-id', services.groupId('idle-outage-leaderboard'), '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--board-interval', '1s'],
      {SSTREAM_REDIS_URL: redis.url},
    )
    services.defer(async () => processor.kill('SIGKILL'))
    const redisStates = (): unknown[] => processor.events.filter((e) => e.type === 'status' && e.service === 'redis').map((e) => e.state)

    // Running, its partitions' positions read (from Redis) and the board read after that: then Redis goes
    // away with nothing to write.
    const ready = await processor.waitForEvent((e) => e.type === 'stats' && e.lag === 0)
    await processor.waitForEvent((e) => e.type === 'board' && processor.events.indexOf(e) > processor.events.indexOf(ready))
    await redis.shutdown()
    const down = await processor.waitForEvent((e) => e.type === 'status' && e.service === 'redis' && e.state === 'down', 30_000)
    expect(String(down.message)).toMatch(/Can't reach Redis at 127\.0\.0\.1:\d+/)
    // Two stats events later (one every 5 s) the board has been tried every second meanwhile: none was
    // printed, and the outage was said once, not at every read.
    const boards = processor.events.filter((e) => e.type === 'board').length
    const statsAfter = (): number => processor.events.slice(processor.events.indexOf(down)).filter((e) => e.type === 'stats').length
    await processor.waitForEvent(() => statsAfter() >= 2, 30_000)
    expect(processor.events.filter((e) => e.type === 'board').length).toBe(boards)
    expect(redisStates()).toEqual(['down'])
    await redis.start()
    await processor.waitForEvent((e) => e.type === 'status' && e.service === 'redis' && e.state === 'ok', 30_000)
    await processor.waitForEvent((e) => e.type === 'board' && processor.events.indexOf(e) > processor.events.findIndex((s) => s.type === 'status' && s.state === 'ok'))

    processor.kill('SIGINT')
    const exit = await processor.exited
    expect(exit.code, processor.stderr()).toBe(130)
    expect(redisStates()).toEqual(['down', 'ok'])
    expect(processor.events.at(-1)).toMatchObject({type: 'summary', stoppedBy: 'signal', recordsIn: 0})
  })
})
