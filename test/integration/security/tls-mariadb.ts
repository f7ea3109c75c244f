/**
 * A private mariadbd that requires TLS (require_secure_transport), with a certificate the test's CA signed,
 * for the security tests; the shared MariaDB is never reconfigured. root logs in with no password over TCP.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, rmSync} from 'node:fs'
import {createConnection} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort} from '../../helpers/processes.js'

export interface TlsMariaDb {
  port: number
  stop(): Promise<void>
}

function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, {stdio: 'ignore'})
  return once(child, 'close').then(([code]) => {
    if (code !== 0) throw new Error(`${command} exited ${String(code)}`)
  })
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({host: '127.0.0.1', port})
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export async function startTlsMariaDb(tls: {caFile: string; certFile: string; keyFile: string}): Promise<TlsMariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'sstream-tls-mariadb-'))
  const data = join(dir, 'data')
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db'])
  const port = await freePort()
  const child: ChildProcess = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mariadb.sock')}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      `--ssl-ca=${tls.caFile}`,
      `--ssl-cert=${tls.certFile}`,
      `--ssl-key=${tls.keyFile}`,
      '--require-secure-transport=ON',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
      '--user=root',
    ],
    {stdio: 'ignore'},
  )
  const deadline = Date.now() + 60_000
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error(`mariadbd did not listen on ${port}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGKILL')
        await exited
      }
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
