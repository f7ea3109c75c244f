/**
 * The runtime's outage policy: what a failure of a task's work means for the task, from the code the
 * adapter or the store classified it with (never from a message). Fatal: the run ends with it. Fenced:
 * another member owns the partition now; wait for the next assignment. Rebalance: drop the task, make it
 * again. Outage: the service is down or refused a request; pause, report, retry with backoff.
 */
import {isSstreamError} from '../errors.js'
import type {ServiceName} from './types.js'

export type FailureKind = 'fatal' | 'fenced' | 'rebalance' | 'outage'

/** Errors that waiting cannot cure: they end the run with their message, like a defect. */
const FATAL_CODES = new Set<string>(['STORE_AHEAD', 'OFFSET_INVALID', 'INVALID_INPUT', 'USAGE'])

export function failureKind(error: unknown): FailureKind {
  if (isSstreamError(error)) {
    if (FATAL_CODES.has(error.code)) return 'fatal'
    if (error.code === 'KAFKA_FENCED') return 'fenced'
    if (error.code === 'KAFKA_REBALANCE') return 'rebalance'
    return 'outage'
  }
  // A client error that reached the engine untranslated (the Kafka client's own error classes) is waited
  // out like an outage; anything else is a defect.
  return (error as {name?: string})?.name?.startsWith('KafkaJS') === true ? 'outage' : 'fatal'
}

/** The service a failure is about, for the `status` events. */
export function serviceOf(error: unknown): ServiceName {
  const code = isSstreamError(error) ? error.code : ''
  if (code.startsWith('MARIADB')) return 'mariadb'
  if (code.startsWith('REDIS')) return 'redis'
  if (code.startsWith('SENTIMENT')) return 'sentiment'
  return 'kafka'
}
