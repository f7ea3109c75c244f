/**
 * Redis connections. src/core/redis is the only place that imports ioredis.
 */
import {readFileSync} from 'node:fs'

import {Redis, type RedisOptions} from 'ioredis'

import {redactUrl} from '../address.js'
import {errorMessage, SstreamError} from '../errors.js'
import {backoffDelay} from '../async.js'

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
    return redactUrl(url)
  }
}

/** sstream's own URL parameters: a CA file for rediss://, and turning verification off. */
const TLS_PARAMS = ['tls-ca', 'tls-verify'] as const

/** Whether a Redis URL uses TLS (rediss://) and a password or ACL user, for status displays. */
export function redisSecurity(url: string): {tls: boolean; auth: string | null} {
  try {
    const parsed = new URL(url)
    const user = decodeURIComponent(parsed.username)
    return {tls: parsed.protocol === 'rediss:', auth: parsed.password ? (user && user !== 'default' ? `ACL user ${user}` : 'password') : null}
  } catch {
    return {tls: false, auth: null}
  }
}

/** Splits sstream's TLS parameters off a Redis URL: ioredis gets the rest, and the TLS options. */
function redisConnection(url: string): {url: string; tls?: RedisOptions['tls']} {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SstreamError('USAGE', `"${redactUrl(url)}" is not a Redis URL.`, {nextSteps: ['Use the form redis://host:6379 (or rediss:// for TLS).']})
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new SstreamError('USAGE', `"${redisTarget(url)}" is not a Redis URL.`, {nextSteps: ['Use the form redis://host:6379 (or rediss:// for TLS).']})
  }
  const caFile = parsed.searchParams.get('tls-ca')
  const verify = !/^(false|0|no|off)$/i.test(parsed.searchParams.get('tls-verify') ?? 'true')
  for (const name of TLS_PARAMS) parsed.searchParams.delete(name)
  if (parsed.protocol !== 'rediss:') {
    if (caFile) throw new SstreamError('USAGE', '?tls-ca is given for a redis:// URL.', {nextSteps: ['Use rediss:// to connect over TLS.']})
    return {url: parsed.toString()}
  }
  let ca: string | undefined
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8')
    } catch (error) {
      throw new SstreamError('CONFIG_ERROR', `Can't read the Redis tls-ca file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}.`, {
        nextSteps: ['Check the path in --redis-url.'],
      })
    }
  }
  return {url: parsed.toString(), tls: {rejectUnauthorized: verify, ...(ca ? {ca: [ca]} : {})}}
}

/** Creates a client (not yet connected; call `connectRedis`). */
export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  const connection = redisConnection(url)
  const redisOptions: RedisOptions = {
    ...(connection.tls ? {tls: connection.tls} : {}),
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    enableReadyCheck: true,
    maxRetriesPerRequest: options.failWhileDown ? 0 : options.patient ? null : 1,
    retryStrategy: options.patient ? (times) => backoffDelay(times, {initialMs: 200, maxMs: 5000}) : () => null,
    enableOfflineQueue: !options.failWhileDown,
  }
  const client = new Redis(connection.url, redisOptions)
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
  // A refused login or an untrusted certificate surfaces as an 'error' event, the command then only sees a closed connection.
  let eventError: Error | undefined
  const onError = (error: Error): void => {
    eventError = error
  }
  client.on('error', onError)
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
    throw toRedisError(eventError && REFUSAL.test(eventError.message) ? eventError : error, url)
  } finally {
    clearTimeout(timer)
    client.off('error', onError)
  }
}

const REFUSAL = /WRONGPASS|NOAUTH|invalid username-password|invalid password|certificate|unable to verify|self[- ]signed/i

export function isRedisConnectionError(error: unknown): boolean {
  const e = error as {code?: string; message?: string; name?: string}
  if (!e) return false
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE'].includes(e.code ?? '')) return true
  return /ECONNREFUSED|Connection is closed|Stream isn't writeable|connect ETIMEDOUT|MaxRetriesPerRequest|Reached the max retries/i.test(e.message ?? '')
}

export function toRedisError(error: unknown, url: string, doing = 'run a command'): SstreamError {
  if (error instanceof SstreamError) return error
  const where = redisTarget(url)
  const message = errorMessage(error)
  if (/WRONGPASS|NOAUTH|invalid username-password|invalid password/i.test(message)) {
    return new SstreamError('REDIS_ERROR', `Redis at ${where} refuses the login: ${message.split('\n')[0]}`, {
      cause: error,
      nextSteps: ['Put the password (and the ACL user) in the URL: redis://user:password@host:6379 (rediss:// for TLS).'],
    })
  }
  if (/self[- ]signed certificate|unable to verify|unable to get local issuer|certificate has expired|Hostname\/IP does not match/i.test(message)) {
    return new SstreamError('REDIS_ERROR', `Redis at ${where} presents a certificate sstream does not trust: ${message}`, {
      cause: error,
      nextSteps: ['Give the CA that signed it with ?tls-ca=FILE in --redis-url.'],
    })
  }
  if (isRedisConnectionError(error)) {
    return new SstreamError('REDIS_UNREACHABLE', `Can't reach Redis at ${where}.`, {
      cause: error,
      unreachable: 'redis',
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
