/**
 * The kafkajs client factory and error translation. src/core/kafka is the only place that imports kafkajs,
 * and this factory the only place that loads it: through `installKafkajsPatches()` (kafkajs/index.ts), which
 * installs sstream's patches of kafkajs first and checks them.
 */
import type {Kafka, KafkaConfig, LogEntry, RetryOptions} from 'kafkajs'


import {DEFAULT_KAFKA_PORT, parseHostPort} from '../address.js'
import type {KafkaSecurity} from '../config/index.js'
import {errorMessage, SstreamError} from '../errors.js'
import {probeTls} from '../tls-probe.js'
import {installKafkajsPatches} from './kafkajs/index.js'
import {kafkaClientSettings} from './settings.js'

export interface KafkaClientOptions {
  brokers: string[]
  /** TLS and SASL (plaintext without authentication when absent). */
  security?: KafkaSecurity
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

/** kafkajs's `logLevel.NOTHING` and `logLevel.DEBUG`. */
const NOTHING = 0
const DEBUG = 5

function logCreator() {
  return ({level, log}: LogEntry) => {
    if (!debug && level > NOTHING) return
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
  const {tls, kafkajsSasl} = kafkaClientSettings(options.security)
  const config: KafkaConfig = {
    ...(tls ? {ssl: tls} : {}),
    ...(kafkajsSasl ? {sasl: kafkajsSasl} : {}),
    clientId: options.clientId ?? 'sstream',
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? STARTUP_RETRY,
    logLevel: debug ? DEBUG : NOTHING,
    logCreator,
  }
  const {Kafka} = installKafkajsPatches()
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

/** TLS verification failures (node:tls / OpenSSL codes). */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** What went wrong, looked for along the error's causes: a refused login, an untrusted certificate, or a TLS handshake cut short. */
function securityFailure(error: unknown): {kind: 'auth' | 'mechanism' | 'not-sasl' | 'hostname' | 'untrusted' | 'handshake' | 'tls-alert'; detail: string} | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 6 && current; depth++) {
    const e = current as {name?: string; code?: string; message?: string; reason?: string; cause?: unknown; originalError?: unknown}
    const message = (e.message ?? '').replace(/^Connection error: /, '').trim()
    if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /Hostname\/IP does not match/.test(message)) return {kind: 'hostname', detail: message}
    if (e.name === 'SaslAuthenticationError') return {kind: e.reason === 'mechanism' || e.reason === 'not-sasl' ? e.reason : 'auth', detail: message}
    if ((e as {type?: string}).type === 'ILLEGAL_SASL_STATE') return {kind: 'not-sasl', detail: message}
    if ((e as {type?: string}).type === 'UNSUPPORTED_SASL_MECHANISM' || /does not support the requested SASL mechanism/.test(message)) return {kind: 'mechanism', detail: message}
    if ((e as {type?: string}).type === 'SASL_AUTHENTICATION_FAILED') return {kind: 'auth', detail: message}
    if (e.name === 'KafkaJSSASLAuthenticationError') return {kind: /not supported by the server/.test(message) ? 'mechanism' : 'auth', detail: message}
    if ((e.code && UNTRUSTED_CODES.has(e.code)) || /self[- ]signed certificate|unable to verify|certificate has expired|Hostname\/IP does not match/i.test(message)) {
      return {kind: 'untrusted', detail: message}
    }
    if (/before secure TLS connection was established|wrong version number|packet length too long|ERR_SSL_/i.test(message)) return {kind: 'handshake', detail: message}
    if (/(tlsv1\d?|sslv3|ssl\/tls) alert/i.test(message)) return {kind: 'tls-alert', detail: message}
    current = e.originalError ?? e.cause
  }
  return undefined
}

