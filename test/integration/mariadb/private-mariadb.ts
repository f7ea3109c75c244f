/**
 * A private MariaDB server for outage tests (the shared one must never be stopped): its own data directory
 * and a random free port, root without a password. `stop()` shuts it down (the port closes) and `start()`
 * brings it back on the same port and data; `remove()` stops it for good and deletes its directory.
 */
import {execFile, spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {freePort} from '../../helpers/processes.js'
import {waitFor} from '../stream/fixtures.js'
import {Socket} from 'node:net'

const run = promisify(execFile)

export interface PrivateMariaDb {
  port: number
  /** The administrator's URL (root, no password), without a database. */
  url: string
  stop(): Promise<void>
  start(): Promise<void>
  remove(): Promise<void>
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.connect(port, '127.0.0.1')
  })
}

export async function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'sstream-mariadb-'))
  const data = join(dir, 'data')
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], {timeout: 120_000})
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    child = spawn(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(dir, 'mariadb.sock')}`,
        `--pid-file=${join(dir, 'mariadb.pid')}`,
        '--user=root',
        '--innodb-buffer-pool-size=16M',
        '--skip-log-bin',
      ],
      {stdio: 'ignore'},
    )
    await waitFor(() => portOpen(port), (open) => open, {timeoutMs: 60_000, what: `mariadbd on port ${port}`})
  }
  const stop = async (): Promise<void> => {
    const c = child
    if (!c) return
    child = undefined
    const exited = new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())))
    c.kill('SIGTERM')
    await exited
  }
  await start()
  return {
    port,
    url: `mariadb://root@127.0.0.1:${port}`,
    stop,
    start,
    async remove() {
      await stop()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
