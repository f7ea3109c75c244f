import {connect} from 'node:net'

import type {Endpoint} from '../address.js'
import {sleep} from '../async.js'


/** Whether something accepts TCP connections at host:port, and how long the handshake took. */
export function probeTcp({host, port}: Endpoint, timeoutMs = 1500): Promise<{open: boolean; latencyMs: number}> {
  const started = performance.now()
  return new Promise((resolvePromise) => {
    const socket = connect({host, port})
    const done = (open: boolean): void => {
      socket.removeAllListeners()
      socket.destroy()
      resolvePromise({open, latencyMs: Math.round((performance.now() - started) * 10) / 10})
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Waits until a port accepts connections or the deadline passes. */
export async function waitForPort(endpoint: Endpoint, {timeoutMs = 60_000, intervalMs = 250, signal}: {timeoutMs?: number; intervalMs?: number; signal?: AbortSignal} = {}): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (signal?.aborted) return false
    if ((await probeTcp(endpoint, 1000)).open) return true
    await sleep(intervalMs, signal)
  }
  return false
}

