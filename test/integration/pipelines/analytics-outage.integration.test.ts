/**
 * A MariaDB outage while `run analytics` works: MariaDB is reached through a TCP proxy this test runs and
 * takes down for a few seconds. The run reports the outage (status down, then ok), pauses its writes,
 * retries, and ends with exactly the rows of the batch recomputation.
 */
import {createServer, connect, type Server, type Socket} from 'node:net'

import {afterAll, describe, expect, it} from 'vitest'

import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import type {PipelineEvent} from '../../../src/core/stream/index.js'
import {TestServices} from '../../helpers/services.js'
import {brokers, createTestDatabase, createTopics, produce, waitFor} from '../stream/fixtures.js'
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
  it('reports the outage, retries, and loses nothing', async () => {
    const db = await createTestDatabase()
    services.defer(() => db.drop())
    const proxy = new Proxy()
    await proxy.up()
    services.defer(() => proxy.down().catch(() => undefined))
    const groupId = services.groupId('outage-analytics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const records = seedOrders({count: 20_000, seed: 17, start: Date.UTC(2024, 3, 1), stepMs: 60})
    const expected = expectedSummaries(records)

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

    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    expect(rowsAsWindows(rows)).toEqual(expected.windows)
    expect(summary.recordsIn).toBe(records.length)
  })
})
