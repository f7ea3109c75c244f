/**
 * Idempotent window sinks: each closed (window, key) becomes one row, upserted on the table's unique key
 * (window start, key). Writing the same result twice (a replay after a crash) leaves the same row, so the
 * engine may write before it commits its offsets.
 *
 * Rejection vs outage: the connections run in strict SQL mode, so a value a column cannot hold is an error,
 * never a clipped number or a cut string. When MariaDB refuses a batch with a data error (isMariaDataError:
 * by error number), the sink splits it in halves and writes each, down to the single rows it refuses: those
 * come back as `rejected` with MariaDB's words, the rest is written. Any other failure is an outage (thrown).
 */
import {SstreamError} from '../errors.js'
import {TABLES} from '../names.js'
import type {SinkWriteResult, StoreSink, WindowResult} from '../stream/types.js'
import {fitsDatetime} from './schema.js'
import {checkMaria, createMariaPool, isMariaDataError, mariaDataErrorMessage, toMariaError, type Pool} from './pool.js'

export interface WindowTable<Out> {
  table: string
  /** The table `sstream setup db` makes with these columns; `table` is another name for one like it (--table). */
  setupTable?: string
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

/** The most rows one statement upserts. */
const MAX_ROWS = 500

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
  const row = `(${columns.map(() => '?').join(', ')})`
  const update = ` ON DUPLICATE KEY UPDATE ${updates.join(', ')}`
  const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${row}${update}`
  /** The statement that upserts `count` rows at once. */
  const rowsSql = (count: number): string => `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({length: count}, () => row).join(', ')}${update}`
  let pool: Pool | undefined
  const connect = (): Pool => createMariaPool(options.url, {connectionLimit: options.connectionLimit ?? 2, strict: true})

  /**
   * Writes rows[from, to) in one statement (a multi-row upsert: one round trip, where the bulk protocol of
   * `batch` took several times as long for the few rows of a window write); the refused ones (data errors) are
   * added to `rejected`, bisecting a refused statement.
   */
  const writeRange = async (db: Pool, rows: unknown[][], from: number, to: number, rejected: SinkWriteResult['rejected']): Promise<void> => {
    try {
      if (to - from === 1) await db.query(sql, rows[from])
      else await db.query(rowsSql(to - from), rows.slice(from, to).flat())
    } catch (error) {
      if (!isMariaDataError(error)) throw toMariaError(error, options.url, `write ${spec.table}`)
      if (to - from === 1) {
        rejected.push({index: from, message: `MariaDB refuses the row for ${spec.table}: ${mariaDataErrorMessage(error)}`})
        return
      }
      // A refused statement wrote none of its rows (and upserts are idempotent in any case).
      const middle = from + Math.ceil((to - from) / 2)
      await writeRange(db, rows, from, middle, rejected)
      await writeRange(db, rows, middle, to, rejected)
    }
  }

  return {
    kind: 'store',
    name: options.name ?? spec.table,
    service: 'mariadb',
    async open() {
      await checkMaria(options.url)
      pool = connect()
      try {
        await pool.query(`SELECT 1 FROM ${table} LIMIT 0`)
      } catch (error) {
        await pool.end().catch(() => undefined)
        pool = undefined
        const mapped = toMariaError(error, options.url, `read ${spec.table}`)
        // `sstream setup db` makes only its own tables: a table of another name is the user's to create.
        if (isNoSuchTable(error) && spec.setupTable !== undefined && spec.setupTable !== spec.table) {
          throw new SstreamError(mapped.code, mapped.message, {
            cause: error,
            nextSteps: [
              `Create it with the columns of ${spec.setupTable} (made by \`sstream setup db\`): \`CREATE TABLE ${spec.table} LIKE ${spec.setupTable};\` in that database,`,
              `or leave out --table to write to ${spec.setupTable}.`,
            ],
          })
        }
        throw mapped
      }
    },
    async write(items) {
      if (items.length === 0) return
      pool ??= connect()
      const rejected: SinkWriteResult['rejected'] = []
      // The client would send a date beyond the year 9999 (or an invalid one) in a form the server reads
      // as something else: such a window is refused here, before MariaDB sees it.
      const indexes: number[] = []
      items.forEach((r, index) => {
        if (fitsDatetime(r.windowStart) && fitsDatetime(r.windowEnd)) indexes.push(index)
        else rejected.push({index, message: `The window ${r.windowStart}–${r.windowEnd} (ms) is outside what ${spec.table}'s DATETIME columns hold (1000-01-01 to 9999-12-31).`})
      })
      const rows = indexes.map((index) => {
        const r = items[index]
        return [new Date(r.windowStart), new Date(r.windowEnd), r.key, ...spec.values.map((v) => v.value(r.value))]
      })
      const refused: SinkWriteResult['rejected'] = []
      // Statements of at most MAX_ROWS rows, far below the server's max_allowed_packet.
      for (let from = 0; from < rows.length; from += MAX_ROWS) await writeRange(pool, rows, from, Math.min(rows.length, from + MAX_ROWS), refused)
      for (const r of refused) rejected.push({index: indexes[r.index], message: r.message})
      rejected.sort((a, b) => a.index - b.index)
      return rejected.length > 0 ? {rejected} : undefined
    },
    async close() {
      await pool?.end().catch(() => undefined)
      pool = undefined
    },
  }
}

function isNoSuchTable(error: unknown): boolean {
  const e = error as {code?: string; errno?: number}
  return e?.code === 'ER_NO_SUCH_TABLE' || e?.errno === 1146
}

/** `order_summary`: one row per (5 s window, product). */
export function orderSummarySink(options: WindowSinkOptions & {table?: string}): StoreSink<WindowResult<{exactTotal: string; count: number}>> {
  return createWindowSink<{exactTotal: string; count: number}>(
    {
      table: options.table ?? TABLES.orderSummary,
      setupTable: TABLES.orderSummary,
      startColumn: 'INTERVAL_TIMESTAMP',
      endColumn: 'WINDOW_END',
      keyColumn: 'PRODUCT',
      values: [
        // Exact decimal text: a double would lose cents beyond about 7 × 10^13.
        {column: 'TOTAL_VALUE', value: (o) => o.exactTotal},
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
      setupTable: TABLES.userViewSummary,
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
