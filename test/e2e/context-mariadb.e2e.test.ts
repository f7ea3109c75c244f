/**
 * A context whose MariaDB is another server, with a user of its own, through the built CLI: `setup db
 * --context` makes the database and the user on that server (root there, as no --admin-url is given), never on
 * the local one, and the commands then read through the context as that user. A private server of the test's
 * own; the shared one is only checked to hold nothing of it.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import mariadb, {type Connection} from 'mariadb'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {lastJson, runCli} from '../helpers/cli.js'
import {uniqueIdentifier} from '../helpers/names.js'
import {adminUrl, testConfig} from '../helpers/services.js'
import {startPrivateMariaDb, type PrivateMariaDb} from '../integration/mariadb/private-mariadb.js'

let server: PrivateMariaDb
let home: string
const database = uniqueIdentifier('ctxdb')
const user = uniqueIdentifier('ctxuser').slice(0, 32)
const password = 'ctx-pw-4b9e1a'

async function onShared<T>(work: (conn: Connection) => Promise<T>): Promise<T> {
  const url = new URL(adminUrl)
  const conn = await mariadb.createConnection({host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username || 'root'), password: decodeURIComponent(url.password)})
  try {
    return await work(conn)
  } finally {
    await conn.end()
  }
}

function sstream(args: string[]) {
  return runCli(args, {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}, timeoutMs: 60_000})
}

describe('a context with a MariaDB of its own', () => {
  beforeAll(async () => {
    server = await startPrivateMariaDb()
    home = mkdtempSync(join(tmpdir(), 'sstream-ctx-mariadb-'))
    const added = await sstream(['config', 'add-context', 'other-db', '--brokers', testConfig.kafkaBrokers.join(','), '--mariadb-url', `mariadb://${user}:${password}@127.0.0.1:${server.port}/${database}`])
    expect(added.code, added.stderr).toBe(0)
  })

  afterAll(async () => {
    await server?.remove()
    if (home) rmSync(home, {recursive: true, force: true})
    // Only if the set-up went to the wrong server.
    await onShared(async (conn) => {
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``)
      await conn.query('DROP USER IF EXISTS ?@?, ?@?', [user, '%', user, 'localhost'])
    })
  })

  it('setup db --context makes the database and the user on the context’s server, as root there', async () => {
    const setup = await sstream(['setup', 'db', '--context', 'other-db', '--json'])
    expect(setup.code, setup.stdout + setup.stderr).toBe(0)
    expect(setup.stdout).not.toContain(password)
    expect(lastJson<{server: string; database: string; user: string; databaseCreated: boolean}>(setup.stdout)).toMatchObject({server: `127.0.0.1:${server.port}`, database, user, databaseCreated: true})
    const onLocal = await onShared(async (conn) => (await conn.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database])) as unknown[])
    expect(onLocal).toEqual([])
  })

  it('watch orders and status read through the context as its user', async () => {
    const watch = await sstream(['watch', 'orders', '--once', '--context', 'other-db', '--json'])
    expect(watch.code, watch.stdout + watch.stderr).toBe(0)
    expect(lastJson<{totals: {records: number}}>(watch.stdout).totals.records).toBe(0)
    const status = await sstream(['status', '--context', 'other-db', '--json'])
    const result = lastJson<{services: Array<{service: string; healthy: boolean; address: string; auth: string | null}>; tables: Array<{table: string; rows: number | null}>}>(status.stdout)
    expect(result.services.find((s) => s.service === 'mariadb')).toMatchObject({healthy: true, address: `127.0.0.1:${server.port}`, auth: `password as ${user}`})
    expect(result.tables.map((t) => t.rows)).toEqual([0, 0])
    expect(status.stdout).not.toContain(password)
  })
})
