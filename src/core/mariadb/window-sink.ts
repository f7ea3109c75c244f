/**
 * Idempotent window sinks: each closed (window, key) becomes one row, upserted on the table's unique key
 * (window start, key). Writing the same result twice (a replay after a crash) leaves the same row, so the
 * engine may write before it commits its offsets.
 */
import {SstreamError} from '../errors.js'
import {TABLES} from '../names.js'
import type {StoreSink, WindowResult} from '../stream/types.js'
import {checkMaria, createMariaPool, toMariaError, type Pool} from './pool.js'

export interface WindowTable<Out> {
  table: string
  startColumn: string
  endColumn: string
  keyColumn: string
  /** The other columns and how to read them from a result. */
  values: Array<{column: string; value: (out: Out) => unknown}>
}

export interface WindowSinkOptions {
  url: string
  /** The output's name in events; the table name by default. */
  name?: string
  connectionLimit?: number
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new SstreamError('USAGE', `"${name}" is not a table or column name sstream accepts.`, {nextSteps: ['Use letters, digits and underscores.']})
  }
  return `\`${name}\``
}

/** A store sink that upserts window results into a table. */
export function createWindowSink<Out>(spec: WindowTable<Out>, options: WindowSinkOptions): StoreSink<WindowResult<Out>> {
  const table = quoteIdentifier(spec.table)
  const columns = [spec.startColumn, spec.endColumn, spec.keyColumn, ...spec.values.map((v) => v.column)].map(quoteIdentifier)
  const updates = [spec.endColumn, ...spec.values.map((v) => v.column)].map((c) => `${quoteIdentifier(c)} = VALUES(${quoteIdentifier(c)})`)
  const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON DUPLICATE KEY UPDATE ${updates.join(', ')}`
  let pool: Pool | undefined
  return {
    kind: 'store',
    name: options.name ?? spec.table,
    service: 'mariadb',
    async open() {
      await checkMaria(options.url)
      pool = createMariaPool(options.url, {connectionLimit: options.connectionLimit ?? 2})
      try {
        await pool.query(`SELECT 1 FROM ${table} LIMIT 0`)
      } catch (error) {
        await pool.end().catch(() => undefined)
        pool = undefined
        throw toMariaError(error, options.url, `read ${spec.table}`)
      }
    },
    async write(items) {
      if (items.length === 0) return
      if (!pool) pool = createMariaPool(options.url, {connectionLimit: options.connectionLimit ?? 2})
      const rows = items.map((r) => [new Date(r.windowStart), new Date(r.windowEnd), r.key, ...spec.values.map((v) => v.value(r.value))])
      try {
        await pool.batch(sql, rows)
      } catch (error) {
        throw toMariaError(error, options.url, `write ${spec.table}`)
      }
    },
    async close() {
      await pool?.end().catch(() => undefined)
      pool = undefined
    },
  }
}

/** `order_summary`: one row per (5 s window, product). */
export function orderSummarySink(options: WindowSinkOptions & {table?: string}): StoreSink<WindowResult<{total: number; count: number}>> {
  return createWindowSink<{total: number; count: number}>(
    {
      table: options.table ?? TABLES.orderSummary,
      startColumn: 'INTERVAL_TIMESTAMP',
      endColumn: 'WINDOW_END',
      keyColumn: 'PRODUCT',
      values: [
        {column: 'TOTAL_VALUE', value: (o) => o.total.toFixed(2)},
        {column: 'ORDER_COUNT', value: (o) => o.count},
      ],
    },
    options,
  )
}

/** `user_view_summary`: minutes viewed and views per (5 s window, user). */
export function userViewSummarySink(options: WindowSinkOptions & {table?: string}): StoreSink<WindowResult<{minutes: number; views: number}>> {
  return createWindowSink<{minutes: number; views: number}>(
    {
      table: options.table ?? TABLES.userViewSummary,
      startColumn: 'WINDOW_START',
      endColumn: 'WINDOW_END',
      keyColumn: 'USER_NAME',
      values: [
        {column: 'TOTAL_MINUTES', value: (v) => v.minutes},
        {column: 'VIEW_COUNT', value: (v) => v.views},
      ],
    },
    options,
  )
}
