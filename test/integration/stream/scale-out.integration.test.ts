/**
 * Scale-out: two `run analytics` processes in one group, a third joining mid-run and one of the first two
 * leaving (SIGTERM), while orders keep arriving; then the last ones stop and one more run finishes the
 * input (--until-idle). The order_summary rows equal the batch recomputation, as with one process.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {TestServices} from '../../helpers/services.js'
import {createTestDatabase, createTopics, produce, readCommitted} from './fixtures.js'
import {expectedSummaries, rowsAsWindows, seedOrders} from './orders-data.js'
import {startProcessor, type Processor} from './processor.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('analytics scales out', () => {
  it('gives the same rows with processes joining and leaving as a batch recomputation', async () => {
    const db = await createTestDatabase()
    services.defer(() => db.drop())
    const groupId = services.groupId('scale-analytics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const records = seedOrders({count: 60_000, seed: 5, start: Date.UTC(2024, 2, 1), stepMs: 40, malformedEvery: 2003})
    const expected = expectedSummaries(records)
    const args = ['run', 'analytics', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters]
    const env = {SSTREAM_MARIADB_URL: db.url}
    const start = (extra: string[] = ['--idle-timeout', '120s']): Processor => {
      const p = startProcessor([...args, ...extra], env)
      services.defer(async () => p.kill('SIGKILL'))
      return p
    }

    const chunks = 12
    const size = records.length / chunks
    await produce(input, records.slice(0, size))
    const a = start()
    const b = start()
    await a.waitForEvent((e) => e.type === 'assigned')
    await b.waitForEvent((e) => e.type === 'assigned')
    let c: Processor | undefined
    for (let i = 1; i < chunks; i++) {
      await sleep(800)
      await produce(input, records.slice(i * size, (i + 1) * size))
      if (i === 4) {
        // The third member must hold its partitions while records still come, or it may have no window left to write.
        c = start()
        await c.waitForEvent((e) => e.type === 'assigned')
      }
      if (i === 8) {
        a.kill('SIGTERM')
        const exit = await a.exited
        expect(exit.code, a.stderr()).toBe(130)
      }
    }
    await c!.waitForEvent((e) => e.type === 'result')
    await sleep(3000)
    b.kill('SIGTERM')
    c!.kill('SIGTERM')
    expect((await b.exited).code, b.stderr()).toBe(130)
    expect((await c!.exited).code, c!.stderr()).toBe(130)

    // Every member did part of the work.
    const results = (p: Processor) => p.events.filter((e) => e.type === 'result').length
    expect(results(a)).toBeGreaterThan(0)
    expect(results(b)).toBeGreaterThan(0)
    expect(results(c!)).toBeGreaterThan(0)
    // Partitions moved: the third took input partitions over.
    const inputPartitions = (p: Processor) =>
      new Set(p.events.filter((e) => e.type === 'assigned').flatMap((e) => (e.partitions as Array<{topic: string; partition: number}>).filter((x) => x.topic === input).map((x) => x.partition)))
    expect(inputPartitions(c!).size).toBeGreaterThan(0)

    const last = start(['--idle-timeout', '2s', '--until-idle'])
    const exit = await last.exited
    expect(exit.code, last.stderr()).toBe(0)

    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    expect(rowsAsWindows(rows)).toEqual(expected.windows)
    const dead = await readCommitted(deadLetters)
    expect(dead).toHaveLength(expected.late + expected.malformed)
  })
})
