/**
 * A private redis-server for outage tests (the shared one must never be stopped): a random free port, its
 * own directory, no periodic snapshots. `shutdown()` saves the data first, as a Redis with persistence
 * would keep it, so that `start()` on the same port and directory brings it back.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {freePort} from '../../helpers/processes.js'

export interface PrivateRedis {
  port: number
  url: string
  /** Stops the server (SHUTDOWN SAVE) and waits until the port is closed. */
  shutdown(): Promise<void>
  /** Starts it again on the same port and directory and waits until it answers. */
  start(): Promise<void>
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>
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

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'sstream-redis-'))
  let child: ChildProcess | undefined
  const exited = (): Promise<void> =>
    new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once('exit', () => resolve())
    })
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {stdio: 'ignore'})
    await waitFor(() => portOpen(port), `redis-server on port ${port}`)
  }
  const shutdown = async (): Promise<void> => {
    if (!child) return
    const done = exited()
    spawn('redis-cli', ['-p', String(port), 'shutdown', 'save'], {stdio: 'ignore'})
    await done
    child = undefined
    await waitFor(async () => !(await portOpen(port)), `port ${port} to close`)
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    shutdown,
    start,
    async stop() {
      if (child) {
        const done = exited()
        child.kill('SIGKILL')
        await done
      }
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
