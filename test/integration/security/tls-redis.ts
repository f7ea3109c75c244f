/**
 * A private redis-server that accepts TLS only, with an ACL user and a password for the default user, for
 * the security tests (the shared Redis is never touched). Its certificate is one the test's CA signed.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {connect} from 'node:tls'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort} from '../../helpers/processes.js'

export interface TlsRedis {
  port: number
  user: string
  password: string
  /** rediss://user:password@localhost:port?tls-ca=FILE */
  url: string
  stop(): Promise<void>
}

function answersTls(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({host: 'localhost', port, ca: [ca], servername: 'localhost'})
    socket.once('secureConnect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export async function startTlsRedis(tls: {caFile: string; certFile: string; keyFile: string; caPem: string}): Promise<TlsRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'sstream-tls-redis-'))
  const user = 'sstream-app'
  const password = randomBytes(12).toString('hex')
  // The password is given in a file-less way on the command line of a private test server only.
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port', '0',
      '--tls-port', String(port),
      '--bind', '127.0.0.1',
      '--tls-cert-file', tls.certFile,
      '--tls-key-file', tls.keyFile,
      '--tls-ca-cert-file', tls.caFile,
      '--tls-auth-clients', 'no',
      '--requirepass', randomBytes(12).toString('hex'),
      '--user', user, 'on', `>${password}`, '~*', '&*', '+@all',
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
    ],
    {stdio: 'ignore'},
  )
  const deadline = Date.now() + 15_000
  while (!(await answersTls(port, tls.caPem))) {
    if (child.exitCode !== null) throw new Error(`redis-server with TLS exited with ${child.exitCode}`)
    if (Date.now() > deadline) throw new Error(`redis-server with TLS did not answer on ${port}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    user,
    password,
    url: `rediss://${user}:${password}@localhost:${port}?tls-ca=${encodeURIComponent(tls.caFile)}`,
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
