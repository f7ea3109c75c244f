/**
 * The watch data sources against the real Redis, MariaDB and Kafka: unique keys, databases and topics.
 */
import {spawn, type ChildProcess} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createKafka} from '../../../src/core/kafka/index.js'
import {createMariaPool} from '../../../src/core/mariadb/index.js'
import {connectRedis, createRedis} from '../../../src/core/redis/index.js'
import type {ViewEvent} from '../../../src/core/tui/model.js'
import {PauseGate} from '../../../src/core/async.js'
import {watchAlerts, watchBoard, watchOrders} from '../../../src/core/watch/index.js'
import {uniqueName} from '../../helpers/names.js'
import {createTestDatabase, testConfig, TestServices} from '../../helpers/services.js'
import {freePort} from '../../helpers/processes.js'

const services = new TestServices()
const redis = createRedis(testConfig.redisUrl)

beforeAll(async () => {
  await connectRedis(redis, testConfig.redisUrl)
})

afterAll(async () => {
  await services.cleanup()
  redis.disconnect()
})

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function boardKey(): string {
  const key = uniqueName('tui-board')
  services.defer(async () => {
    await redis.del(key)
  })
  return key
}

describe('watchBoard (Redis)', () => {
  it('reads one snapshot, ranked', async () => {
    const key = boardKey()
    await redis.zadd(key, 23, 'Kathy', 17, 'Bob', 40, 'Mike')
    const events: ViewEvent[] = []
    const result = await watchBoard({kind: 'leaderboard', redisUrl: testConfig.redisUrl, key, intervalMs: 1000, once: true, signal: new AbortController().signal, onEvent: (e) => events.push(e)})
    expect(result.entries).toEqual([
      {rank: 1, name: 'Mike', score: 40},
      {rank: 2, name: 'Kathy', score: 23},
      {rank: 3, name: 'Bob', score: 17},
    ])
    expect(result.refreshes).toBe(1)
    expect(events.map((e) => e.type)).toEqual(['service', 'board'])
  })

  it('refreshes until stopped, and sees the board change', async () => {
    const key = boardKey()
    await redis.zadd(key, 1, 'AI')
    const boards: Array<Extract<ViewEvent, {type: 'board'}>> = []
    const stop = new AbortController()
    const running = watchBoard({kind: 'topics', redisUrl: testConfig.redisUrl, key, intervalMs: 100, signal: stop.signal, onEvent: (e) => e.type === 'board' && boards.push(e)})
    await until(() => boards.length > 0, 'the first board')
    await redis.zincrby(key, 5, 'Cloud')
    await until(() => boards.at(-1)?.entries[0]?.name === 'Cloud', 'the changed board')
    stop.abort()
    const result = await running
    expect(result.entries.map((e) => [e.name, e.score])).toEqual([
      ['Cloud', 5],
      ['AI', 1],
    ])
    expect(result.refreshes).toBeGreaterThanOrEqual(2)
  })

  it('stops refreshing while paused', async () => {
    const key = boardKey()
    await redis.zadd(key, 1, 'Bob')
    const gate = new PauseGate()
    let boards = 0
    const stop = new AbortController()
    const running = watchBoard({kind: 'leaderboard', redisUrl: testConfig.redisUrl, key, intervalMs: 50, signal: stop.signal, gate, onEvent: (e) => e.type === 'board' && boards++})
    await until(() => boards >= 2, 'two refreshes')
    gate.set(true)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const paused = boards
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(boards).toBe(paused)
    gate.set(false)
    await until(() => boards > paused + 1, 'refreshes after resuming')
    stop.abort()
    await running
  })

  it('fails within seconds, naming the address, when Redis is not there at start', async () => {
    const started = Date.now()
    await expect(watchBoard({kind: 'leaderboard', redisUrl: 'redis://127.0.0.1:1', intervalMs: 1000, once: true, signal: new AbortController().signal})).rejects.toMatchObject({
      code: 'REDIS_UNREACHABLE',
      message: "Can't reach Redis at 127.0.0.1:1.",
    })
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('reports an outage while it waits, and resumes by itself (a private redis-server)', async () => {
    const port = await freePort()
    let server = startRedis(port)
    services.defer(async () => {
      server.kill('SIGKILL')
    })
    const url = `redis://127.0.0.1:${port}`
    const admin = createRedis(url, {patient: true})
    await until(async () => (await admin.ping().then(() => true, () => false)) === true, 'the private redis-server')
    await admin.zadd('board', 3, 'Sam')
    const events: ViewEvent[] = []
    const stop = new AbortController()
    const running = watchBoard({kind: 'leaderboard', redisUrl: url, key: 'board', intervalMs: 100, signal: stop.signal, onEvent: (e) => events.push(e)})
    try {
      await until(() => events.some((e) => e.type === 'board'), 'the first board')
      server.kill('SIGKILL')
      await until(() => events.some((e) => e.type === 'service' && e.state === 'down'), 'the outage')
      const down = events.find((e) => e.type === 'service' && e.state === 'down')
      expect(down).toMatchObject({service: 'redis', message: `Can't reach Redis at 127.0.0.1:${port}.`})
      const boardsBefore = events.filter((e) => e.type === 'board').length
      server = startRedis(port)
      await until(async () => (await admin.ping().then(() => true, () => false)) === true, 'redis-server back', 30_000)
      await admin.zadd('board', 9, 'Kathy')
      await until(() => events.some((e) => e.type === 'service' && e.state === 'ok' && events.indexOf(e) > events.indexOf(down as ViewEvent)), 'the recovery', 30_000)
      await until(() => events.filter((e) => e.type === 'board').length > boardsBefore && events.some((e) => e.type === 'board' && e.entries[0]?.name === 'Kathy'), 'a board after the recovery', 30_000)
    } finally {
      stop.abort()
      await running.catch(() => undefined)
      admin.disconnect()
      server.kill('SIGKILL')
    }
  })
})

describe('watchOrders (MariaDB)', () => {
  it('reads the latest window per product and the totals: the whole table once, or the rows since the start', async () => {
    const db = await createTestDatabase(services, 'tui')
    const pool = createMariaPool(db.url, {connectionLimit: 1})
    const insert = (start: string, end: string, product: string, value: number, count: number) =>
      pool.query('INSERT INTO order_summary (INTERVAL_TIMESTAMP, WINDOW_END, PRODUCT, TOTAL_VALUE, ORDER_COUNT) VALUES (?, ?, ?, ?, ?)', [start, end, product, value, count])
    try {
      await insert('2024-05-01 12:00:00', '2024-05-01 12:00:05', 'Mouse', 31.5, 3)
      await insert('2024-05-01 12:00:00', '2024-05-01 12:00:05', 'Monitor', 280, 2)
      await insert('2024-05-01 12:00:05', '2024-05-01 12:00:10', 'Mouse', 10.5, 1)
      const once = await watchOrders({mariadbUrl: db.url, intervalMs: 1000, once: true, signal: new AbortController().signal})
      expect(once.totals).toEqual({records: 3, value: 322})
      expect(once.latest.map((w) => [w.product, w.value, w.orders])).toEqual([
        ['Monitor', 280, 2],
        ['Mouse', 10.5, 1],
      ])
      expect(once.latest[1].windowEnd).toBe(new Date(2024, 4, 1, 12, 0, 10).toISOString())

      // Running: the summary counts what is written after the start, as the original printer did.
      const snapshots: Array<Extract<ViewEvent, {type: 'windows-snapshot'}>> = []
      const stop = new AbortController()
      const running = watchOrders({mariadbUrl: db.url, intervalMs: 100, signal: stop.signal, onEvent: (e) => e.type === 'windows-snapshot' && snapshots.push(e)})
      await until(() => snapshots.length > 0, 'the first snapshot')
      expect(snapshots[0].totals).toEqual({records: 0, value: 0})
      await insert('2024-05-01 12:00:10', '2024-05-01 12:00:15', 'Keyboard', 75, 3)
      await until(() => snapshots.at(-1)?.totals.records === 1, 'the new row')
      stop.abort()
      const result = await running
      expect(result.totals).toEqual({records: 1, value: 75})
      expect(result.latest.map((w) => w.product)).toEqual(['Keyboard', 'Monitor', 'Mouse'])
    } finally {
      await pool.end()
    }
  })

  it('says which table is missing', async () => {
    const db = await createTestDatabase(services, 'tui')
    await expect(watchOrders({mariadbUrl: db.url, table: 'no_such_table', intervalMs: 1000, once: true, signal: new AbortController().signal})).rejects.toMatchObject({
      code: 'MARIADB_ERROR',
      nextSteps: ['Create the tables with `sstream setup db`.'],
    })
    await expect(watchOrders({mariadbUrl: db.url, table: 'x; DROP TABLE y', intervalMs: 1000, once: true, signal: new AbortController().signal})).rejects.toMatchObject({code: 'USAGE'})
  })
})

describe('watchAlerts (Kafka, read committed)', () => {
  it('reads the committed alerts of both topics, skips aborted ones, and counts them by code', async () => {
    const [critical, highVolume] = await services.topics(['crit', 'hv'])
    const kafka = createKafka({brokers: testConfig.kafkaBrokers})
    const producer = kafka.producer({transactionalId: uniqueName('tui-tx'), idempotent: true, maxInFlightRequests: 1})
    await producer.connect()
    try {
      const committed = await producer.transaction()
      await committed.send({
        topic: critical,
        messages: [
          {key: '1', value: '"2024-05-01 12:00:00.5","300","This is a CRITICAL alert "'},
          {key: '2', value: '"2024-05-01 12:00:01.0","100","This is a CRITICAL alert "'},
          {key: '3', value: '"2024-05-01 12:00:02.25","300","This is a CRITICAL alert "'},
        ],
      })
      await committed.send({topic: highVolume, messages: [{key: '300', value: '"2024-05-01 12:00:00.0","300","4"'}, {key: '300', value: 'not an alert'}]})
      await committed.commit()
      const aborted = await producer.transaction()
      await aborted.send({topic: critical, messages: [{key: '9', value: '"2024-05-01 12:00:09.0","400","aborted"'}]})
      await aborted.abort()
    } finally {
      await producer.disconnect()
    }
    const result = await watchAlerts({brokers: testConfig.kafkaBrokers, criticalTopic: critical, highVolumeTopic: highVolume, once: true, signal: new AbortController().signal})
    expect(result.critical).toBe(3)
    expect(result.highVolume).toBe(1)
    expect(result.unreadable).toBe(1)
    expect(result.byCode).toEqual({'100': {critical: 1, highVolume: 0}, '300': {critical: 2, highVolume: 1}})
    expect(result.byLevel).toEqual({CRITICAL: 3})
    expect(result.alerts.filter((a) => a.kind === 'critical').map((a) => a.ts).sort()).toEqual(['2024-05-01 12:00:00.5', '2024-05-01 12:00:01.0', '2024-05-01 12:00:02.25'])
    expect(result.alerts.find((a) => a.kind === 'high-volume')).toEqual({kind: 'high-volume', ts: '2024-05-01 12:00:00.0', code: '300', count: 4, key: '300', format: 'sstream'})
    expect(JSON.stringify(result)).not.toContain('aborted')
  })

  it('says which topic is missing', async () => {
    const [critical] = await services.topics(['crit'])
    await expect(watchAlerts({brokers: testConfig.kafkaBrokers, criticalTopic: critical, highVolumeTopic: uniqueName('t-none'), once: true, signal: new AbortController().signal})).rejects.toMatchObject({
      code: 'TOPIC_MISSING',
    })
  })

  it('follows new alerts until stopped', async () => {
    const [critical, highVolume] = await services.topics(['crit', 'hv'])
    const events: ViewEvent[] = []
    const stop = new AbortController()
    const running = watchAlerts({brokers: testConfig.kafkaBrokers, criticalTopic: critical, highVolumeTopic: highVolume, signal: stop.signal, onEvent: (e) => events.push(e)})
    // A watch that fails fails the test at once (not after the wait below, as an unhandled rejection).
    let failed: unknown
    running.catch((error: unknown) => (failed = error))
    const producer = createKafka({brokers: testConfig.kafkaBrokers}).producer()
    await producer.connect()
    try {
      // The topics are empty when the watch starts: keep sending until the running consumer picks one up.
      await until(async () => {
        if (failed) throw failed
        await producer.send({topic: highVolume, messages: [{key: '200', value: '"2024-05-01 12:00:10.0","200","3"'}]})
        return events.some((e) => e.type === 'high-volume')
      }, 'a high-volume alert', 60_000)
    } finally {
      await producer.disconnect()
    }
    stop.abort()
    const result = await running
    expect(result.highVolume).toBeGreaterThanOrEqual(1)
    expect(result.byCode['200'].highVolume).toBe(result.highVolume)
  })
})

function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {stdio: 'ignore'})
}
