/**
 * The next step when Kafka, MariaDB or Redis does not answer, fitted to where the user pointed sstream. The
 * adapters' steps are those of the default address, the local stack (`sstream stack up`); an address that a
 * flag, an SSTREAM_* variable or a context gave is the user's own service, and the step is to check it or
 * correct the setting that named it.
 */
import {SETTINGS, type SettingSource} from '../core/config/index.js'
import {SstreamError, type UnreachableService} from '../core/errors.js'
import {CONNECTIONS} from './connection-flags.js'

/** Where a service's address came from: the layer, and the context's name when it is the context. */
export interface AddressOrigin {
  source: SettingSource
  context?: string
}

const SERVICE_NAMES: Record<UnreachableService, string> = {kafka: 'Kafka', mariadb: 'MariaDB', redis: 'Redis'}

/** The steps for a service the user pointed at (undefined for the default address: the adapter's steps hold). */
export function pointedSteps(service: UnreachableService, origin: AddressOrigin): string[] | undefined {
  const flag = `--${CONNECTIONS[service].flag}`
  const variable = SETTINGS[CONNECTIONS[service].key].env
  const check = (given: string): string => `The address comes from ${given}: check that ${SERVICE_NAMES[service]} runs there and that this machine can reach it (host, port, firewall),`
  switch (origin.source) {
    case 'default': {
      return undefined
    }
    case 'flag': {
      return [check(flag), `or correct ${flag}.`]
    }
    case 'env': {
      return [check(variable), `or correct ${variable} (${flag} wins over it).`]
    }
    case 'context': {
      const name = origin.context ?? 'in use'
      return [
        check(`the context ${name} (\`sstream config show ${name}\`)`),
        `or correct the context (\`sstream config add-context ${name} --overwrite …\`), use another (--context NAME), or override it with ${flag} or ${variable}.`,
      ]
    }
  }
}

/** The error with next steps that fit where its service's address came from. */
export function fitUnreachable(error: SstreamError, origin: (service: UnreachableService) => AddressOrigin): SstreamError {
  if (!error.unreachable) return error
  const steps = pointedSteps(error.unreachable, origin(error.unreachable))
  if (!steps) return error
  return new SstreamError(error.code, error.message, {cause: error.cause, nextSteps: steps, exitCode: error.exitCode, retriable: error.retriable, unreachable: error.unreachable})
}
