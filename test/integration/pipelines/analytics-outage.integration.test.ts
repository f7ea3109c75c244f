/**
 * A MariaDB outage while `run analytics` works: MariaDB is reached through a TCP proxy this test runs and
 * takes down for a few seconds. The run reports the outage (status down, then ok), pauses its writes,
 * retries, and ends with exactly the rows of the batch recomputation. Side by side, a window MariaDB
 * refuses for its content (a sum beyond TOTAL_VALUE) is a rejection, not an outage: dead-lettered once,
 * and the run goes on.
 */
import {createServer, connect, type Server, type Socket} from 'node:net'

import {afterAll, describe, expect, it} from 'vitest'

import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import {DEAD_LETTER_HEADERS, type PipelineEvent} from '../../../src/core/stream/index.js'
import {TestServices} from '../../helpers/services.js'
import {brokers, createTestDatabase, createTopics, produce, readCommitted, waitFor} from '../stream/fixtures.js'
import {expectedSummaries, rowsAsWindows, seedOrders} from '../stream/orders-data.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

/** A TCP proxy to MariaDB that can be taken down (connections cut, port closed) and brought back. */
class Proxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  port = 0

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(3306, '127.0.0.1')
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => s.destroy())
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve))
    this.port = (this.server.address() as {port: number}).port
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
  }
}

describe('run analytics through a MariaDB outage', () => {
  it('reports the outage, retries, and loses nothing; a window MariaDB refuses for its content is dead-lettered once, not an outage', async () => {
    const db = await createTestDatabase()
    services.defer(() => db.drop())
    const proxy = new Proxy()
    await proxy.up()
    services.defer(() => proxy.down().catch(() => undefined))
    const groupId = services.groupId('outage-analytics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const records = seedOrders({count: 20_000, seed: 17, start: Date.UTC(2024, 3, 1), stepMs: 60})
    const expected = expectedSummaries(records)
    // Two valid orders of 9 × 10^13 in one window of partition 0, among the records written during the
    // outage: their sum is beyond DECIMAL(16,2), so MariaDB refuses that one row.
    let newest = Number.NEGATIVE_INFINITY
    for (const r of records.slice(0, 15_000)) if (r.partition === 0) newest = Math.max(newest, r.timestamp)
    const big = [0, 1].map((i) => ({partition: 0, key: `big${i}`, value: JSON.stringify({orderId: i, product: 'Big', quantity: 9, price: 1e13}), timestamp: newest}))
    records.splice(15_000, 0, ...big)

    const events: PipelineEvent[] = []
    await produce(input, records.slice(0, 10_000))
    const run = runAnalytics({
      brokers,
      groupId,
      mariadbUrl: `mariadb://root@127.0.0.1:${proxy.port}/${db.name}`,
      inputTopic: input,
      deadLetterTopic: deadLetters,
      table: 'order_summary',
      idleTimeoutMs: 8000,
      untilIdle: true,
      onEvent: (e) => events.push(e),
    })
    await waitFor(() => events.filter((e) => e.type === 'result').length, (n) => n > 0, {what: 'a first result'})
    await proxy.down()
    await produce(input, records.slice(10_000))
    await waitFor(() => events.find((e) => e.type === 'status' && e.service === 'mariadb' && e.state === 'down'), Boolean, {what: 'the outage reported'})
    await new Promise((resolve) => setTimeout(resolve, 3000))
    await proxy.up()
    await waitFor(() => events.find((e) => e.type === 'status' && e.service === 'mariadb' && e.state === 'ok'), Boolean, {what: 'the recovery reported'})
    const summary = await run
    expect(summary.stoppedBy).toBe('until-idle')
    const rejected = events.filter((e) => e.type === 'deadletter' && e.reason === 'rejected')
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toMatchObject({message: expect.stringMatching(/Out of range value for column 'TOTAL_VALUE'/)})
    // The rejection is no outage: no status names it, and the run was down only while the proxy was.
    const statuses = events.filter((e) => e.type === 'status' && e.service === 'mariadb') as Array<{state: string; message: string}>
    expect(statuses.some((s) => /Out of range|TOTAL_VALUE/.test(s.message))).toBe(false)
    expect(statuses.at(-1)?.state).toBe('ok')
    const dead = (await readCommitted(deadLetters, {timeoutMs: 20_000})).filter((d) => d.headers[DEAD_LETTER_HEADERS.reason] === 'rejected')
    expect(dead.map((d) => [d.key, (JSON.parse(d.value) as {exactTotal: string}).exactTotal])).toEqual([['Big', '180000000000000.00']])
    expect(dead[0].headers[DEAD_LETTER_HEADERS.windowStart]).toBe(new Date(Math.floor(big[0].timestamp / 5000) * 5000).toISOString())

    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    expect(rowsAsWindows(rows)).toEqual(expected.windows)
    expect(summary.recordsIn).toBe(records.length)
  })
})
