/**
 * The connection flags: one per service sstream talks to, plus Kafka's security flags. A command declares
 * only the connections it uses, so its --help lists only those: `static flags = {...connectionFlags('kafka',
 * 'redis'), ...}`. The flags carry no oclif `default` nor `env`: src/core/config resolves every setting in one
 * place (flags > SSTREAM_* environment > the context > defaults), so that a context is never bypassed by a
 * default. A setting the command does not declare a flag for comes from the environment, the context or its
 * default.
 */
import {Errors, Flags} from '@oclif/core'

import {SECURITY_PROTOCOLS, SETTINGS, type SettingKey} from '../core/config/index.js'

/** The services, each with its flags and their configuration keys. */
export const CONNECTIONS = {
  kafka: {flag: 'brokers', key: 'kafkaBrokers'},
  mariadb: {flag: 'mariadb-url', key: 'mariadbUrl'},
  redis: {flag: 'redis-url', key: 'redisUrl'},
  sentiment: {flag: 'sentiment-url', key: 'sentimentUrl'},
} as const satisfies Record<string, {flag: string; key: SettingKey}>

/** Kafka's security settings, declared with --brokers wherever a command talks to Kafka. */
export const KAFKA_SECURITY_KEYS = [
  'securityProtocol',
  'saslMechanism',
  'saslUsername',
  'saslPasswordEnv',
  'saslPasswordFile',
  'tlsCa',
  'tlsCert',
  'tlsKey',
  'tlsServerName',
] as const satisfies readonly SettingKey[]

export type Connection = keyof typeof CONNECTIONS
export type ConnectionFlagName = (typeof CONNECTIONS)[Connection]['flag']

/**
 * --security-protocol in any case, as its variable and a context's value are (the resolver upper-cases them):
 * not oclif's `options`, which match exactly, but a parse that upper-cases and checks, so that `config
 * add-context` stores only a protocol that exists, and in one spelling.
 */
const securityProtocol = {
  helpValue: SECURITY_PROTOCOLS.join('|'),
  parse: async (input: string): Promise<string> => {
    const protocol = input.toUpperCase()
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new Errors.CLIError(`Expected --security-protocol=${input} to be one of: ${SECURITY_PROTOCOLS.join(', ')} (in any case)`)
    }
    return protocol
  },
}

function settingFlag(key: SettingKey, helpGroup: string) {
  const {env, default: defaultValue, description} = SETTINGS[key]
  return Flags.string({
    description: `${description} [env: ${env}]${defaultValue ? ` [default: ${defaultValue}]` : ''}`,
    helpGroup,
    ...(key === 'securityProtocol' ? securityProtocol : {}),
  })
}

type SettingFlag = ReturnType<typeof settingFlag>
type KafkaSecurityFlagName = (typeof SETTINGS)[(typeof KAFKA_SECURITY_KEYS)[number]]['flag']

/** The flags of the given connections, keyed by flag name (`brokers`, `mariadb-url`, …, and Kafka's security flags). */
export type ConnectionFlags<C extends Connection> = {[K in C as (typeof CONNECTIONS)[K]['flag']]: SettingFlag} & ('kafka' extends C
  ? {[F in KafkaSecurityFlagName]: SettingFlag}
  : unknown)

/** The connection flags of the services a command uses, to spread into its `static flags`. */
export function connectionFlags<C extends Connection>(...connections: C[]): ConnectionFlags<C> {
  const entries: Array<[string, SettingFlag]> = []
  for (const connection of connections) {
    entries.push([CONNECTIONS[connection].flag, settingFlag(CONNECTIONS[connection].key, 'CONNECTION')])
    if (connection === 'kafka') for (const key of KAFKA_SECURITY_KEYS) entries.push([SETTINGS[key].flag, settingFlag(key, 'KAFKA SECURITY')])
  }
  return Object.fromEntries(entries) as ConnectionFlags<C>
}

/** Every setting as a flag (for `sstream config add-context`, which stores them). */
export function allSettingFlags(): Record<string, SettingFlag> {
  return Object.fromEntries((Object.keys(SETTINGS) as SettingKey[]).map((key) => [SETTINGS[key].flag, settingFlag(key, 'SETTINGS')]))
}

/** The configuration overrides in parsed flags: the connection flags a command declares, by configuration key. */
export function connectionOverrides(flags: Readonly<Record<string, unknown>>): Partial<Record<SettingKey, string>> {
  const overrides: Partial<Record<SettingKey, string>> = {}
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const value = flags[SETTINGS[key].flag]
    if (typeof value === 'string') overrides[key] = value
  }
  return overrides
}