/** Translates a kafkajs error into an SstreamError that names the brokers and the next step. */
export function toKafkaError(error: unknown, brokers: string[], doing = 'talk to Kafka'): SstreamError {
  if (error instanceof SstreamError) return error
  const where = brokers.join(',')
  const name = (error as {name?: string})?.name ?? ''
  const security = securityFailure(error)
  if (security?.kind === 'auth') {
    return new SstreamError('KAFKA_AUTH', `Kafka at ${where} refused the login: ${security.detail}`, {
      cause: error,
      nextSteps: ['Check the user name and password (--sasl-username, --sasl-password-env / --sasl-password-file, or the context),', 'and that --sasl-mechanism is the one the user was created for.'],
    })
  }
  if (security?.kind === 'mechanism') {
    return new SstreamError('KAFKA_AUTH', `Kafka at ${where} does not offer this SASL mechanism: ${security.detail}`, {
      cause: error,
      nextSteps: ['Pick a mechanism the listener enables with --sasl-mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512).'],
    })
  }
  if (security?.kind === 'not-sasl') {
    return new SstreamError('KAFKA_AUTH', `Kafka at ${where} does not use SASL on this port: the listener is PLAINTEXT or SSL, and sstream logs in with SASL.`, {
      cause: error,
      nextSteps: ['Leave out the SASL settings (--security-protocol PLAINTEXT, or SSL on a TLS listener),', 'or use the port of its SASL_PLAINTEXT / SASL_SSL listener.'],
    })
  }
  if (security?.kind === 'hostname') {
    return new SstreamError('KAFKA_TLS', `Kafka at ${where} presents a certificate for another name: ${security.detail}`, {
      cause: error,
      nextSteps: ['Connect with a name the certificate holds (its altnames above),', 'or check it against one of them with --tls-server-name NAME (or in the context).'],
    })
  }
  if (security?.kind === 'untrusted') {
    return new SstreamError('KAFKA_TLS', `Kafka at ${where} presents a certificate sstream does not trust: ${security.detail}`, {
      cause: error,
      nextSteps: ["Pass the CA that signed the brokers' certificates with --tls-ca FILE (or in the context),", 'and, if the certificate names another host, --tls-server-name NAME.'],
    })
  }
  if (security?.kind === 'handshake') {
    return new SstreamError('KAFKA_TLS', `Kafka at ${where} does not speak TLS on this port (the handshake was cut short: ${security.detail}).`, {
      cause: error,
      nextSteps: ['Use --security-protocol PLAINTEXT or SASL_PLAINTEXT for this listener,', 'or the port of its SSL / SASL_SSL listener.'],
    })
  }
  if (security?.kind === 'tls-alert') {
    // OpenSSL's text ("…:sslv3 alert bad certificate:../deps/openssl/…:SSL alert number 42") said as the alert.
    const alert = /alert ([a-z ]+?)\s*(?::|$)/i.exec(security.detail)?.[1]
    const number = /alert number (\d+)/i.exec(security.detail)?.[1]
    const clientCertificate = alert !== undefined && /certificate|unknown ca/i.test(alert)
    const said = alert ? `with the alert "${alert}"${number ? ` (TLS alert ${number})` : ''}` : security.detail
    return new SstreamError('KAFKA_TLS', `Kafka at ${where} ended the TLS handshake ${said}${clientCertificate ? ': the listener wants a client certificate it trusts (mutual TLS)' : ''}.`, {
      cause: error,
      nextSteps: [
        clientCertificate
          ? 'Give --tls-cert and --tls-key: a client certificate signed by a CA the brokers trust, and its key.'
          : 'If the listener requires mutual TLS, give --tls-cert and --tls-key.',
      ],
    })
  }
  if (isKafkaConnectionError(error) || CONNECTION_ERRORS.has(name)) {
    return new SstreamError('KAFKA_UNREACHABLE', `Can't reach Kafka at ${where}.`, {
      cause: error,
      unreachable: 'kafka',
      nextSteps: [
        'Start the local broker with `sstream stack up`,',
        'or point sstream at your cluster with --brokers, SSTREAM_KAFKA_BROKERS or a context (`sstream config list`).',
      ],
    })
  }
  const kind = kafkaErrorKind(error)
  if (kind === 'fenced') {
    return new SstreamError('KAFKA_FENCED', `Another producer with the same transactional id took over: Kafka refused to ${doing} (${errorMessage(error)}).`, {cause: error, retriable: false})
  }
  if (kind === 'rebalance') {
    return new SstreamError('KAFKA_REBALANCE', `The consumer group is rebalancing: Kafka refused to ${doing} (${errorMessage(error)}).`, {cause: error, retriable: true})
  }
  return new SstreamError('KAFKA_ERROR', `Kafka at ${where} refused to ${doing}: ${errorMessage(error)}`, {cause: error, retriable: kafkajsRetriable(error)})
}

