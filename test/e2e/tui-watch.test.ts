/**
 * `sstream watch …` as a user runs it in a script: the built CLI with --once (--json or plain lines)
 * against the real Redis, MariaDB and Kafka, with unique keys, databases and topics.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createKafka} from '../../src/core/kafka/index.js'
import {createMariaPool} from '../../src/core/mariadb/index.js'
import {connectRedis, createRedis} from '../../src/core/redis/index.js'
import {lastJson, runCli, spawnCli} from '../helpers/cli.js'
import {uniqueName} from '../helpers/names.js'
import {createTestDatabase, testConfig, TestServices} from '../helpers/services.js'

const services = new TestServices()
const redis = createRedis(testConfig.redisUrl)

beforeAll(async () => {
  await connectRedis(redis, testConfig.redisUrl)
})

afterAll(async () => {
  await services.cleanup()
  redis.disconnect()
})

function boardKey(): string {
  const key = uniqueName('tui-e2e')
  services.defer(async () => {
    await redis.del(key)
  })
  return key
}

describe('sstream watch leaderboard|topics', () => {
  it('--once --json prints the board as one JSON object, ranked', async () => {
    const key = boardKey()
    await redis.zadd(key, 23, 'Kathy', 17, 'Bob', 31, 'Sam')
    const {code, stdout} = await runCli(['watch', 'leaderboard', '--key', key, '--once', '--json'])
    expect(code).toBe(0)
    expect(stdout.trim().split('\n')).toHaveLength(1)
    expect(lastJson(stdout)).toEqual({
      view: 'leaderboard',
      key,
      refreshes: 1,
      refreshedAt: expect.any(String),
      entries: [
        {rank: 1, name: 'Sam', score: 31},
        {rank: 2, name: 'Kathy', score: 23},
        {rank: 3, name: 'Bob', score: 17},
      ],
    })
  })

  it('--once without a terminal prints the original printer lines', async () => {
    const key = boardKey()
    await redis.zadd(key, 2, 'AI', 3, 'Big Data')
    const {code, stdout} = await runCli(['watch', 'topics', '--key', key, '--once'])
    expect(code).toBe(0)
    expect(stdout).toBe('Trending Topics - 1 : Big Data = 3.0\nTrending Topics - 2 : AI = 2.0\n')
  })

  it('--json without --once streams one board per refresh, and a summary when stopped', async () => {
    const key = boardKey()
    await redis.zadd(key, 1, 'Bob')
    const child = spawnCli(['watch', 'leaderboard', '--key', key, '--interval', '200ms', '--json'])
    let stdout = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const boards = () => stdout.split('\n').filter((l) => l.includes('"type":"board"')).map((l) => JSON.parse(l) as {entries: Array<{name: string; score: number}>})
    const deadline = Date.now() + 30_000
    while (boards().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    await redis.zadd(key, 9, 'Kathy')
    while (!boards().some((b) => b.entries[0]?.name === 'Kathy') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    child.kill('SIGTERM')
    const code = await exited
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as {type: string; entries?: unknown[]})
    expect(boards().at(-1)?.entries).toEqual([
      {rank: 1, name: 'Kathy', score: 9},
      {rank: 2, name: 'Bob', score: 1},
    ])
    expect(lines[0]).toMatchObject({type: 'status', service: 'redis', state: 'ok'})
    expect(lines.at(-1)).toMatchObject({type: 'summary', view: 'leaderboard', key})
    expect(code).toBe(130)
  })

  it('exits 1 within 10 s naming Redis when it is unreachable', async () => {
    const {code, stdout, durationMs} = await runCli(['watch', 'leaderboard', '--once', '--json'], {env: {SSTREAM_REDIS_URL: 'redis://127.0.0.1:1'}})
    expect(code).toBe(1)
    expect(lastJson<{error: {code: string; message: string}}>(stdout).error).toMatchObject({code: 'REDIS_UNREACHABLE', message: "Can't reach Redis at 127.0.0.1:1."})
    expect(durationMs).toBeLessThan(10_000)
  })
})

describe('sstream watch orders', () => {
  it('--once --json sums up the table and gives the latest window of each product', async () => {
    const db = await createTestDatabase(services, 'tuie2e')
    const pool = createMariaPool(db.url, {connectionLimit: 1})
    try {
      await pool.query(
        'INSERT INTO order_summary (INTERVAL_TIMESTAMP, WINDOW_END, PRODUCT, TOTAL_VALUE, ORDER_COUNT) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)',
        ['2024-05-01 12:00:00', '2024-05-01 12:00:05', 'Keyboard', 50, 2, '2024-05-01 12:00:05', '2024-05-01 12:00:10', 'Keyboard', 25, 1, '2024-05-01 12:00:05', '2024-05-01 12:00:10', 'Monitor', 140, 1],
      )
    } finally {
      await pool.end()
    }
    const json = await runCli(['watch', 'orders', '--mariadb-url', db.url, '--once', '--json'])
    expect(json.code).toBe(0)
    const result = lastJson<{totals: unknown; latest: Array<{product: string; value: number; orders: number}>}>(json.stdout)
    expect(result.totals).toEqual({records: 3, value: 215})
    expect(result.latest.map((w) => [w.product, w.value, w.orders])).toEqual([
      ['Keyboard', 25, 1],
      ['Monitor', 140, 1],
    ])
    const plain = await runCli(['watch', 'orders', '--mariadb-url', db.url, '--once'])
    expect(plain.stdout).toBe(`${'-'.repeat(63)}\n DB Summary : Records = 3, Value = 215.0\n${'-'.repeat(63)}\n`)
  })
})

describe('sstream watch alerts', () => {
  it('--once --json reads both output topics and counts by code', async () => {
    const [critical, highVolume] = await services.topics(['crit', 'hv'])
    const producer = createKafka({brokers: testConfig.kafkaBrokers}).producer()
    await producer.connect()
    try {
      await producer.send({topic: critical, messages: [{key: '7', value: '"2024-05-01 12:00:00.5","200","This is a CRITICAL alert "'}]})
      await producer.send({topic: highVolume, messages: [{key: '200', value: '"2024-05-01 12:00:00.0","200","3"'}, {key: '400', value: '"2024-05-01 12:00:10.0","400","5"'}]})
    } finally {
      await producer.disconnect()
    }
    const {code, stdout} = await runCli(['watch', 'alerts', '--critical-topic', critical, '--high-volume-topic', highVolume, '--once', '--json'])
    expect(code).toBe(0)
    const result = lastJson<{critical: number; highVolume: number; byCode: unknown; alerts: unknown[]}>(stdout)
    expect(result).toMatchObject({critical: 1, highVolume: 2, byCode: {'200': {critical: 1, highVolume: 1}, '400': {critical: 0, highVolume: 1}}})
    expect(result.alerts).toContainEqual({kind: 'critical', ts: '2024-05-01 12:00:00.5', code: '200', message: 'This is a CRITICAL alert ', key: '7', format: 'sstream'})
  })
})
