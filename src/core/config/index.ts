/**
 * sstream's configuration, resolved in one place: flags > environment (SSTREAM_*) > the context > defaults.
 * The command layer passes the flags a user gave (no oclif defaults nor env on the connection flags, so a
 * context is never bypassed); core code receives the resolved values. Secrets (the SASL password) come from
 * an environment variable, a file or the context, and are never enumerable on the result, so that printing
 * or serialising a configuration cannot leak them.
 */
import {readFileSync} from 'node:fs'
import {resolve as resolvePath} from 'node:path'

import {SstreamError} from '../errors.js'
import {contextsFilePath, readContextsFile, type ContextSettings, type ContextsFile} from './context-file.js'
import {
  CONTEXT_ENV,
  SASL_MECHANISMS,
  SASL_PASSWORD_ENV,
  SECURITY_PROTOCOLS,
  SETTINGS,
  STORED_PASSWORD_KEY,
  type SaslMechanismName,
  type SecurityProtocol,
  type SettingKey,
} from './settings.js'

export * from './context-file.js'
export * from './settings.js'

/** Kept for callers that name the variables: the settings of the four services. */
export const CONFIG_VARS = SETTINGS
export type ConfigKey = SettingKey

export interface KafkaTls {
  /** PEM text of the CA file (absent: the system's CAs). */
  ca?: string
  cert?: string
  key?: string
  serverName?: string
}

export interface KafkaSasl {
  mechanism: SaslMechanismName
  username: string
  /** Not enumerable: JSON.stringify and util.inspect leave it out. */
  readonly password: string
}

/** How sstream talks to Kafka: the security protocol with its TLS and SASL settings. */
export interface KafkaSecurity {
  protocol: SecurityProtocol
  tls?: KafkaTls
  sasl?: KafkaSasl
}

export const PLAINTEXT: KafkaSecurity = {protocol: 'PLAINTEXT'}

export interface SstreamConfig {
  kafkaBrokers: string[]
  kafkaSecurity: KafkaSecurity
  mariadbUrl: string
  redisUrl: string
  sentimentUrl: string
  /** The context the settings came from, if any. */
  context?: string
}

/** Where each setting came from. */
export type SettingSource = 'flag' | 'env' | 'context' | 'default'

export interface ResolveOptions {
  /** The context named by --context (wins over SSTREAM_CONTEXT and the file's current context). */
  context?: string
  /** The contexts file; read from its default place when absent. */
  file?: ContextsFile
  filePath?: string
}

/** Resolves the configuration from flags (overrides), the environment, the context and the defaults. */
export function readConfig(
  overrides: Partial<Record<SettingKey, string | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveOptions = {},
): SstreamConfig {
  const {context, settings} = selectContext(env, options)
  const pick = (key: SettingKey): string | undefined => sourceValue(key, overrides, env, settings)?.value
  const required = (key: 'kafkaBrokers' | 'mariadbUrl' | 'redisUrl' | 'sentimentUrl'): string => pick(key) ?? SETTINGS[key].default
  return {
    kafkaBrokers: parseBrokers(required('kafkaBrokers')),
    kafkaSecurity: resolveKafkaSecurity(overrides, env, settings),
    mariadbUrl: required('mariadbUrl'),
    redisUrl: required('redisUrl'),
    sentimentUrl: required('sentimentUrl'),
    ...(context ? {context} : {}),
  }
}

/** Where a setting comes from (flag, environment, context), or undefined when only its default applies. */
export function settingSource(
  key: SettingKey,
  overrides: Partial<Record<SettingKey, string | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
  options: ResolveOptions = {},
): SettingSource {
  return sourceValue(key, overrides, env, selectContext(env, options).settings)?.source ?? 'default'
}

function sourceValue(
  key: SettingKey,
  overrides: Partial<Record<SettingKey, string | undefined>>,
  env: NodeJS.ProcessEnv,
  context: ContextSettings,
): {value: string; source: SettingSource} | undefined {
  const flag = overrides[key]
  if (flag !== undefined && flag !== '') return {value: flag, source: 'flag'}
  const fromEnv = env[SETTINGS[key].env]
  if (fromEnv !== undefined && fromEnv !== '') return {value: fromEnv, source: 'env'}
  const fromContext = context[SETTINGS[key].flag]
  if (fromContext !== undefined && fromContext !== '') return {value: fromContext, source: 'context'}
  return undefined
}

/** The context in use: --context, else SSTREAM_CONTEXT, else the file's current context, else none. */
function selectContext(env: NodeJS.ProcessEnv, options: ResolveOptions): {context?: string; settings: ContextSettings} {
  const named = options.context || env[CONTEXT_ENV] || undefined
  const path = options.filePath ?? contextsFilePath(env)
  const file = options.file ?? readContextsFile(path)
  const name = named ?? file.currentContext
  if (!name) return {settings: {}}
  const settings = file.contexts[name]
  if (!settings) {
    const known = Object.keys(file.contexts)
    throw new SstreamError('CONFIG_ERROR', `There is no context named ${name} in ${path}.`, {
      nextSteps: [
        known.length > 0 ? `Known contexts: ${known.join(', ')} (\`sstream config list\`).` : 'There are no contexts yet.',
        `Create it with \`sstream config add-context ${name} --brokers host:port …\`.`,
      ],
    })
  }
  return {context: name, settings}
}

