/**
 * A processor as a child process (`node bin/run.js run <pipeline> --json …`, built first), with its NDJSON
 * events parsed as they arrive, so that a test can wait for progress and then kill it.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {appendFileSync} from 'node:fs'

import {afterEach} from 'vitest'

import {BIN} from '../../helpers/cli.js'

/** Processors still running: a test that fails half-way leaves none behind (they would go on writing). */
const live = new Set<ChildProcess>()
afterEach(() => {
  for (const child of live) child.kill('SIGKILL')
  live.clear()
})

export interface Processor {
  child: ChildProcess
  events: Array<Record<string, unknown>>
  stderr: () => string
  /** Resolves with the exit code (or null and the signal). */
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  /** Resolves when an event satisfies the predicate. */
  waitForEvent(predicate: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  kill(signal: NodeJS.Signals): void
}

export function startProcessor(args: string[], env: NodeJS.ProcessEnv = {}): Processor {
  const child = spawn(process.execPath, [BIN, ...args, '--json'], {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  live.add(child)
  child.on('close', () => live.delete(child))
  const events: Array<Record<string, unknown>> = []
  const waiters: Array<{predicate: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void}> = []
  let buffer = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
      if (!line.trim()) continue
      let event: Record<string, unknown>
      try {
        event = JSON.parse(line) as Record<string, unknown>
      } catch {
        continue
      }
      events.push(event)
      for (const w of [...waiters]) {
        if (w.predicate(event)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(event)
        }
      }
    }
  })
  // SSTREAM_TEST_LOG_DIR=dir keeps each child's stderr in a file there (with SSTREAM_DEBUG=engine: its trace).
  const logDir = process.env.SSTREAM_TEST_LOG_DIR
  const logFile = logDir ? `${logDir}/${Date.now()}-${child.pid}.log` : undefined
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    if (logFile) appendFileSync(logFile, chunk)
  })
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.on('close', (code, signal) => resolve({code, signal})))
  return {
    child,
    events,
    stderr: () => stderr,
    exited,
    waitForEvent(predicate, timeoutMs = 90_000) {
      const found = events.find(predicate)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No matching event within ${timeoutMs} ms. stderr: ${stderr.slice(-2000)}`)), timeoutMs)
        const waiter = {
          predicate,
          resolve: (e: Record<string, unknown>) => {
            clearTimeout(timer)
            resolve(e)
          },
        }
        waiters.push(waiter)
        void exited.then(() => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer)
            reject(new Error(`The processor exited before the event. stderr: ${stderr.slice(-2000)}`))
          }
        })
      })
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
  }
}
