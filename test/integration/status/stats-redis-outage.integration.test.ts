/**
 * A processor publishes its stats to Redis for `sstream status` (best effort). When that Redis goes away
 * during the run, a stop must not wait for it: `run alerts` (a pipeline that uses no Redis of its own)
 * stopped by SIGTERM while its stats Redis (a private redis-server) is down ends with its summary and
 * exit code 130, instead of waiting on the stats of its last run until the stop deadline cuts it short.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {TestServices} from '../../helpers/services.js'
import {startPrivateRedis} from '../pipelines/leaderboard-redis-server.js'
import {startProcessor} from '../stream/processor.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe('a processor whose stats Redis went away', () => {
  it('stops on SIGTERM with its summary, not cut short by the stop deadline', async () => {
    const redis = await startPrivateRedis()
    services.defer(() => redis.stop())
    const [input, critical, highVolume, deadLetters] = await services.topics(['alerts', 'critical', 'highvolume', 'dlq'])
    const processor = startProcessor(
      ['run', 'alerts', '--group-id', services.groupId('stats-outage'), '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', highVolume, '--deadletter-topic', deadLetters],
      {SSTREAM_REDIS_URL: redis.url},
    )
    services.defer(async () => processor.kill('SIGKILL'))

    // Its stats reached Redis (the publisher is connected), then Redis goes away and a later stats event
    // is published into the void.
    const published = async (): Promise<boolean> => {
      const {createRedis} = await import('../../../src/core/redis/client.js')
      const client = createRedis(redis.url)
      try {
        return (await client.keys('sstream:processors:*')).length > 0
      } finally {
        client.disconnect()
      }
    }
    await processor.waitForEvent((e) => e.type === 'stats')
    for (let i = 0; !(await published()) && i < 100; i++) await new Promise((r) => setTimeout(r, 200))
    expect(await published()).toBe(true)
    await redis.shutdown()
    const statsBefore = processor.events.filter((e) => e.type === 'stats').length
    await processor.waitForEvent((e) => e.type === 'stats' && processor.events.filter((x) => x.type === 'stats').length > statsBefore)

    processor.kill('SIGTERM')
    const exit = await processor.exited
    expect(exit.code, processor.stderr()).toBe(130)
    expect(processor.stderr()).not.toMatch(/Stopping now/)
    expect(processor.events.at(-1)).toMatchObject({type: 'summary', pipeline: 'alerts', stoppedBy: 'signal'})
  })
})
