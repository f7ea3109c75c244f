/**
 * Crash test: `run analytics` as a child process, killed with SIGKILL at random points while it works
 * (≥ 5 times) and restarted; at the end the order_summary rows equal the batch recomputation — no window
 * missing, none counted twice — and every late or malformed order was dead-lettered exactly once.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {DEAD_LETTER_HEADERS} from '../../../src/core/stream/index.js'
import {TestServices} from '../../helpers/services.js'
import {createTestDatabase, createTopics, produce, readCommitted, seeded} from './fixtures.js'
import {expectedSummaries, rowsAsWindows, seedOrders} from './orders-data.js'
import {startProcessor} from './processor.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe('analytics survives kill -9', () => {
  it('writes the same rows as a batch recomputation after 6 SIGKILLs and restarts', async () => {
    const db = await createTestDatabase()
    services.defer(() => db.drop())
    const groupId = services.groupId('crash-analytics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const records = seedOrders({count: 48_000, seed: 99, start: Date.UTC(2024, 1, 1), stepMs: 60, malformedEvery: 1511})
    const expected = expectedSummaries(records)
    // The killed runs never go idle (idleness advances the watermark with the wall clock, which would make
    // the next chunk's 2024 event times late); the last run goes idle after 2 s and stops.
    const args = ['run', 'analytics', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters]
    const env = {SSTREAM_MARIADB_URL: db.url}
    const random = seeded(2024)
    const chunk = records.length / 6
    const kills: string[] = []

    // Each run gets a fresh chunk of input, and is killed at a random point once it has written windows.
    for (let run = 0; run < 6; run++) {
      await produce(input, records.slice(run * chunk, (run + 1) * chunk))
      const processor = startProcessor([...args, '--idle-timeout', '60s'], env)
      services.defer(async () => processor.kill('SIGKILL'))
      await processor.waitForEvent((e) => e.type === 'result')
      const delay = Math.floor(random() * 1500)
      await new Promise((resolve) => setTimeout(resolve, delay))
      processor.kill('SIGKILL')
      const exit = await processor.exited
      expect(exit.signal).toBe('SIGKILL')
      kills.push(`run ${run}: killed ${delay} ms after its first result, ${processor.events.filter((e) => e.type === 'result').length} results seen`)
    }
    // The last run finishes the input and stops by itself.
    const last = startProcessor([...args, '--idle-timeout', '2s', '--until-idle'], env)
    services.defer(async () => last.kill('SIGKILL'))
    const exit = await last.exited
    expect(exit.code, last.stderr()).toBe(0)
    const summary = last.events.at(-1)!
    expect(summary.type).toBe('summary')
    expect(summary.stoppedBy).toBe('until-idle')

    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    expect(rowsAsWindows(rows), kills.join('\n')).toEqual(expected.windows)
    const dead = await readCommitted(deadLetters)
    const ids = dead.map((d) => `${d.headers[DEAD_LETTER_HEADERS.sourcePartition]}:${d.headers[DEAD_LETTER_HEADERS.sourceOffset]}:${d.headers[DEAD_LETTER_HEADERS.reason]}`)
    expect(new Set(ids).size).toBe(ids.length)
    expect(dead).toHaveLength(expected.late + expected.malformed)
  })
})
