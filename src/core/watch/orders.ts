/**
 * `watch orders`: the windows the analytics pipeline writes to MariaDB `order_summary`, and the original's
 * periodic DB summary: `SELECT count(*), sum(TOTAL_VALUE) … WHERE ID > <the largest ID at start>`.
 */
import {SstreamError} from '../errors.js'
import {createMariaPool, isMariaConnectionError, redactUrl, toMariaError, type Pool} from '../mariadb/index.js'
import {TABLES} from '../names.js'
import {initialViewState, reduceView} from '../tui/store.js'
import type {ViewEvent, ViewState, WindowResult} from '../tui/model.js'
import type {WatchCommonOptions} from './board.js'
import {PauseGate, sleep} from '../async.js'

export interface WatchOrdersOptions extends WatchCommonOptions {
  mariadbUrl: string
  /** Default order_summary. */
  table?: string
  /** Rows read per refresh, newest windows first (enough for the sparklines). */
  limit?: number
}

export interface WatchOrdersResult {
  view: 'orders'
  table: string
  refreshes: number
  /**
   * Rows and total value counted by the summary: written since the watch started, as the original's
   * printer counted them; with --once, the whole table.
   */
  totals: {records: number; value: number}
  /**
   * The latest closed window of each product. A row the original job wrote has no end and no count: its
   * end is its start + 5 s, its `orders` null.
   */
  latest: Array<{windowStart: string; windowEnd: string; product: string; value: number; orders: number | null}>
}

const IDENTIFIER = /^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64})?$/

/** A table name checked and quoted for SQL (identifiers cannot be parameters). */
export function quoteTable(table: string): string {
  if (!IDENTIFIER.test(table)) {
    throw new SstreamError('USAGE', `"${table}" is not a table name.`, {nextSteps: ['Use letters, digits and _ only, optionally as database.table.']})
  }
  return table
    .split('.')
    .map((part) => `\`${part}\``)
    .join('.')
}

interface SummaryRow {
  INTERVAL_TIMESTAMP: Date
  /** NULL in a row of a writer that leaves it out: the original job inserts only start, product and value. */
  WINDOW_END: Date | null
  PRODUCT: string
  TOTAL_VALUE: string | number
  ORDER_COUNT: number | null
}

/** The original course's analytics windows: 5 s. A row without WINDOW_END ends 5 s after its start. */
export const ORIGINAL_WINDOW_MS = 5000

export async function readOrderWindows(pool: Pool, table: string, limit: number): Promise<WindowResult[]> {
  const rows = (await pool.query(
    `SELECT INTERVAL_TIMESTAMP, WINDOW_END, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM ${quoteTable(table)} ORDER BY INTERVAL_TIMESTAMP DESC, PRODUCT LIMIT ?`,
    [limit],
  )) as SummaryRow[]
  return rows.map((r) => {
    const windowStart = new Date(r.INTERVAL_TIMESTAMP).getTime()
    return {
      windowStart,
      windowEnd: r.WINDOW_END === null ? windowStart + ORIGINAL_WINDOW_MS : new Date(r.WINDOW_END).getTime(),
      key: r.PRODUCT,
      value: Number(r.TOTAL_VALUE),
      count: r.ORDER_COUNT === null ? null : Number(r.ORDER_COUNT),
    }
  })
}

/** The original printer's query: rows with ID > afterId, and their total value. */
export async function readOrderTotals(pool: Pool, table: string, afterId: number): Promise<{records: number; value: number}> {
  const rows = (await pool.query(`SELECT count(*) AS records, sum(TOTAL_VALUE) AS value FROM ${quoteTable(table)} WHERE ID > ?`, [afterId])) as Array<{
    records: number | bigint
    value: string | number | null
  }>
  return {records: Number(rows[0]?.records ?? 0), value: Number(rows[0]?.value ?? 0)}
}

export async function watchOrders(options: WatchOrdersOptions): Promise<WatchOrdersResult> {
  const {mariadbUrl, intervalMs, once = false, signal, gate = new PauseGate(), clock = Date.now, limit = 500} = options
  const table = options.table ?? TABLES.orderSummary
  quoteTable(table)
  let state: ViewState = initialViewState('orders', `${redactUrl(mariadbUrl)} ${table}`)
  const emit = (event: ViewEvent): void => {
    state = reduceView(state, event)
    options.onEvent?.(event)
  }
  const pool = createMariaPool(mariadbUrl, {connectionLimit: 1})
  let down = false
  let refreshes = 0
  try {
    // Start-up: a clear error within seconds when MariaDB or the table is missing.
    let afterId = 0
    try {
      const rows = (await pool.query(`SELECT IFNULL(MAX(ID),0) AS latestId FROM ${quoteTable(table)}`)) as Array<{latestId: number | bigint}>
      if (!once) afterId = Number(rows[0]?.latestId ?? 0)
    } catch (error) {
      throw toMariaError(error, mariadbUrl, `read ${table}`)
    }
    emit({type: 'service', service: 'mariadb', state: 'ok', at: clock()})
    while (!signal.aborted) {
      await gate.wait(signal)
      if (signal.aborted) break
      try {
        const [windows, totals] = [await readOrderWindows(pool, table, limit), await readOrderTotals(pool, table, afterId)]
        if (down) emit({type: 'service', service: 'mariadb', state: 'ok', at: clock()})
        down = false
        refreshes += 1
        emit({type: 'windows-snapshot', windows, totals, at: clock()})
      } catch (error) {
        if (once || !isMariaConnectionError(error)) throw toMariaError(error, mariadbUrl, `read ${table}`)
        if (!down) emit({type: 'service', service: 'mariadb', state: 'down', message: toMariaError(error, mariadbUrl).message, at: clock()})
        down = true
      }
      if (once) break
      await sleep(intervalMs, signal)
    }
  } finally {
    await pool.end().catch(() => undefined)
  }
  return {view: 'orders', table, refreshes, totals: state.analytics.totals, latest: latestWindows(state.analytics.closed)}
}

/** The latest window of each key, as JSON. */
export function latestWindows(windows: WindowResult[]): Array<{windowStart: string; windowEnd: string; product: string; value: number; orders: number | null}> {
  const latest = new Map<string, WindowResult>()
  for (const w of windows) if ((latest.get(w.key)?.windowStart ?? -Infinity) < w.windowStart) latest.set(w.key, w)
  return [...latest.values()]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((w) => ({windowStart: new Date(w.windowStart).toISOString(), windowEnd: new Date(w.windowEnd).toISOString(), product: w.key, value: w.value, orders: w.count}))
}
