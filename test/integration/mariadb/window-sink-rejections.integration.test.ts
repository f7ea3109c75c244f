/**
 * The MariaDB window sinks tell a content rejection from an outage, against real servers: a row MariaDB
 * refuses for its values comes back as `rejected` (by index, with MariaDB's words) and the rest of the batch
 * is written; a server that is gone (a private mariadbd, stopped) is an outage, thrown, whatever the rows.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SstreamError} from '../../../src/core/errors.js'
import {createMariaPool} from '../../../src/core/mariadb/index.js'
import {orderSummarySink, userViewSummarySink} from '../../../src/core/mariadb/window-sink.js'
import type {SinkWriteContext, SinkWriteResult, WindowResult} from '../../../src/core/stream/types.js'
import {uniqueIdentifier} from '../../helpers/names.js'
import {freshDatabase} from '../../helpers/services.js'
import {createTestDatabase} from '../stream/fixtures.js'
import {startPrivateMariaDb, type PrivateMariaDb} from './private-mariadb.js'

const context: SinkWriteContext = {pipeline: 'analytics', topic: 'repartition', partition: 0, nextOffset: 1}
const T0 = Date.UTC(2024, 0, 1)

type Summary = WindowResult<{exactTotal: string; count: number}>
const summary = (i: number, product: string, exactTotal: string, start = T0 + i * 5000): Summary => ({windowStart: start, windowEnd: start + 5000, key: product, value: {exactTotal, count: i + 1}})

let db: Awaited<ReturnType<typeof createTestDatabase>>
let privateDb: PrivateMariaDb | undefined

beforeAll(async () => {
  db = await createTestDatabase()
})

afterAll(async () => {
  await db?.drop()
  await privateDb?.remove()
})

async function rows(table = 'order_summary'): Promise<Array<Record<string, unknown>>> {
  return (await db.pool.query(`SELECT * FROM ${table} ORDER BY ID`)) as Array<Record<string, unknown>>
}

describe('the order_summary sink', () => {
  it('returns the rows MariaDB refuses for their content, with its words, and writes the rest of the batch', async () => {
    const sink = orderSummarySink({url: db.url})
    await sink.open()
    try {
      const items: Summary[] = Array.from({length: 40}, (_, i) => summary(i, i % 2 === 0 ? 'Mouse' : 'mouse', `${i}.25`))
      items[3] = summary(3, 'p'.repeat(300), '1.00') // ER_DATA_TOO_LONG
      items[17] = summary(17, 'Keyboard', '100000000000000.00') // beyond DECIMAL(16,2)
      items[18] = summary(18, 'Keyboard', 'NaN') // not a decimal (an old overflowed partial)
      items[30] = summary(30, 'Monitor', '5.00', Date.UTC(10000, 0, 1)) // beyond DATETIME
      const first = (await sink.write(items, context)) as SinkWriteResult
      expect(first.rejected.map((r) => r.index)).toEqual([3, 17, 18, 30])
      expect(first.rejected[0].message).toMatch(/Data too long for column 'PRODUCT'.*ER_DATA_TOO_LONG, 1406/)
      expect(first.rejected[1].message).toMatch(/Out of range value for column 'TOTAL_VALUE'.*1264/)
      expect(first.rejected[2].message).toMatch(/TOTAL_VALUE.*1366/)
      expect(first.rejected[3].message).toMatch(/outside what order_summary's DATETIME columns hold/)
      const written = await rows()
      // Every other row, exactly, and "Mouse" and "mouse" are two keys (byte-wise collation).
      expect(written).toHaveLength(36)
      const expected = items.filter((_, i) => ![3, 17, 18, 30].includes(i))
      expect(written.map((r) => [r.PRODUCT, String(r.TOTAL_VALUE), r.ORDER_COUNT, (r.INTERVAL_TIMESTAMP as Date).getTime()])).toEqual(
        expected.map((s) => [s.key, s.value.exactTotal, s.value.count, s.windowStart]),
      )
      // A replay of the same batch: the same rejections, and the rows stay as they are (idempotent upserts).
      const again = (await sink.write(items, context)) as SinkWriteResult
      expect(again.rejected.map((r) => r.index)).toEqual([3, 17, 18, 30])
      expect(await rows()).toHaveLength(36)
      // A batch MariaDB takes whole: nothing rejected.
      expect(await sink.write([summary(100, 'Mouse ', '99999999999999.99')], context)).toBeUndefined()
      const [edge] = (await db.pool.query("SELECT TOTAL_VALUE FROM order_summary WHERE PRODUCT = 'Mouse '")) as Array<{TOTAL_VALUE: string}>
      expect(String(edge.TOTAL_VALUE)).toBe('99999999999999.99')
    } finally {
      await sink.close()
    }
  })

  it('refuses rather than clips, even on a server whose SQL mode is not strict', async () => {
    const root = createMariaPool('mariadb://root@127.0.0.1:3306', {connectionLimit: 1})
    const user = uniqueIdentifier('lax')
    try {
      // A session default that is not strict, as some servers are configured: the sink sets its own.
      await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'lax'`)
      await root.query(`GRANT ALL ON \`${db.name}\`.* TO '${user}'@'%'`)
      await root.query(`ALTER USER '${user}'@'%' WITH MAX_USER_CONNECTIONS 10`)
      const url = `mariadb://${user}:lax@127.0.0.1:3306/${db.name}`
      const lax = createMariaPool(url, {connectionLimit: 1})
      await lax.query("SET SESSION sql_mode = ''")
      await lax.query("INSERT INTO order_summary (INTERVAL_TIMESTAMP, WINDOW_END, PRODUCT, TOTAL_VALUE, ORDER_COUNT) VALUES (NOW(), NOW(), 'clip', '100000000000000.00', 1)")
      const [clipped] = (await lax.query("SELECT TOTAL_VALUE FROM order_summary WHERE PRODUCT = 'clip'")) as Array<{TOTAL_VALUE: string}>
      expect(String(clipped.TOTAL_VALUE)).toBe('99999999999999.99') // what a non-strict session does
      await lax.end()
      const sink = orderSummarySink({url})
      await sink.open()
      try {
        const result = (await sink.write([summary(200, 'Keyboard', '100000000000000.00')], context)) as SinkWriteResult
        expect(result.rejected).toHaveLength(1)
      } finally {
        await sink.close()
      }
    } finally {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`)
      await root.end()
    }
  })
})

describe('the user_view_summary sink', () => {
  it('returns a window whose minutes are beyond the INT column as rejected and writes the others', async () => {
    const sink = userViewSummarySink({url: db.url})
    await sink.open()
    try {
      const items = [
        {windowStart: T0, windowEnd: T0 + 5000, key: 'Bob', value: {minutes: 12, views: 3}},
        {windowStart: T0, windowEnd: T0 + 5000, key: 'Kathy', value: {minutes: 2 ** 31, views: 3}},
        {windowStart: T0, windowEnd: T0 + 5000, key: 'bob', value: {minutes: 2 ** 31 - 1, views: 1}},
      ]
      const result = (await sink.write(items, context)) as SinkWriteResult
      expect(result.rejected).toEqual([{index: 1, message: expect.stringMatching(/Out of range value for column 'TOTAL_MINUTES'.*1264/)}])
      expect((await rows('user_view_summary')).map((r) => [r.USER_NAME, r.TOTAL_MINUTES])).toEqual([
        ['Bob', 12],
        ['bob', 2 ** 31 - 1],
      ])
    } finally {
      await sink.close()
    }
  })
})

describe('a large write', () => {
  it('upserts more rows than one statement holds, each as given, and rejects only the refused one', async () => {
    const sink = userViewSummarySink({url: db.url, table: 'user_view_summary'})
    await sink.open()
    try {
      await db.pool.query('DELETE FROM user_view_summary')
      const users = ['Bob', "O'Brien", 'Zoë', 'back\\slash', 'Mike']
      const items = Array.from({length: 1203}, (_, i) => {
        const start = T0 + 86_400_000 + Math.floor(i / users.length) * 5000
        return {windowStart: start, windowEnd: start + 5000, key: users[i % users.length], value: {minutes: i === 700 ? 2 ** 31 : i, views: i + 1}}
      })
      const result = (await sink.write(items, context)) as SinkWriteResult
      expect(result.rejected.map((r) => r.index)).toEqual([700])
      const written = (await db.pool.query('SELECT WINDOW_START, WINDOW_END, USER_NAME, TOTAL_MINUTES, VIEW_COUNT FROM user_view_summary ORDER BY WINDOW_START, ID')) as Array<Record<string, unknown>>
      expect(written.map((r) => [(r.WINDOW_START as Date).getTime(), (r.WINDOW_END as Date).getTime(), r.USER_NAME, r.TOTAL_MINUTES, r.VIEW_COUNT])).toEqual(
        items.filter((_, i) => i !== 700).map((w) => [w.windowStart, w.windowEnd, w.key, w.value.minutes, w.value.views]),
      )
    } finally {
      await sink.close()
    }
  })
})

describe('rejection vs outage, side by side', () => {
  it('a stopped private mariadbd is an outage (thrown, whatever the rows); after its restart the same batch is written and its bad row rejected', async () => {
    privateDb = await startPrivateMariaDb()
    const {url, pool} = await freshDatabase({prefix: 'outage', serverUrl: privateDb.url, connectionLimit: 1})
    await pool.end()

    const sink = orderSummarySink({url})
    await sink.open()
    try {
      const batch = [summary(0, 'Mouse', '1.00'), summary(1, 'x'.repeat(100), '2.00'), summary(2, 'Keyboard', '3.00')]
      expect(((await sink.write(batch, context)) as SinkWriteResult).rejected.map((r) => r.index)).toEqual([1])

      await privateDb.stop()
      const outage = await sink.write(batch, context).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(outage).toBeInstanceOf(SstreamError)
      expect((outage as SstreamError).code).toBe('MARIADB_UNREACHABLE')
      // Good rows alone fail the same way: the server, not the data.
      await expect(sink.write([summary(5, 'Monitor', '4.00')], context)).rejects.toMatchObject({code: 'MARIADB_UNREACHABLE'})

      await privateDb.start()
      const after = (await sink.write([...batch, summary(5, 'Monitor', '4.00')], context)) as SinkWriteResult
      expect(after.rejected.map((r) => r.index)).toEqual([1])
      const check = createMariaPool(url, {connectionLimit: 1})
      const stored = (await check.query('SELECT PRODUCT, TOTAL_VALUE FROM order_summary ORDER BY PRODUCT')) as Array<{PRODUCT: string; TOTAL_VALUE: string}>
      await check.end()
      expect(stored.map((r) => [r.PRODUCT, String(r.TOTAL_VALUE)])).toEqual([
        ['Keyboard', '3.00'],
        ['Monitor', '4.00'],
        ['Mouse', '1.00'],
      ])
    } finally {
      await sink.close()
    }
  })
})
