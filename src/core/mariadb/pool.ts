/**
 * MariaDB connections. src/core/mariadb is the only place that imports the mariadb client.
 * DATETIME columns hold local time, as the original course's INTERVAL_TIMESTAMP did.
 */
import {readFileSync} from 'node:fs'

import mariadb, {type Pool, type PoolConnection} from 'mariadb'

import {redactUrl} from '../address.js'
import {errorMessage, SstreamError} from '../errors.js'

export {redactUrl} from '../address.js'

export type {Pool, PoolConnection} from 'mariadb'

export interface MariaTarget {
  host: string
  port: number
  user: string
  password: string
  database?: string
  /** TLS: from the URL's ?ssl=true, ?ssl-ca=FILE, ?ssl-cert=FILE&ssl-key=FILE, ?ssl-verify=false. */
  ssl?: MariaTls
}

export interface MariaTls {
  ca?: string
  cert?: string
  key?: string
  rejectUnauthorized: boolean
}

/** The URL query parameters that configure TLS. */
const SSL_PARAMS = new Set(['ssl', 'ssl-ca', 'ssl-cert', 'ssl-key', 'ssl-verify'])

function mariaTls(parsed: URL): MariaTls | undefined {
  const q = parsed.searchParams
  for (const name of q.keys()) {
    if (!SSL_PARAMS.has(name)) {
      throw new SstreamError('USAGE', `Unknown MariaDB URL parameter ${name}.`, {nextSteps: [`The URL takes ${[...SSL_PARAMS].join(', ')}.`]})
    }
  }
  const flag = q.get('ssl')
  const wanted = (flag !== null && !/^(false|0|no|off)$/i.test(flag)) || q.has('ssl-ca') || q.has('ssl-cert')
  if (!wanted) return undefined
  const read = (name: string): string | undefined => {
    const path = q.get(name)
    if (!path) return undefined
    try {
      return readFileSync(path, 'utf8')
    } catch (error) {
      throw new SstreamError('CONFIG_ERROR', `Can't read the MariaDB ${name} file ${path}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}.`, {
        nextSteps: ['Check the path in --mariadb-url.'],
      })
    }
  }
  const ca = read('ssl-ca')
  const cert = read('ssl-cert')
  const key = read('ssl-key')
  return {...(ca ? {ca} : {}), ...(cert ? {cert} : {}), ...(key ? {key} : {}), rejectUnauthorized: !/^(false|0|no|off)$/i.test(q.get('ssl-verify') ?? 'true')}
}

/** Whether a MariaDB URL asks for TLS, and who logs in, for status displays. */
export function mariaSecurity(url: string): {tls: boolean; auth: string | null} {
  try {
    const target = parseMariaUrl(url)
    return {tls: target.ssl !== undefined, auth: target.password ? `password as ${target.user}` : null}
  } catch {
    return {tls: false, auth: null}
  }
}

export function parseMariaUrl(url: string): MariaTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SstreamError('USAGE', `"${redactUrl(url)}" is not a MariaDB URL.`, {nextSteps: ['Use the form mariadb://user:password@host:3306/database.']})
  }
  if (!/^(mariadb|mysql):$/.test(parsed.protocol)) {
    throw new SstreamError('USAGE', `"${redactUrl(url)}" is not a MariaDB URL.`, {nextSteps: ['Use the form mariadb://user:password@host:3306/database.']})
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  const ssl = mariaTls(parsed)
  return {
    ...(ssl ? {ssl} : {}),
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password || ''),
    ...(database ? {database} : {}),
  }
}

export interface MariaPoolOptions {
  connectionLimit?: number
  /** How long a connection attempt may take before it is an error. */
  connectTimeoutMs?: number
  /** Override the database of the URL. */
  database?: string
  /**
   * Strict SQL mode on every connection: a value a column cannot hold is an error, never silently clipped
   * or truncated (sinks rely on it to tell a rejected result from a stored one).
   */
  strict?: boolean
}

/** Adds strict mode to whatever SQL mode the server has (MariaDB's default includes STRICT_TRANS_TABLES). */
const STRICT_SQL_MODE = "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')"

