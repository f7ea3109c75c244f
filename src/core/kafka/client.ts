/**
 * The kafkajs client factory and error translation. src/core/kafka is the only place that imports kafkajs.
 */
// Before kafkajs: installs the fixed read_committed filter (see read-committed.ts), the faster fetch
// decoder (see fetch-decoder.ts) and the faster produce request encoder (see produce-encoder.ts).
import './read-committed.js'
import './fetch-decoder.js'
import './produce-encoder.js'

import {Kafka, logLevel, type KafkaConfig, type LogEntry, type RetryOptions} from 'kafkajs'

import {errorMessage, SstreamError} from '../errors.js'

export interface KafkaClientOptions {
  brokers: string[]
  clientId?: string
  /** Retry policy for requests; short by default so that start-up fails within seconds, not minutes. */
  retry?: RetryOptions
  connectionTimeoutMs?: number
  requestTimeoutMs?: number
}

/** Fast-failing retry policy for one-shot commands and start-up checks (about 5 s in all). */
export const STARTUP_RETRY: RetryOptions = {initialRetryTime: 250, maxRetryTime: 2000, retries: 4, factor: 0.2, multiplier: 2}

/** Patient retry policy for long-running processors: outages pause the work and it resumes by itself. */
export const RUNNING_RETRY: RetryOptions = {initialRetryTime: 300, maxRetryTime: 10_000, retries: Number.MAX_SAFE_INTEGER, factor: 0.2, multiplier: 2}

const debug = process.env.SSTREAM_DEBUG === 'kafka' || process.env.SSTREAM_DEBUG === '*'

function logCreator() {
  return ({level, log}: LogEntry) => {
    if (!debug && level > logLevel.NOTHING) return
    const {message, ...extra} = log
    process.stderr.write(`[kafkajs] ${message} ${JSON.stringify(extra)}\n`)
  }
}

export function createKafka(options: KafkaClientOptions): Kafka {
  if (options.brokers.length === 0) {
    throw new SstreamError('USAGE', 'No Kafka broker is configured.', {
      nextSteps: ['Pass --brokers host:port or set SSTREAM_KAFKA_BROKERS.'],
    })
  }
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
  const config: KafkaConfig = {
    clientId: options.clientId ?? 'sstream',
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? STARTUP_RETRY,
    logLevel: debug ? logLevel.DEBUG : logLevel.NOTHING,
    logCreator,
  }
  return new Kafka(config)
}

/** Errors that mean no broker could be reached at all. Wrappers (retries exceeded, non-retriable) are judged by their cause. */
const CONNECTION_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSBrokerNotFound'])

/** Whether an error means the brokers cannot be reached (as opposed to a request the broker refused). */
export function isKafkaConnectionError(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = current as {name?: string; code?: string; message?: string; cause?: unknown; originalError?: unknown}
    if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'ETIMEDOUT' || e.code === 'EHOSTUNREACH') return true
    if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSConnectionClosedError') return true
    if (typeof e.message === 'string' && /Connection (timeout|error)|ECONNREFUSED|Closed connection|getaddrinfo/i.test(e.message)) return true
    current = e.originalError ?? e.cause
  }
  return false
}

/** Translates a kafkajs error into an SstreamError that names the brokers and the next step. */
export function toKafkaError(error: unknown, brokers: string[], doing = 'talk to Kafka'): SstreamError {
  if (error instanceof SstreamError) return error
  const where = brokers.join(',')
  const name = (error as {name?: string})?.name ?? ''
  if (isKafkaConnectionError(error) || CONNECTION_ERRORS.has(name)) {
    return new SstreamError('KAFKA_UNREACHABLE', `Can't reach Kafka at ${where}.`, {
      cause: error,
      nextSteps: [
        'Start the local broker with `sstream stack up`,',
        'or point sstream at your cluster with --brokers or SSTREAM_KAFKA_BROKERS.',
      ],
    })
  }
  return new SstreamError('KAFKA_ERROR', `Kafka at ${where} refused to ${doing}: ${errorMessage(error)}`, {cause: error})
}

/**
 * Runs a Kafka start-up step with a deadline, so that a wrong broker address is a clear error within
 * seconds instead of minutes of client retries.
 */
export async function withKafkaDeadline<T>(brokers: string[], work: () => Promise<T>, {timeoutMs = 6000, doing = 'talk to Kafka'} = {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`Connection timeout after ${timeoutMs} ms`), {name: 'KafkaJSConnectionError'})), timeoutMs)
  })
  try {
    return await Promise.race([work(), deadline])
  } catch (error) {
    throw toKafkaError(error, brokers, doing)
  } finally {
    clearTimeout(timer)
  }
}
