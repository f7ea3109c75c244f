/**
 * The original course's StreamingAnalytics job next to sstream: its exact three-column INSERT works
 * against the order_summary that `sstream setup db` makes, and `watch orders`, the DB summary line and
 * `status` read the row; `setup db` leaves the original's own table alone. Through the built CLI.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {createMariaPool} from '../../src/core/mariadb/index.js'
import {orderSummarySink} from '../../src/core/mariadb/window-sink.js'
import {lastJson, runCli} from '../helpers/cli.js'
import {uniqueIdentifier} from '../helpers/names.js'
import {adminUrl, TestServices} from '../helpers/services.js'

const services = new TestServices()
afterAll(() => services.cleanup())

/**
 * MariaDBManager.insertSummary's statement, put together by string concatenation as the original does
 * (not parameterised): `INSERT INTO order_summary (INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE) VALUES ( '<ts>', '<product>',<value>)`.
 */
function originalInsert(timestamp: string, product: string, value: string): string {
  return 'INSERT INTO order_summary (INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE) VALUES ( \'' + timestamp + "', '" + product + "'," + value + ')'
}

/** A fresh database and application user; both dropped at clean-up. */
function freshDatabase(prefix: string): {database: string; user: string; url: string} {
  const database = uniqueIdentifier(prefix)
  const user = uniqueIdentifier('u').slice(0, 30)
  services.defer(async () => {
    const admin = createMariaPool(adminUrl, {connectionLimit: 1})
    try {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
      for (const host of ['%', 'localhost']) await admin.query('DROP USER IF EXISTS ?@?', [user, host])
    } finally {
      await admin.end()
    }
  })
  return {database, user, url: `mariadb://${user}:pw@127.0.0.1:3306/${database}`}
}

interface WatchOrdersJson {
  view: 'orders'
  totals: {records: number; value: number}
  latest: Array<{windowStart: string; windowEnd: string; product: string; value: number; orders: number | null}>
}

