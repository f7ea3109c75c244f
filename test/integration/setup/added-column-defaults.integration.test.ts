/**
 * Migration 3 on a database that already holds sstream's rows: the rows keep their values, the migration
 * is recorded once, and the original job's three-column INSERT works afterwards.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {applyMigrations, createMariaPool, loadMigrations} from '../../../src/core/mariadb/index.js'
import {uniqueIdentifier} from '../../helpers/names.js'
import {adminUrl, TestServices} from '../../helpers/services.js'

const services = new TestServices()
afterAll(() => services.cleanup())

describe('the added-column defaults migration', () => {
  it('upgrades a table with rows in place, once, without changing them', async () => {
    const database = uniqueIdentifier('sst_upgrade')
    const admin = createMariaPool(adminUrl, {connectionLimit: 1})
    await admin.query(`CREATE DATABASE \`${database}\``).finally(() => admin.end())
    services.defer(async () => {
      const drop = createMariaPool(adminUrl, {connectionLimit: 1})
      await drop.query(`DROP DATABASE IF EXISTS \`${database}\``).finally(() => drop.end())
    })
    const pool = createMariaPool(`${adminUrl}/${database}`, {connectionLimit: 1})
    try {
      const all = await loadMigrations()
      // A database set up before the migration existed, with a window sstream wrote.
      await applyMigrations(pool, all.filter((m) => m.version < 3))
      const start = new Date(2024, 4, 1, 12, 0, 0)
      await pool.query('INSERT INTO order_summary (INTERVAL_TIMESTAMP, WINDOW_END, PRODUCT, TOTAL_VALUE, ORDER_COUNT) VALUES (?, ?, ?, ?, ?)', [
        start,
        new Date(start.getTime() + 5000),
        'Keyboard',
        '75.00',
        3,
      ])
      const before = await pool.query('SELECT * FROM order_summary')
      await expect(pool.query("INSERT INTO order_summary (INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE) VALUES ( '2024-05-01 12:00:05.0', 'Mouse',31.5)")).rejects.toThrow(
        /WINDOW_END/,
      )

      const reports = await applyMigrations(pool, all)
      expect(reports.filter((r) => r.status === 'applied')).toEqual([
        {version: 3, name: 'added_column_defaults', status: 'applied'},
        {version: 4, name: 'binary_window_keys', status: 'applied'},
      ])
      expect(await pool.query('SELECT * FROM order_summary')).toEqual(before)
      await pool.query("INSERT INTO order_summary (INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE) VALUES ( '2024-05-01 12:00:05.0', 'Mouse',31.5)")
      expect(await pool.query("SELECT WINDOW_END, ORDER_COUNT, TOTAL_VALUE FROM order_summary WHERE PRODUCT = 'Mouse'")).toEqual([{WINDOW_END: null, ORDER_COUNT: null, TOTAL_VALUE: '31.50'}])

      expect((await applyMigrations(pool, all)).every((r) => r.status === 'already applied')).toBe(true)
      expect(await pool.query('SELECT VERSION AS version, NAME AS name FROM sstream_schema_version WHERE VERSION = 3')).toEqual([{version: 3, name: 'added_column_defaults'}])
    } finally {
      await pool.end()
    }
  })
})