/** The error types with which Kafka tells a transactional producer that a newer one with its id fenced it. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'INVALID_PRODUCER_ID_MAPPING'])
/** The error types with which Kafka tells a group member to rejoin. */
const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])

/** The errors an error wraps, outermost first (kafkajs wraps in `originalError`, sstream in `cause`). */
function errorChain(error: unknown): Array<{name?: string; type?: string; retriable?: unknown}> {
  const chain: Array<{name?: string; type?: string; retriable?: unknown; cause?: unknown; originalError?: unknown}> = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const e = current as {name?: string; type?: string; retriable?: unknown; cause?: unknown; originalError?: unknown}
    chain.push(e)
    current = e.cause ?? e.originalError
  }
  return chain
}

/**
 * What a kafkajs error means for its owner, from the error types Kafka answered with (never from the
 * message): fenced by a newer producer, or asked to rejoin the group.
 */
export function kafkaErrorKind(error: unknown): 'fenced' | 'rebalance' | undefined {
  for (const e of errorChain(error)) {
    if (e.type && FENCED_TYPES.has(e.type)) return 'fenced'
    if ((e.type && REBALANCE_TYPES.has(e.type)) || e.name === 'KafkaJSGroupCoordinatorNotFound') return 'rebalance'
  }
  return undefined
}

/** Whether kafkajs marked the error (or the error it wraps) retriable. */
function kafkajsRetriable(error: unknown): boolean {
  return errorChain(error).some((e) => e.retriable === true)
}

/**
 * Turns a start-up failure into the clearest error: when the brokers accept TCP connections but talk
 * another protocol than the configured one (TLS on a plaintext listener, or the reverse), says so, which
 * the client alone cannot tell from a dropped connection. The probe takes at most about 2 s.
 */
export async function diagnoseKafkaError(error: unknown, brokers: string[], security: KafkaSecurity | undefined, doing = 'talk to Kafka'): Promise<SstreamError> {
  const translated = toKafkaError(error, brokers, doing)
  if (translated.code !== 'KAFKA_UNREACHABLE' || brokers.length === 0) return translated
  const {host, port} = parseHostPort(brokers[0], DEFAULT_KAFKA_PORT)
  const usesTls = security?.tls !== undefined
  const speaksTls = await probeTls(host, port)
  if (speaksTls === 'refused') return translated
  const where = brokers.join(',')
  if (!usesTls && speaksTls === 'tls') {
    return new SstreamError('KAFKA_TLS', `Kafka at ${where} expects TLS on this port, and sstream connects without it (security protocol ${security?.protocol ?? 'PLAINTEXT'}).`, {
      cause: error,
      nextSteps: ['Use --security-protocol SSL or SASL_SSL (with --tls-ca if its CA is private),', "or the port of the broker's PLAINTEXT listener."],
    })
  }
  if (usesTls && speaksTls === 'plain') {
    return new SstreamError('KAFKA_TLS', `Kafka at ${where} does not speak TLS on this port (security protocol ${security?.protocol}).`, {
      cause: error,
      nextSteps: ['Use --security-protocol PLAINTEXT or SASL_PLAINTEXT for this listener,', 'or the port of its SSL / SASL_SSL listener.'],
    })
  }
  return translated
}

/**
 * Runs a Kafka start-up step with a deadline, so that a wrong broker address is a clear error within
 * seconds instead of minutes of client retries.
 */
export async function withKafkaDeadline<T>(
  brokers: string[],
  work: () => Promise<T>,
  {timeoutMs = 6000, doing = 'talk to Kafka', security}: {timeoutMs?: number; doing?: string; security?: KafkaSecurity} = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`Connection timeout after ${timeoutMs} ms`), {name: 'KafkaJSConnectionError'})), timeoutMs)
  })
  try {
    return await Promise.race([work(), deadline])
  } catch (error) {
    clearTimeout(timer)
    throw await diagnoseKafkaError(error, brokers, security, doing)
  } finally {
    clearTimeout(timer)
  }
}
