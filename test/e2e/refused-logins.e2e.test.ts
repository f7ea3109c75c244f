/**
 * A server that answers and refuses the login, through the built CLI: the error says so (and which user),
 * never that the server can't be reached, whichever client sstream uses (a single connection or a pool, whose
 * own error is only "no connection in time"). The password is never printed.
 */
import {describe, expect, it} from 'vitest'

import {TABLES} from '../../src/core/names.js'
import {lastJson, runCli} from '../helpers/cli.js'
import {testConfig} from '../helpers/services.js'

const WRONG = 'wrong-pw-5e1c7d'

/** The test stack's MariaDB URL (user, host, database) with a password the server refuses. */
function withWrongPassword(url: string): string {
  const parsed = new URL(url)
  parsed.password = WRONG
  return parsed.toString()
}

describe('a login the server refuses', () => {
  const mariadbUrl = withWrongPassword(testConfig.mariadbUrl)
  const user = new URL(testConfig.mariadbUrl).username

  it('watch orders: MARIADB_AUTH naming the user, not MARIADB_UNREACHABLE', async () => {
    const result = await runCli(['watch', 'orders', '--once', '--json'], {env: {SSTREAM_MARIADB_URL: mariadbUrl}, timeoutMs: 60_000})
    expect(`${result.stdout}${result.stderr}`).not.toContain(WRONG)
    expect(result.code, result.stdout).toBe(1)
    const {error} = lastJson<{error: {code: string; message: string}}>(result.stdout)
    expect(error.code).toBe('MARIADB_AUTH')
    expect(error.message).toContain(`refuses the login of user "${user}"`)
  })

  it('status: the table counts say the login is refused, not that MariaDB cannot be reached', async () => {
    const result = await runCli(['status', '--json', '--mariadb-url', mariadbUrl], {timeoutMs: 60_000})
    expect(`${result.stdout}${result.stderr}`).not.toContain(WRONG)
    const status = lastJson<{tables: Array<{table: string; rows: number | null; detail?: string}>}>(result.stdout)
    const summary = status.tables.find((t) => t.table === TABLES.orderSummary)
    expect(summary?.rows).toBeNull()
    expect(summary?.detail).toContain('refuses the login')
    expect(summary?.detail).not.toContain("Can't reach")
  })
})