function resolveKafkaSecurity(
  overrides: Partial<Record<SettingKey, string | undefined>>,
  env: NodeJS.ProcessEnv,
  context: ContextSettings,
): KafkaSecurity {
  const pick = (key: SettingKey): string | undefined => sourceValue(key, overrides, env, context)?.value
  const mechanismName = pick('saslMechanism')
  const username = pick('saslUsername')
  const tls: KafkaTls = {}
  for (const [key, field] of [['tlsCa', 'ca'], ['tlsCert', 'cert'], ['tlsKey', 'key']] as const) {
    const file = pick(key)
    if (file) tls[field] = readSettingFile(file, `--${SETTINGS[key].flag}`)
  }
  const serverName = pick('tlsServerName')
  if (serverName) tls.serverName = serverName
  const protocolName = pick('securityProtocol')?.toUpperCase()
  if (protocolName !== undefined && !(SECURITY_PROTOCOLS as readonly string[]).includes(protocolName)) {
    throw new SstreamError('USAGE', `Unknown Kafka security protocol ${protocolName}.`, {nextSteps: [`Use one of ${SECURITY_PROTOCOLS.join(', ')}.`]})
  }
  const wantsTls = Object.keys(tls).length > 0
  const protocol = (protocolName as SecurityProtocol | undefined) ?? (mechanismName || username ? (wantsTls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : wantsTls ? 'SSL' : 'PLAINTEXT')
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL'
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
  if (wantsTls && !usesTls) {
    throw new SstreamError('USAGE', `TLS settings are given but the security protocol is ${protocol}.`, {
      nextSteps: ['Use --security-protocol SSL or SASL_SSL, or leave out the --tls-* settings.'],
    })
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new SstreamError('USAGE', 'A client certificate needs its key, and a key its certificate.', {nextSteps: ['Give both --tls-cert and --tls-key.']})
  }
  const security: KafkaSecurity = {protocol}
  if (usesTls) security.tls = tls
  if (!usesSasl) {
    if (mechanismName || username) {
      throw new SstreamError('USAGE', `SASL settings are given but the security protocol is ${protocol}.`, {
        nextSteps: ['Use --security-protocol SASL_SSL or SASL_PLAINTEXT, or leave out the --sasl-* settings.'],
      })
    }
    return security
  }
  const mechanism = (mechanismName ?? '').toUpperCase()
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new SstreamError('USAGE', mechanismName ? `Unknown SASL mechanism ${mechanismName}.` : `The security protocol ${protocol} needs a SASL mechanism.`, {
      nextSteps: [`Use --sasl-mechanism with one of ${SASL_MECHANISMS.join(', ')}.`],
    })
  }
  if (!username) throw new SstreamError('USAGE', `SASL ${mechanism} needs a user name.`, {nextSteps: ['Give --sasl-username or set SSTREAM_KAFKA_SASL_USERNAME.']})
  const sasl = {mechanism: mechanism as SaslMechanismName, username} as KafkaSasl
  Object.defineProperty(sasl, 'password', {value: resolvePassword(overrides, env, context), enumerable: false})
  security.sasl = sasl
  return security
}

/** The SASL password: from the first layer (flags, environment, context) that names a source for it. */
function resolvePassword(overrides: Partial<Record<SettingKey, string | undefined>>, env: NodeJS.ProcessEnv, context: ContextSettings): string {
  const layers: Array<{variable?: string; file?: string; value?: string}> = [
    {variable: overrides.saslPasswordEnv, file: overrides.saslPasswordFile},
    {variable: env[SETTINGS.saslPasswordEnv.env], file: env[SETTINGS.saslPasswordFile.env], value: env[SASL_PASSWORD_ENV]},
    {variable: context[SETTINGS.saslPasswordEnv.flag], file: context[SETTINGS.saslPasswordFile.flag], value: context[STORED_PASSWORD_KEY]},
  ]
  for (const {variable, file, value} of layers) {
    if (variable) {
      const password = env[variable]
      if (!password) {
        throw new SstreamError('USAGE', `The SASL password variable ${variable} is not set.`, {nextSteps: [`Export ${variable} with the password, or name another source.`]})
      }
      return password
    }
    if (file) return readSettingFile(file, 'the SASL password file').split(/\r?\n/)[0]
    if (value) return value
  }
  throw new SstreamError('USAGE', 'SASL needs a password, and none is given.', {
    nextSteps: [`Give --sasl-password-env VAR (a variable that holds it), --sasl-password-file FILE, or set ${SASL_PASSWORD_ENV}.`],
  })
}

function readSettingFile(path: string, what: string): string {
  try {
    return readFileSync(resolvePath(path), 'utf8')
  } catch (error) {
    throw new SstreamError('CONFIG_ERROR', `Can't read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, {
      nextSteps: ['Check the path and its permissions.'],
    })
  }
}

export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0)
}

/** Whether connections to Kafka are encrypted and authenticated, for status displays. */
export function describeKafkaSecurity(security: KafkaSecurity): {tls: boolean; auth: string | null} {
  return {tls: security.tls !== undefined, auth: security.sasl ? `${security.sasl.mechanism} as ${security.sasl.username}` : null}
}
export * from './contexts.js'
