/**
 * Errors that sstream reports to users. Every failure a user can cause or meet (bad input, a service that
 * is down, a refused login) becomes an SstreamError with a code from the closed union below, a message in
 * the present tense and the next step to take. Anything else is a BugError: a defect in sstream itself.
 */
export type SstreamErrorCode =
  | 'USAGE'
  | 'KAFKA_UNREACHABLE'
  | 'KAFKA_ERROR'
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

export interface SstreamErrorOptions {
  /** What the user can do about it, one step per entry, e.g. "Start it with `sstream stack up`." */
  nextSteps?: string[]
  cause?: unknown
  /** Process exit code; 1 unless the error is a usage error (2) or an interruption (130). */
  exitCode?: number
}

export class SstreamError extends Error {
  readonly code: SstreamErrorCode
  readonly nextSteps: string[]
  readonly exitCode: number

  constructor(code: SstreamErrorCode, message: string, options: SstreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'SstreamError'
    this.code = code
    this.nextSteps = options.nextSteps ?? []
    this.exitCode = options.exitCode ?? (code === 'USAGE' ? 2 : code === 'INTERRUPTED' ? 130 : 1)
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
