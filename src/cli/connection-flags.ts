/**
 * The connection flags: one per service sstream talks to, each with its SSTREAM_* variable and the local
 * stack's default (CONFIG_VARS). A command declares only the connections it uses, so its --help lists only
 * those: `static flags = {...connectionFlags('kafka', 'redis'), ...}`. The base class resolves every
 * connection (flags > environment > defaults); one the command does not declare comes from the
 * environment or its default.
 */
import {Flags} from '@oclif/core'

import {CONFIG_VARS, type ConfigKey} from '../core/config/index.js'

/** The services, each with its flag and its configuration key. */
export const CONNECTIONS = {
  kafka: {flag: 'brokers', key: 'kafkaBrokers'},
  mariadb: {flag: 'mariadb-url', key: 'mariadbUrl'},
  redis: {flag: 'redis-url', key: 'redisUrl'},
  sentiment: {flag: 'sentiment-url', key: 'sentimentUrl'},
} as const satisfies Record<string, {flag: string; key: ConfigKey}>

export type Connection = keyof typeof CONNECTIONS
export type ConnectionFlagName = (typeof CONNECTIONS)[Connection]['flag']

function connectionFlag(connection: Connection) {
  const {env, default: defaultValue, description} = CONFIG_VARS[CONNECTIONS[connection].key]
  return Flags.string({description, env, default: defaultValue, helpGroup: 'CONNECTION'})
}

/** The flags of the given connections, keyed by flag name (`brokers`, `mariadb-url`, `redis-url`, `sentiment-url`). */
export type ConnectionFlags<C extends Connection> = {[K in C as (typeof CONNECTIONS)[K]['flag']]: ReturnType<typeof connectionFlag>}

/** The connection flags of the services a command uses, to spread into its `static flags`. */
export function connectionFlags<C extends Connection>(...connections: C[]): ConnectionFlags<C> {
  return Object.fromEntries(connections.map((connection) => [CONNECTIONS[connection].flag, connectionFlag(connection)])) as ConnectionFlags<C>
}

/** The configuration overrides in parsed flags: the connection flags a command declares, by configuration key. */
export function connectionOverrides(flags: Readonly<Record<string, unknown>>): Partial<Record<ConfigKey, string>> {
  const overrides: Partial<Record<ConfigKey, string>> = {}
  for (const {flag, key} of Object.values(CONNECTIONS)) {
    const value = flags[flag]
    if (typeof value === 'string') overrides[key] = value
  }
  return overrides
}