describe('the original StreamingAnalytics job writing to sstream’s order_summary', () => {
  it('inserts with its three-column INSERT, and watch orders, the DB summary and status read the rows', async () => {
    const {url} = freshDatabase('sst_orig')
    const setup = await runCli(['setup', 'db', '--mariadb-url', url, '--admin-url', adminUrl, '--json'])
    expect(setup.code, setup.stderr).toBe(0)
    const migrations = lastJson<{migrations: Array<{version: number; name: string; status: string}>}>(setup.stdout).migrations
    expect(migrations.find((m) => m.version === 3)).toEqual({version: 3, name: 'added_column_defaults', status: 'applied'})

    // The original job's rows: Timestamp.toString() of the window start (local time), the product, a Java double.
    const statement = originalInsert('2021-06-30 12:11:15.0', 'Mouse', '31.5')
    expect(statement).toBe("INSERT INTO order_summary (INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE) VALUES ( '2021-06-30 12:11:15.0', 'Mouse',31.5)")
    const pool = createMariaPool(url, {connectionLimit: 1})
    try {
      await pool.query(statement)
      await pool.query(originalInsert('2021-06-30 12:11:15.0', 'Monitor', '140.0'))
      await pool.query(originalInsert('2021-06-30 12:11:20.0', 'Mouse', '42.0'))
      const rows = (await pool.query('SELECT PRODUCT, WINDOW_END, ORDER_COUNT, UPDATED_AT FROM order_summary ORDER BY ID')) as Array<Record<string, unknown>>
      expect(rows.map((r) => [r.PRODUCT, r.WINDOW_END, r.ORDER_COUNT])).toEqual([
        ['Mouse', null, null],
        ['Monitor', null, null],
        ['Mouse', null, null],
      ])
      expect(rows.every((r) => r.UPDATED_AT instanceof Date)).toBe(true)
    } finally {
      await pool.end()
    }
    // And one window sstream's analytics sink writes, with its end and count, in the same table.
    const keyboard = new Date(2021, 5, 30, 12, 11, 20).getTime()
    const sink = orderSummarySink({url})
    await sink.open()
    try {
      await sink.write([{windowStart: keyboard, windowEnd: keyboard + 5000, key: 'Keyboard', value: {exactTotal: '75.00', count: 2}}], {
        pipeline: 'analytics',
        topic: 'orders',
        partition: 0,
        nextOffset: 1,
      })
    } finally {
      await sink.close()
    }

    const watch = await runCli(['watch', 'orders', '--once', '--json', '--mariadb-url', url])
    expect(watch.code, watch.stderr).toBe(0)
    const result = lastJson<WatchOrdersJson>(watch.stdout)
    const at = (h: number, m: number, s: number) => new Date(2021, 5, 30, h, m, s).toISOString()
    expect(result.totals).toEqual({records: 4, value: 288.5})
    expect(result.latest).toEqual([
      {windowStart: at(12, 11, 20), windowEnd: at(12, 11, 25), product: 'Keyboard', value: 75, orders: 2},
      // The original's rows: the end is the start + 5 s, the count unknown.
      {windowStart: at(12, 11, 15), windowEnd: at(12, 11, 20), product: 'Monitor', value: 140, orders: null},
      {windowStart: at(12, 11, 20), windowEnd: at(12, 11, 25), product: 'Mouse', value: 42, orders: null},
    ])

    const plain = await runCli(['watch', 'orders', '--once', '--mariadb-url', url])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toContain(' DB Summary : Records = 4, Value = 288.5')

    const status = await runCli(['status', '--json', '--table', 'order_summary', '--mariadb-url', url])
    const tables = lastJson<{tables: Array<{table: string; rows: number | null}>}>(status.stdout).tables
    expect(tables).toEqual([{table: 'order_summary', rows: 4}])

    // Running the set-up again applies nothing and keeps the rows.
    const again = await runCli(['setup', 'db', '--mariadb-url', url, '--admin-url', adminUrl, '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(lastJson<{migrations: Array<{status: string}>}>(again.stdout).migrations.every((m) => m.status === 'already applied')).toBe(true)
    const after = await runCli(['watch', 'orders', '--once', '--json', '--mariadb-url', url])
    expect(lastJson<WatchOrdersJson>(after.stdout).totals).toEqual({records: 4, value: 288.5})
  })

  it('leaves the order_summary the original course’s setup made untouched, and says what to do', async () => {
    const {database, url} = freshDatabase('sst_origtable')
    const admin = createMariaPool(adminUrl, {connectionLimit: 1})
    let before: unknown
    try {
      await admin.query(`CREATE DATABASE \`${database}\``)
      // The table of the original's "Setup MariaDB" text.
      await admin.query(
        `CREATE TABLE \`${database}\`.order_summary (
           ID int(11) NOT NULL AUTO_INCREMENT,
           INTERVAL_TIMESTAMP varchar(45) DEFAULT NULL,
           PRODUCT varchar(45) DEFAULT NULL,
           TOTAL_VALUE double DEFAULT NULL,
           PRIMARY KEY (ID)
         ) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
      )
      await admin.query(`USE \`${database}\``)
      await admin.query(originalInsert('2021-06-30 12:11:15.0', 'Mouse', '31.5'))
      before = await admin.query('SHOW CREATE TABLE order_summary')
    } finally {
      await admin.end()
    }

    const setup = await runCli(['setup', 'db', '--mariadb-url', url, '--admin-url', adminUrl, '--json'])
    expect(setup.code).toBe(1)
    const error = lastJson<{error: {code: string; message: string; nextSteps: string[]}}>(setup.stdout).error
    expect(error.code).toBe('MARIADB_ERROR')
    expect(error.message).toContain(`${database}.order_summary`)
    expect(error.message).toContain('WINDOW_END')
    expect(error.nextSteps.join(' ')).toContain('RENAME TABLE order_summary TO order_summary_original')

    const check = createMariaPool(`${adminUrl}/${database}`, {connectionLimit: 1})
    try {
      expect(await check.query('SHOW CREATE TABLE order_summary')).toEqual(before)
      expect(await check.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE FROM order_summary')).toEqual([{INTERVAL_TIMESTAMP: '2021-06-30 12:11:15.0', PRODUCT: 'Mouse', TOTAL_VALUE: 31.5}])
      expect(await check.query('SHOW TABLES')).toHaveLength(1)
    } finally {
      await check.end()
    }
  })
})
