import {describe, expect, it} from 'vitest'

import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import {DEAD_LETTER_HEADERS, type PipelineEvent} from '../../../src/core/stream/index.js'
import {brokers, createTopics, produce, readCommitted, useFileServices} from '../stream/fixtures.js'
import {expectedSummaries, rowsAsWindows, seedOrders} from '../stream/orders-data.js'

const file = useFileServices()
const {services} = file

/** `run analytics` on this file's database and the given topics, until idle; `extra` adds or overrides options. */
function runOn(groupId: string, input: string, deadLetters: string, extra: Partial<Parameters<typeof runAnalytics>[0]> = {}): ReturnType<typeof runAnalytics> {
  return runAnalytics({brokers, groupId, mariadbUrl: file.db.url, inputTopic: input, deadLetterTopic: deadLetters, table: 'order_summary', idleTimeoutMs: 2000, untilIdle: true, ...extra})
}

describe('run analytics against Kafka and MariaDB', () => {
  it('writes exactly the windows a batch recomputation finds, and dead-letters malformed and late orders', async () => {
    const groupId = services.groupId('analytics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const records = seedOrders({count: 30_000, seed: 42, start: Date.UTC(2024, 0, 1), stepMs: 75, malformedEvery: 997})
    await produce(input, records)
    const expected = expectedSummaries(records)
    expect(expected.windows.length).toBeGreaterThan(300)
    expect(expected.late).toBeGreaterThan(50)

    const events: PipelineEvent[] = []
    const summary = await runOn(groupId, input, deadLetters, {statsIntervalMs: 1000, onEvent: (e) => events.push(e)})

    expect(summary.stoppedBy).toBe('until-idle')
    expect(summary.recordsIn).toBe(records.length)
    expect(summary.late).toBe(expected.late)
    expect(summary.deadLettered).toBe(expected.late + expected.malformed)
    const rows = await file.db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT, WINDOW_END FROM order_summary')
    expect(rowsAsWindows(rows)).toEqual(expected.windows)
    expect(events.filter((e) => e.type === 'result')).toHaveLength(expected.windows.length)
    expect(events.some((e) => e.type === 'stats')).toBe(true)
    // The live view's open windows: partial results while windows are open, never a closed one's final row.
    const open = events.flatMap((e) => (e.type === 'open-windows' ? e.windows : []))
    expect(open.length).toBeGreaterThan(0)
    expect(open[0]).toMatchObject({key: expect.any(String), window: {start: expect.any(String), end: expect.any(String)}, value: {total: expect.any(Number), count: expect.any(Number)}})

    const dead = await readCommitted(deadLetters)
    expect(dead).toHaveLength(expected.late + expected.malformed)
    const reasons = dead.map((d) => d.headers[DEAD_LETTER_HEADERS.reason])
    expect(reasons.filter((r) => r === 'malformed-json')).toHaveLength(expected.malformed)
    expect(reasons.filter((r) => r === 'late')).toHaveLength(expected.late)
    const first = dead.find((d) => d.headers[DEAD_LETTER_HEADERS.reason] === 'malformed-json')!
    const source = records.filter((r) => r.partition === Number(first.headers[DEAD_LETTER_HEADERS.sourcePartition]))[Number(first.headers[DEAD_LETTER_HEADERS.sourceOffset])]
    expect(first.headers[DEAD_LETTER_HEADERS.pipeline]).toBe('analytics')
    expect(first.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(input)
    expect(first.value).toBe(source.value)
    expect(first.key).toBe(source.key)
  })

  it('with --from latest, a new group reads only what comes after it joined, and its windows are those of that part alone', async () => {
    const groupId = services.groupId('analytics-latest')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const backlog = seedOrders({count: 3000, seed: 43, start: Date.UTC(2024, 1, 1), stepMs: 50})
    const later = seedOrders({count: 3000, seed: 44, start: Date.UTC(2024, 1, 2), stepMs: 50})
    await produce(input, backlog)
    // Read positions known for the three input partitions: the consumer stands at their end.
    let settled!: () => void
    const atEnd = new Promise<void>((resolve) => (settled = resolve))
    const run = runOn(groupId, input, deadLetters, {
      from: 'latest',
      statsIntervalMs: 200,
      onEvent: (e) => {
        if (e.type === 'stats' && e.partitions.filter((p) => p.topic === input && p.position !== undefined).length === 3) settled()
      },
    })
    run.catch(() => undefined) // awaited below
    await Promise.race([atEnd, run])
    // The positions may come from the log ends the run reads; the consumer resolves its own at its first fetch,
    // right after it joined: a moment more for it.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await produce(input, later)
    const summary = await run
    const expected = expectedSummaries(later)
    expect(summary.recordsIn).toBe(later.length)
    // The later orders' windows (a few late ones reach back before their day), and none of the backlog's.
    const rows = await file.db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT, WINDOW_END FROM order_summary WHERE INTERVAL_TIMESTAMP >= ?', [new Date(Date.UTC(2024, 1, 1, 12))])
    expect(rowsAsWindows(rows)).toEqual(expected.windows)
    const before = await file.db.pool.query('SELECT COUNT(*) AS n FROM order_summary WHERE INTERVAL_TIMESTAMP >= ? AND INTERVAL_TIMESTAMP < ?', [new Date(Date.UTC(2024, 1, 1)), new Date(Date.UTC(2024, 1, 1, 12))])
    expect(Number((before as Array<{n: number | bigint}>)[0].n)).toBe(0)
  })
})
