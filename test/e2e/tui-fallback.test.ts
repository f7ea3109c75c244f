/**
 * `run <pipeline> --tui` where there is no terminal (a pipe, CI): the same run prints plain lines and says
 * why on stderr; with --json it prints NDJSON as without --tui.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createGeneratorProducer} from '../../src/core/kafka/index.js'
import {REDIS_KEYS} from '../../src/core/names.js'
import {connectRedis, createRedis} from '../../src/core/redis/index.js'
import {runCli} from '../helpers/cli.js'
import {uniqueName} from '../helpers/names.js'
import {testConfig, TestServices} from '../helpers/services.js'

const services = new TestServices()
const redis = createRedis(testConfig.redisUrl)
let input = ''
let deadLetters = ''

function runArgs(key: string, group: string): string[] {
  return ['run', 'leaderboard', '--tui', '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--group-id', group, '--until-idle', '--idle-timeout', '1s']
}

function freshKey(): string {
  const key = uniqueName('tui-fallback')
  services.defer(async () => void (await redis.del(key, `${REDIS_KEYS.offsetsPrefix}${key}`)))
  return key
}

describe('run --tui without a terminal', () => {
  beforeAll(async () => {
    ;[input, deadLetters] = await services.topics(['fallback-scores', 'fallback-dlq'])
    await connectRedis(redis, testConfig.redisUrl)
    const producer = await createGeneratorProducer({brokers: testConfig.kafkaBrokers, topic: input})
    try {
      await producer.send([20, 3].map((score) => ({key: 'Kathy', value: String(score), timestamp: Date.now()})).concat({key: 'Bob', value: '17', timestamp: Date.now()}))
    } finally {
      await producer.close()
    }
  })

  afterAll(async () => {
    await services.cleanup()
    redis.disconnect()
  })

  it('prints the plain lines and says so on stderr', async () => {
    const key = freshKey()
    const result = await runCli(runArgs(key, services.groupId('fallback')), {timeoutMs: 90_000})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('No terminal here: --tui prints plain lines instead of the live view.')
    expect(result.stdout).toContain('Leaderboard - 1 : Kathy = 23.0\nLeaderboard - 2 : Bob = 17.0')
    expect(result.stderr).toMatch(/Stopped \(until-idle\) after [\d.]+ s: 3 records in/)
    // No terminal drawing: no cursor movements or screen erasing.
    expect(result.stdout.includes('\u001B[')).toBe(false)
    expect(await redis.zscore(key, 'Kathy')).toBe('23')
  })

  it('with --json prints NDJSON events and the summary, and no note', async () => {
    const key = freshKey()
    const result = await runCli([...runArgs(key, services.groupId('fallback-json')), '--json'], {timeoutMs: 90_000})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toContain('No terminal here')
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as {type: string; recordsIn?: number; rows?: unknown[]})
    expect(events[0].type).toBe('started')
    expect(events.some((e) => e.type === 'board' && e.rows?.length === 2)).toBe(true)
    expect(events.at(-1)).toMatchObject({type: 'summary', stoppedBy: 'until-idle', recordsIn: 3})
  })
})
