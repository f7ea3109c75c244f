/**
 * `sstream setup db`: with an administrator's connection, create the database and the application user
 * named by the application URL, then apply the migrations and check that the application user can log in.
 */
import mariadb, {type Connection} from 'mariadb'

import {SstreamError} from '../errors.js'
import {TABLES} from '../names.js'
import {applyMigrations, type MigrationReport, type Queryable} from './migrations.js'
import {checkMaria, parseMariaUrl, redactUrl, toMariaError} from './pool.js'

export interface SetupDbOptions {
  /** The application's URL: its database, user and password are what gets created. */
  url: string
  /**
   * An administrator's URL (a user allowed to create databases and users). Default: root without a password on
   * the server of `url`, with its TLS settings: the database is made where the application will use it.
   */
  adminUrl?: string
}

export interface SetupDbResult {
  server: string
  database: string
  user: string
  databaseCreated: boolean
  migrations: MigrationReport[]
  tables: string[]
}

const IDENTIFIER = /^[A-Za-z0-9_]+$/

export async function setupDb(options: SetupDbOptions): Promise<SetupDbResult> {
  const app = parseMariaUrl(options.url)
  const adminUrl = options.adminUrl ?? defaultAdminUrl(options.url)
  const admin = parseMariaUrl(adminUrl)
  const database = app.database
  if (!database || !IDENTIFIER.test(database)) {
    throw new SstreamError('USAGE', `The MariaDB URL ${redactUrl(options.url)} names no usable database.`, {
      nextSteps: ['Give a database name of letters, digits and _ in the URL path, e.g. mariadb://streaming:streaming@127.0.0.1:3306/streaming.'],
    })
  }
  let conn: Connection | undefined
  try {
    conn = await mariadb.createConnection({host: admin.host, port: admin.port, user: admin.user, password: admin.password, ...(admin.ssl ? {ssl: admin.ssl} : {}), connectTimeout: 3000})
    const existing = (await conn.query('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database])) as unknown[]
    // Before anything is created or granted: a table sstream did not make stops the set-up.
    if (existing.length > 0) await checkTableLayouts(conn, database)
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`)
    if (app.user !== admin.user) {
      for (const host of ['%', 'localhost']) {
        await conn.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [app.user, host, app.password])
        await conn.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ?@?`, [app.user, host])
      }
    }
    await conn.query(`USE \`${database}\``)
    const migrations = await applyMigrations(conn)
    const tables = ((await conn.query('SHOW TABLES')) as Array<Record<string, string>>).map((row) => Object.values(row)[0]).sort()
    await checkMaria(options.url)
    return {server: `${app.host}:${app.port}`, database, user: app.user, databaseCreated: existing.length === 0, migrations, tables}
  } catch (error) {
    const mapped = toMariaError(error, conn ? options.url : adminUrl, 'set up the database')
    if (!conn && mapped.code === 'MARIADB_AUTH') {
      throw new SstreamError('MARIADB_AUTH', `${mapped.message} An administrator login is needed to create the database and user.`, {
        cause: error,
        nextSteps: ['Pass an account allowed to create databases and users with --admin-url (or SSTREAM_MARIADB_ADMIN_URL).'],
      })
    }
    throw mapped
  } finally {
    await conn?.end().catch(() => undefined)
  }
}

/** root without a password on the server of an application's URL, with the URL's TLS settings (?ssl…). */
export function defaultAdminUrl(url: string): string {
  parseMariaUrl(url)
  const app = new URL(url)
  const admin = new URL(`${app.protocol}//root@${app.host}`)
  for (const [name, value] of app.searchParams) if (name.startsWith('ssl')) admin.searchParams.set(name, value)
  return admin.toString()
}

/** The columns of sstream's tables. A table of the same name without them was made by something else. */
const TABLE_COLUMNS: Record<string, string[]> = {
  [TABLES.orderSummary]: ['INTERVAL_TIMESTAMP', 'WINDOW_END', 'PRODUCT', 'TOTAL_VALUE', 'ORDER_COUNT', 'UPDATED_AT'],
  [TABLES.userViewSummary]: ['WINDOW_START', 'WINDOW_END', 'USER_NAME', 'TOTAL_MINUTES', 'VIEW_COUNT', 'UPDATED_AT'],
}

/**
 * Refuses to take over a table sstream did not make, such as the order_summary the original course's
 * setup creates (INTERVAL_TIMESTAMP as text, no WINDOW_END, ORDER_COUNT or UPDATED_AT): the migrations
 * would otherwise record it as created and sstream's writes would fail later. Nothing is changed.
 */
export async function checkTableLayouts(conn: Queryable, database: string): Promise<void> {
  const tables = Object.keys(TABLE_COLUMNS)
  const rows = (await conn.query(
    `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (${tables.map(() => '?').join(', ')})`,
    [database, ...tables],
  )) as Array<{tableName: string; columnName: string}>
  for (const table of tables) {
    const columns = new Set(rows.filter((r) => r.tableName === table).map((r) => r.columnName.toUpperCase()))
    if (columns.size === 0) continue
    const missing = TABLE_COLUMNS[table].filter((c) => !columns.has(c))
    if (missing.length === 0) continue
    throw new SstreamError(
      'MARIADB_ERROR',
      `The table ${database}.${table} exists without sstream's columns (no ${missing.join(', ')}): it was made by something else, such as the original course's setup. sstream changes no table it did not make.`,
      {
        nextSteps: [
          'Give sstream a database of its own, e.g. --mariadb-url mariadb://streaming:streaming@127.0.0.1:3306/sstream (the original jobs keep theirs),',
          `or rename the table (RENAME TABLE ${table} TO ${table}_original) and run \`sstream setup db\` again: sstream's ${table} takes the original job's inserts too.`,
        ],
      },
    )
  }
}