export function createMariaPool(url: string, options: MariaPoolOptions = {}): Pool {
  const target = parseMariaUrl(url)
  return mariadb.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    ...(target.ssl ? {ssl: target.ssl} : {}),
    database: options.database ?? target.database,
    connectionLimit: options.connectionLimit ?? 4,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    acquireTimeout: (options.connectTimeoutMs ?? 3000) + 2000,
    decimalAsNumber: false,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
    multipleStatements: false,
    ...(options.strict ? {initSql: STRICT_SQL_MODE} : {}),
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
  const e = error as {code?: string; errno?: number; sqlMessage?: string; cause?: unknown}
  // The pool reports "no connection in time", with what failed its attempts as the cause: a server that answers
  // and refuses the login, has no such database or no TLS is said as such, not as a server that can't be reached.
  if ((e?.code === 'ER_GET_CONNECTION_TIMEOUT' || e?.errno === 45028) && e.cause && !isMariaConnectionError(e.cause)) return toMariaError(e.cause, url, doing)
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
  const tlsProblem = mariaTlsProblem(error)
  if (tlsProblem) {
    return new SstreamError('MARIADB_ERROR', `MariaDB at ${where}: ${tlsProblem}`, {
      cause: error,
      nextSteps: ['Give the CA that signed its certificate with ?ssl-ca=FILE in --mariadb-url,', 'or leave out ?ssl=true if the server has no TLS.'],
    })
  }
  if (isMariaConnectionError(error)) {
    return new SstreamError('MARIADB_UNREACHABLE', `Can't reach MariaDB at ${where}.`, {
      cause: error,
      unreachable: 'mariadb',
      nextSteps: ['Start it with `sstream stack up`,', 'or point sstream at your server with --mariadb-url or SSTREAM_MARIADB_URL.'],
    })
  }
  return new SstreamError('MARIADB_ERROR', `MariaDB at ${where} failed to ${doing}: ${e.sqlMessage ?? errorMessage(error)}`, {cause: error})
}

function mariaTlsProblem(error: unknown): string | undefined {
  const e = error as {code?: string; message?: string}
  const message = e?.message ?? ''
  if (/self[- ]signed certificate|unable to verify|unable to get local issuer|certificate has expired|Hostname\/IP does not match/i.test(message)) {
    return `its certificate is not trusted (${message.split('\n')[0]}).`
  }
  if (/server does not support SSL|Server doesn't support SSL|ssl.*not enabled|HA_ERR_SSL|SSL connection error/i.test(message)) return `the server does not offer TLS (${message.split('\n')[0]}).`
  return undefined
}

/**
 * MariaDB's errors about a value (the row, not the server): a string too long, a number out of range, a
 * value a column's type cannot hold, NULL in a NOT NULL column, a CHECK constraint. By error number, from
 * MariaDB's error code reference, and by SQLSTATE class 22 (data exception) for any other such error.
 * Everything else — connection errors, a lost or read-only server, lock wait timeouts, a full disk, a
 * missing table, refused privileges — fails whatever the data, and is an outage.
 */
export const MARIADB_DATA_ERRORS: ReadonlyMap<number, string> = new Map([
  [1048, 'ER_BAD_NULL_ERROR'],
  [1263, 'ER_WARN_NULL_TO_NOTNULL'],
  [1264, 'ER_WARN_DATA_OUT_OF_RANGE'],
  [1265, 'WARN_DATA_TRUNCATED'],
  [1292, 'ER_TRUNCATED_WRONG_VALUE'],
  [1300, 'ER_INVALID_CHARACTER_STRING'],
  [1365, 'ER_DIVISION_BY_ZERO'],
  [1366, 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD'],
  [1367, 'ER_ILLEGAL_VALUE_FOR_TYPE'],
  [1406, 'ER_DATA_TOO_LONG'],
  [1411, 'ER_WRONG_VALUE_FOR_TYPE'],
  [1416, 'ER_CANT_CREATE_GEOMETRY_OBJECT'],
  [1441, 'ER_DATETIME_FUNCTION_OVERFLOW'],
  [1690, 'ER_DATA_OUT_OF_RANGE'],
  [1918, 'ER_BAD_DATA'],
  [4025, 'ER_CONSTRAINT_FAILED'],
])

/** Whether a MariaDB error is about the values written (a rejection), not about the server (an outage). */
export function isMariaDataError(error: unknown): boolean {
  const e = error as {errno?: unknown; sqlState?: unknown} | null
  if (!e || typeof e !== 'object') return false
  if (typeof e.errno === 'number' && MARIADB_DATA_ERRORS.has(e.errno)) return true
  return typeof e.sqlState === 'string' && e.sqlState.startsWith('22')
}

/** The server's own words for a data error, with its code: "Data too long for column 'PRODUCT' at row 1 (ER_DATA_TOO_LONG, 1406)". */
export function mariaDataErrorMessage(error: unknown): string {
  const e = error as {errno?: number; code?: string; sqlMessage?: string; message?: string}
  const code = e.code ?? (e.errno !== undefined ? MARIADB_DATA_ERRORS.get(e.errno) : undefined)
  return `${e.sqlMessage ?? e.message ?? String(error)} (${[code, e.errno].filter((x) => x !== undefined).join(', ')})`
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
