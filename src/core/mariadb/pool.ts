/**
 * MariaDB connections. src/core/mariadb is the only place that imports the mariadb client.
 * DATETIME columns hold local time, as the original course's INTERVAL_TIMESTAMP did.
 */
import mariadb, {type Pool, type PoolConnection} from 'mariadb'

import {errorMessage, SstreamError} from '../errors.js'

export type {Pool, PoolConnection} from 'mariadb'

export interface MariaTarget {
  host: string
  port: number
  user: string
  password: string
  database?: string
}

export function parseMariaUrl(url: string): MariaTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SstreamError('USAGE', `"${url}" is not a MariaDB URL.`, {nextSteps: ['Use the form mariadb://user:password@host:3306/database.']})
  }
  if (!/^(mariadb|mysql):$/.test(parsed.protocol)) {
    throw new SstreamError('USAGE', `"${redactUrl(url)}" is not a MariaDB URL.`, {nextSteps: ['Use the form mariadb://user:password@host:3306/database.']})
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password || ''),
    ...(database ? {database} : {}),
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url
  }
}

export interface MariaPoolOptions {
  connectionLimit?: number
  /** How long a connection attempt may take before it is an error. */
  connectTimeoutMs?: number
  /** Override the database of the URL. */
  database?: string
}

export function createMariaPool(url: string, options: MariaPoolOptions = {}): Pool {
  const target = parseMariaUrl(url)
  return mariadb.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: options.database ?? target.database,
    connectionLimit: options.connectionLimit ?? 4,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    acquireTimeout: (options.connectTimeoutMs ?? 3000) + 2000,
    decimalAsNumber: false,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
    multipleStatements: false,
  })
}

/** Connects once and runs a trivial query: the start-up check, a clear error within seconds. */
export async function checkMaria(url: string): Promise<{latencyMs: number; version: string}> {
  const target = parseMariaUrl(url)
  const started = performance.now()
  let conn: Awaited<ReturnType<typeof mariadb.createConnection>> | undefined
  try {
    conn = await mariadb.createConnection({...target, connectTimeout: 3000})
    const rows = (await conn.query('SELECT VERSION() AS version')) as Array<{version: string}>
    return {latencyMs: Math.round((performance.now() - started) * 10) / 10, version: rows[0]?.version ?? ''}
  } catch (error) {
    throw toMariaError(error, url)
  } finally {
    await conn?.end().catch(() => undefined)
  }
}

/** Translates a mariadb client error into an SstreamError naming the server and the next step. */
export function toMariaError(error: unknown, url: string, doing = 'run a query'): SstreamError {
  if (error instanceof SstreamError) return error
  const e = error as {code?: string; errno?: number; sqlMessage?: string}
  const target = safeTarget(url)
  const where = `${target.host}:${target.port}`
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.errno === 1045 || e.errno === 1044) {
    return new SstreamError('MARIADB_AUTH', `MariaDB at ${where} refuses the login of user "${target.user}".`, {
      cause: error,
      nextSteps: ['Create the user and database with `sstream setup db`,', 'or fix the credentials in --mariadb-url / SSTREAM_MARIADB_URL.'],
    })
  }
  if (e.code === 'ER_BAD_DB_ERROR' || e.errno === 1049) {
    return new SstreamError('MARIADB_ERROR', `MariaDB at ${where} has no database "${target.database}".`, {
      cause: error,
      nextSteps: ['Create it with `sstream setup db`.'],
    })
  }
  if (e.code === 'ER_NO_SUCH_TABLE' || e.errno === 1146) {
    return new SstreamError('MARIADB_ERROR', `MariaDB at ${where}: ${e.sqlMessage ?? errorMessage(error)}.`, {
      cause: error,
      nextSteps: ['Create the tables with `sstream setup db`.'],
    })
  }
  if (isMariaConnectionError(error)) {
    return new SstreamError('MARIADB_UNREACHABLE', `Can't reach MariaDB at ${where}.`, {
      cause: error,
      nextSteps: ['Start it with `sstream stack up`,', 'or point sstream at your server with --mariadb-url or SSTREAM_MARIADB_URL.'],
    })
  }
  return new SstreamError('MARIADB_ERROR', `MariaDB at ${where} failed to ${doing}: ${e.sqlMessage ?? errorMessage(error)}`, {cause: error})
}

export function isMariaConnectionError(error: unknown): boolean {
  const e = error as {code?: string; errno?: number; message?: string; fatal?: boolean}
  if (!e) return false
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ER_CONNECTION_TIMEOUT', 'ER_GET_CONNECTION_TIMEOUT', 'ER_SOCKET_UNEXPECTED_CLOSE', 'ER_CONNECTION_ALREADY_CLOSED', 'ER_CLOSING_POOL'].includes(e.code ?? '')) return true
  if (e.errno === 45009 || e.errno === 45012 || e.errno === 45028) return true
  return typeof e.message === 'string' && /connect ECONNREFUSED|socket has unexpectedly been closed|Connection timeout|retrieve connection from pool timeout/i.test(e.message)
}

function safeTarget(url: string): MariaTarget {
  try {
    return parseMariaUrl(url)
  } catch {
    return {host: '?', port: 0, user: '?', password: ''}
  }
}

export async function withConnection<T>(pool: Pool, url: string, work: (conn: PoolConnection) => Promise<T>): Promise<T> {
  let conn: PoolConnection | undefined
  try {
    conn = await pool.getConnection()
    return await work(conn)
  } catch (error) {
    throw toMariaError(error, url)
  } finally {
    await conn?.release()
  }
}
