/**
 * Redis outage: `run leaderboard --json` writes to a private redis-server (never the shared one) while
 * scores keep arriving; Redis is stopped for 20 s mid-run and started again on the same port. The
 * processor says Redis is down (a `status` event), pauses, says when it is back, resumes by itself, and the
 * board ends exact.
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
})
