/**
 * `sstream run analytics` and `run alerts` as a user runs them (the built CLI): a plain line per result on
 * stdout like the original's console, NDJSON events and a one-line summary with --json, and a clear error
 * within 10 s when a service is down or a topic is missing.
 */
import {describe, expect, it} from 'vitest'

import {runCli} from '../../helpers/cli.js'
import {javaTimestamp, seedAlerts} from '../stream/alerts-data.js'
import {createTopics, produce, useFileServices} from '../stream/fixtures.js'
import {seedOrders} from '../stream/orders-data.js'

const file = useFileServices()
const {services} = file

describe('run analytics (CLI)', () => {
  it('prints one line per window like the original console, and a summary on stderr', async () => {
    const groupId = services.groupId('cli-analytics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    await produce(input, seedOrders({count: 600, seed: 3, start: new Date(2024, 0, 1, 12, 0, 0).getTime(), stepMs: 100}))
    const result = await runCli(
      ['run', 'analytics', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--idle-timeout', '1s', '--until-idle'],
      {env: {SSTREAM_MARIADB_URL: file.db.url}},
    )
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThan(10)
    for (const line of lines) expect(line).toMatch(/^Retrieved Summary \[\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\],(Keyboard|Mouse|Monitor),\d+\.\d+\] \(\d+ orders?\)$/)
    expect(lines.some((l) => l.includes('[[2024-01-01 12:00:00.0,2024-01-01 12:00:05.0],'))).toBe(true)
    expect(result.stderr).toMatch(/Stopped \(until-idle\) after [\d.]+ s: 600 records in/)
    const [{n}] = await file.db.pool.query('SELECT COUNT(*) AS n FROM order_summary')
    expect(Number(n)).toBe(lines.length)
  })

  it('prints NDJSON events and a one-line summary with --json', async () => {
    const groupId = services.groupId('cli-analytics-json')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    await produce(input, seedOrders({count: 300, seed: 4, start: Date.UTC(2024, 0, 2), stepMs: 100, malformedEvery: 100}))
    const result = await runCli(
      ['run', 'analytics', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--table', 'order_summary', '--idle-timeout', '1s', '--until-idle'],
      {env: {SSTREAM_MARIADB_URL: file.db.url}},
    )
    expect(result.code, result.stderr).toBe(0)
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(events[0]).toMatchObject({type: 'started', pipeline: 'analytics', groupId, inputTopic: input})
    const deadLettered = events.filter((e) => e.type === 'deadletter')
    expect(deadLettered.filter((e) => e.reason === 'malformed-json')).toHaveLength(3)
    const results = events.filter((e) => e.type === 'result')
    expect(results.length).toBeGreaterThan(5)
    expect(results[0]).toMatchObject({output: 'order_summary', window: {start: expect.any(String), end: expect.any(String)}, value: {total: expect.any(Number), count: expect.any(Number)}})
    expect(events.some((e) => e.type === 'stats')).toBe(true)
    expect(events.at(-1)).toMatchObject({type: 'summary', stoppedBy: 'until-idle', recordsIn: 300, deadLettered: deadLettered.length, outputs: {order_summary: results.length}})
  })

  it('fails within 10 s with the next step when Kafka or MariaDB is unreachable, or a topic is missing', async () => {
    const kafka = await runCli(['run', 'analytics', '--json', '--brokers', '127.0.0.1:1'])
    expect(kafka.code).toBe(1)
    expect(kafka.durationMs).toBeLessThan(10_000)
    expect(JSON.parse(kafka.stdout.trim().split('\n').at(-1)!)).toMatchObject({error: {code: 'KAFKA_UNREACHABLE', nextSteps: expect.arrayContaining([expect.stringContaining('correct --brokers')])}})

    const [input] = await createTopics(services, ['orders'])
    const maria = await runCli(['run', 'analytics', '--input-topic', input, '--group-id', services.groupId('cli-down'), '--mariadb-url', 'mariadb://root@127.0.0.1:1/streaming'])
    expect(maria.code).toBe(1)
    expect(maria.durationMs).toBeLessThan(10_000)
    expect(maria.stderr).toContain("Can't reach MariaDB at 127.0.0.1:1")

    const topic = await runCli(['run', 'analytics', '--input-topic', 'no-such-topic-here', '--mariadb-url', file.db.url])
    expect(topic.code).toBe(1)
    expect(topic.stderr).toContain('The topic no-such-topic-here does not exist')
    expect(topic.stderr).toContain('sstream setup kafka')
  })

  it('for a --table that does not exist, says how to create it: `sstream setup db` makes only order_summary', async () => {
    const groupId = services.groupId('cli-own-table')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const args = ['run', 'analytics', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--table', 'my_summary', '--idle-timeout', '1s', '--until-idle']
    const missing = await runCli(args, {env: {SSTREAM_MARIADB_URL: file.db.url}})
    expect(missing.code).toBe(1)
    const {error} = JSON.parse(missing.stdout.trim().split('\n').at(-1)!) as {error: {message: string; nextSteps: string[]}}
    expect(error.message).toContain("my_summary' doesn't exist")
    expect(error.nextSteps).toEqual([
      'Create it with the columns of order_summary (made by `sstream setup db`): `CREATE TABLE my_summary LIKE order_summary;` in that database,',
      'or leave out --table to write to order_summary.',
    ])
    // The next step works.
    await file.db.pool.query('CREATE TABLE my_summary LIKE order_summary')
    await produce(input, seedOrders({count: 50, seed: 5, start: Date.UTC(2024, 0, 3), stepMs: 100}))
    const run = await runCli(args, {env: {SSTREAM_MARIADB_URL: file.db.url}})
    expect(run.code, run.stderr).toBe(0)
    const [{n}] = await file.db.pool.query('SELECT COUNT(*) AS n FROM my_summary')
    expect(Number(n)).toBeGreaterThan(0)
  })
})

describe('run alerts (CLI)', () => {
  it('prints critical and high-volume alerts as plain lines', async () => {
    const groupId = services.groupId('cli-alerts')
    const [input, critical, high, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high', 'dlq'], {groups: [groupId]})
    const start = new Date(2024, 3, 1, 10, 0, 0).getTime()
    await produce(input, seedAlerts({count: 200, seed: 9, start, stepMs: 500}))
    const result = await runCli([
      'run', 'alerts', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', high,
      '--deadletter-topic', deadLetters, '--threshold', '3', '--idle-timeout', '1s', '--until-idle',
    ])
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines.some((l) => /^Critical Alert : "[^"]+","[1-4]00","This is a CRITICAL alert "$/.test(l))).toBe(true)
    expect(lines.some((l) => l.startsWith(`High Volume Alert : "${javaTimestamp(start)}"`))).toBe(true)
    for (const line of lines.filter((l) => l.startsWith('High Volume'))) expect(Number(/"(\d+)"$/.exec(line)![1])).toBeGreaterThan(3)
  })
})
