/**
 * Redis connections. src/core/redis is the only place that imports ioredis.
 */
import {Redis, type RedisOptions} from 'ioredis'

import {errorMessage, SstreamError} from '../errors.js'

export type {Redis} from 'ioredis'

export interface RedisClientOptions {
  /** Keep retrying forever with backoff (long-running processors) instead of failing fast (one-shot commands). */
  patient?: boolean
  connectTimeoutMs?: number
  /** Called when the connection drops or comes back (processors report outages through it). */
  onStateChange?: (state: 'up' | 'down', error?: Error) => void
  /**
   * With `patient`: keep reconnecting in the background, but fail commands at once while disconnected instead
   * of queueing them (sinks whose caller pauses and retries, and must hear about the outage).
   */
  failWhileDown?: boolean
}

export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || 6379}`
  } catch {
    return url
  }
}

/** Creates a client (not yet connected; call `connectRedis`). */
export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  let parsedOk = true
  try {
    const parsed = new URL(url)
    parsedOk = parsed.protocol === 'redis:' || parsed.protocol === 'rediss:'
  } catch {
    parsedOk = false
  }
  if (!parsedOk) throw new SstreamError('USAGE', `"${url}" is not a Redis URL.`, {nextSteps: ['Use the form redis://host:6379 (or rediss:// for TLS).']})
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    enableReadyCheck: true,
    maxRetriesPerRequest: options.failWhileDown ? 0 : options.patient ? null : 1,
    retryStrategy: options.patient ? (times) => Math.min(200 * 2 ** Math.min(times, 6), 5000) : () => null,
    enableOfflineQueue: !options.failWhileDown,
  }
  const client = new Redis(url, redisOptions)
  let down = false
  client.on('error', (error: Error) => {
    if (!down) {
      down = true
      options.onStateChange?.('down', error)
    }
  })
  client.on('ready', () => {
    if (down) {
      down = false
      options.onStateChange?.('up')
    }
  })
  return client
}

/** Connects and pings within the deadline; a clear error naming the address otherwise. */
export async function connectRedis(client: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      (async () => {
        if (client.status === 'wait' || client.status === 'end') await client.connect()
        await client.ping()
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('connect ETIMEDOUT'), {code: 'ETIMEDOUT'})), timeoutMs)
      }),
    ])
  } catch (error) {
    client.disconnect()
    throw toRedisError(error, url)
  } finally {
    clearTimeout(timer)
  }
}

export function isRedisConnectionError(error: unknown): boolean {
  const e = error as {code?: string; message?: string; name?: string}
  if (!e) return false
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE'].includes(e.code ?? '')) return true
  return /ECONNREFUSED|Connection is closed|Stream isn't writeable|connect ETIMEDOUT|MaxRetriesPerRequest|Reached the max retries/i.test(e.message ?? '')
}

export function toRedisError(error: unknown, url: string, doing = 'run a command'): SstreamError {
  if (error instanceof SstreamError) return error
  const where = redisTarget(url)
  if (isRedisConnectionError(error)) {
    return new SstreamError('REDIS_UNREACHABLE', `Can't reach Redis at ${where}.`, {
      cause: error,
      nextSteps: ['Start it with `sstream stack up`,', 'or point sstream at your server with --redis-url or SSTREAM_REDIS_URL.'],
    })
  }
  return new SstreamError('REDIS_ERROR', `Redis at ${where} failed to ${doing}: ${errorMessage(error)}`, {cause: error})
}

/** Connects, pings and reports the server version and round-trip time. */
export async function checkRedis(url: string): Promise<{latencyMs: number; version: string}> {
  const client = createRedis(url)
  try {
    await connectRedis(client, url)
    const started = performance.now()
    await client.ping()
    const latencyMs = Math.round((performance.now() - started) * 10) / 10
    const info = await client.info('server')
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? ''
    return {latencyMs, version}
  } finally {
    client.disconnect()
  }
}
