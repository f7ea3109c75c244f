/**
 * Errors that sstream reports to users. Every failure a user can cause or meet (bad input, a service that
 * is down, a refused login) becomes an SstreamError with a code from the closed union below, a message in
 * the present tense and the next step to take. Anything else is a BugError: a defect in sstream itself.
 */
export type SstreamErrorCode =
  | 'USAGE'
  | 'KAFKA_UNREACHABLE'
  | 'KAFKA_ERROR'
  | 'KAFKA_FENCED'
  | 'KAFKA_REBALANCE'
  | 'TOPIC_MISSING'
  | 'TOPIC_MISMATCH'
  | 'MARIADB_UNREACHABLE'
  | 'MARIADB_AUTH'
  | 'MARIADB_ERROR'
  | 'REDIS_UNREACHABLE'
  | 'REDIS_ERROR'
  | 'SENTIMENT_UNREACHABLE'
  | 'SENTIMENT_ERROR'
  | 'STACK_ERROR'
  | 'JAVA_MISSING'
  | 'MAVEN_MISSING'
  | 'PORT_IN_USE'
  | 'INTERRUPTED'
  | 'TIMEOUT'
  | 'INVALID_INPUT'
  | 'STORE_AHEAD'
  | 'OFFSET_INVALID'
  | 'CONFIG_ERROR'
  | 'KAFKA_AUTH'
  | 'KAFKA_TLS'

export interface SstreamErrorOptions {
  /** What the user can do about it, one step per entry, e.g. "Start it with `sstream stack up`." */
  nextSteps?: string[]
  cause?: unknown
  /** Process exit code; 1 unless the error is a usage error (2) or an interruption (130). */
  exitCode?: number
  /**
   * Whether the same request may succeed if asked again later (the service is down, the group is
   * rebalancing, the broker said so). Set by the adapter that classifies the failure; by default true for
   * the codes of an unreachable service and a rebalance, false otherwise.
   */
  retriable?: boolean
  /**
   * The service whose address did not answer, on a failure to reach it. `nextSteps` then fit the default
   * address, the local stack (`sstream stack up`); the command layer, which knows where the address came from
   * (a flag, the environment, a context), fits them to where the user pointed sstream.
   */
  unreachable?: UnreachableService
}

export type UnreachableService = 'kafka' | 'mariadb' | 'redis'

/** The codes that are retriable unless the adapter says otherwise. */
const RETRIABLE_CODES = new Set<SstreamErrorCode>(['KAFKA_UNREACHABLE', 'KAFKA_REBALANCE', 'MARIADB_UNREACHABLE', 'REDIS_UNREACHABLE', 'SENTIMENT_UNREACHABLE'])

export class SstreamError extends Error {
  readonly code: SstreamErrorCode
  readonly nextSteps: string[]
  readonly exitCode: number
  readonly retriable: boolean
  readonly unreachable: UnreachableService | undefined

  constructor(code: SstreamErrorCode, message: string, options: SstreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'SstreamError'
    this.code = code
    this.nextSteps = options.nextSteps ?? []
    this.exitCode = options.exitCode ?? (code === 'USAGE' ? 2 : code === 'INTERRUPTED' ? 130 : 1)
    this.retriable = options.retriable ?? RETRIABLE_CODES.has(code)
    this.unreachable = options.unreachable
  }

  toJSON(): {code: SstreamErrorCode; message: string; nextSteps: string[]} {
    return {code: this.code, message: this.message, nextSteps: this.nextSteps}
  }
}

/** A defect in sstream: an invariant that does not hold. Reported with its stack. */
export class BugError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'BugError'
  }
}

export function isSstreamError(error: unknown): error is SstreamError {
  return error instanceof SstreamError
}

/** The message of any thrown value, for logs and dead-letter reasons. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
