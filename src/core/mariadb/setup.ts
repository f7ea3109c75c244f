/**
 * `sstream setup db`: with an administrator's connection, create the database and the application user
 * named by the application URL, then apply the migrations and check that the application user can log in.
 */
import mariadb, {type Connection} from 'mariadb'

import {SstreamError} from '../errors.js'
import {applyMigrations, type MigrationReport} from './migrations.js'
import {checkMaria, parseMariaUrl, redactUrl, toMariaError} from './pool.js'

export interface SetupDbOptions {
  /** The application's URL: its database, user and password are what gets created. */
  url: string
  /** An administrator's URL (a user allowed to create databases and users). */
  adminUrl: string
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
  const admin = parseMariaUrl(options.adminUrl)
  const database = app.database
  if (!database || !IDENTIFIER.test(database)) {
    throw new SstreamError('USAGE', `The MariaDB URL ${redactUrl(options.url)} names no usable database.`, {
      nextSteps: ['Give a database name of letters, digits and _ in the URL path, e.g. mariadb://streaming:streaming@127.0.0.1:3306/streaming.'],
    })
  }
  let conn: Connection | undefined
  try {
    conn = await mariadb.createConnection({host: admin.host, port: admin.port, user: admin.user, password: admin.password, connectTimeout: 3000})
    const existing = (await conn.query('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database])) as unknown[]
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
    const mapped = toMariaError(error, conn ? options.url : options.adminUrl, 'set up the database')
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
