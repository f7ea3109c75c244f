/**
 * sstream's configuration, resolved in one place: flags > environment (SSTREAM_*) > the context > defaults.
 * The command layer passes the flags a user gave (no oclif defaults nor env on the connection flags, so a
 * context is never bypassed); core code receives the resolved values. Secrets (the SASL password) come from
 * an environment variable, a file or the context, and are never enumerable on the result, so that printing
 * or serialising a configuration cannot leak them.
 */
import {createPrivateKey, X509Certificate, type KeyObject} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {resolve as resolvePath} from 'node:path'

import {SstreamError} from '../errors.js'
import {contextsFilePath, readContextsFile, type ContextSettings, type ContextsFile} from './context-file.js'
import {
  CONTEXT_ENV,
  parseBrokers,
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

/** The layers, highest first. */
const LAYER: Record<SettingSource, number> = {flag: 0, env: 1, context: 2, default: 3}

function describeSource(key: SettingKey, source: SettingSource): string {
  return source === 'flag' ? `--${SETTINGS[key].flag}` : source === 'env' ? SETTINGS[key].env : source === 'context' ? `the context's ${SETTINGS[key].flag}` : 'the default'
}

function resolveKafkaSecurity(
  overrides: Partial<Record<SettingKey, string | undefined>>,
  env: NodeJS.ProcessEnv,
  context: ContextSettings,
): KafkaSecurity {
  const named = sourceValue('securityProtocol', overrides, env, context)
  const protocolName = named?.value.toUpperCase()
  if (protocolName !== undefined && !(SECURITY_PROTOCOLS as readonly string[]).includes(protocolName)) {
    throw new SstreamError('USAGE', `Unknown Kafka security protocol ${protocolName}.`, {nextSteps: [`Use one of ${SECURITY_PROTOCOLS.join(', ')}.`]})
  }
  // A protocol named in a higher layer than TLS or SASL settings it does not use decides: SASL_PLAINTEXT in the
  // environment leaves the context's TLS files unused, as --security-protocol PLAINTEXT leaves its SASL user.
  const pick = (key: SettingKey, family?: 'tls' | 'sasl'): string | undefined => {
    const setting = sourceValue(key, overrides, env, context)
    if (!setting || !named || !family) return setting?.value
    const used = family === 'tls' ? protocolName === 'SSL' || protocolName === 'SASL_SSL' : protocolName === 'SASL_PLAINTEXT' || protocolName === 'SASL_SSL'
    return used || LAYER[setting.source] <= LAYER[named.source] ? setting.value : undefined
  }
  const mechanismName = pick('saslMechanism', 'sasl')
  const username = pick('saslUsername', 'sasl')
  const tls: KafkaTls = {}
  const files: Partial<Record<'ca' | 'cert' | 'key', string>> = {}
  for (const [key, field] of [['tlsCa', 'ca'], ['tlsCert', 'cert'], ['tlsKey', 'key']] as const) {
    const file = pick(key, 'tls')
    if (file) {
      files[field] = file
      tls[field] = readSettingFile(file, `--${SETTINGS[key].flag}`)
    }
  }
  const serverName = pick('tlsServerName', 'tls')
  if (serverName) tls.serverName = serverName
  const protocolFrom = named ? ` (${describeSource('securityProtocol', named.source)})` : ''
  const wantsTls = Object.keys(tls).length > 0
  const protocol = (protocolName as SecurityProtocol | undefined) ?? (mechanismName || username ? (wantsTls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : wantsTls ? 'SSL' : 'PLAINTEXT')
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL'
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL'
  if (wantsTls && !usesTls) {
    throw new SstreamError('USAGE', `TLS settings are given but the security protocol is ${protocol}${protocolFrom}.`, {
      nextSteps: ['Use --security-protocol SSL or SASL_SSL, or leave out the --tls-* settings.'],
    })
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new SstreamError('USAGE', 'A client certificate needs its key, and a key its certificate.', {nextSteps: ['Give both --tls-cert and --tls-key.']})
  }
  checkTlsFiles(tls, files)
  const security: KafkaSecurity = {protocol}
  if (usesTls) security.tls = tls
  if (!usesSasl) {
    if (mechanismName || username) {
      throw new SstreamError('USAGE', `SASL settings are given but the security protocol is ${protocol}${protocolFrom}.`, {
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
  const layers: Array<{variable?: string; file?: string; value?: string; source: SettingSource}> = [
    {variable: overrides.saslPasswordEnv, file: overrides.saslPasswordFile, source: 'flag'},
    {variable: env[SETTINGS.saslPasswordEnv.env], file: env[SETTINGS.saslPasswordFile.env], value: env[SASL_PASSWORD_ENV], source: 'env'},
    {variable: context[SETTINGS.saslPasswordEnv.flag], file: context[SETTINGS.saslPasswordFile.flag], value: context[STORED_PASSWORD_KEY], source: 'context'},
  ]
  for (const {variable, file, value, source} of layers) {
    if (variable) {
      // A line end is never part of a password: `export VAR="$(cat file)"` keeps the CR of a CRLF file.
      const password = env[variable]?.replace(/[\r\n]+$/, '')
      if (!password) {
        throw new SstreamError('USAGE', `The SASL password variable ${variable} (named by ${describeSource('saslPasswordEnv', source)}) is not set.`, {
          nextSteps: [`Export ${variable} with the password, or name another source.`],
        })
      }
      return password
    }
    if (file) {
      // The first line, whatever the line ends (LF, CRLF or CR).
      const password = readSettingFile(file, 'the SASL password file').split(/\r\n|\n|\r/)[0]
      if (password === '') {
        throw new SstreamError('CONFIG_ERROR', `The SASL password file ${file} is empty (its first line holds no password).`, {
          nextSteps: [`Write the password on the first line of ${file}, or name another source (--sasl-password-env VAR).`],
        })
      }
      return password
    }
    const stored = value?.replace(/[\r\n]+$/, '')
    if (stored) return stored
  }
  throw new SstreamError('USAGE', 'SASL needs a password, and none is given.', {
    nextSteps: [`Give --sasl-password-env VAR (a variable that holds it), --sasl-password-file FILE, or set ${SASL_PASSWORD_ENV}.`],
  })
}

/**
 * Checks the TLS files before any connection: a CA or certificate file that holds no PEM certificate, a key
 * file that holds no usable private key, or a certificate and key that do not belong together would otherwise
 * fail inside the TLS client, where the failure reads like a broker that cannot be reached.
 */
function checkTlsFiles(tls: KafkaTls, files: Partial<Record<'ca' | 'cert' | 'key', string>>): void {
  // The fields are named after their flags: --tls-ca, --tls-cert, --tls-key.
  const fileError = (field: 'ca' | 'cert' | 'key', message: string, step: string): SstreamError =>
    new SstreamError('CONFIG_ERROR', `The --tls-${field} file ${files[field]} ${message}.`, {nextSteps: [step]})
  const certificate = (field: 'ca' | 'cert'): X509Certificate | undefined => {
    const pem = tls[field]
    if (pem === undefined) return undefined
    try {
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate')
      return new X509Certificate(pem)
    } catch {
      throw fileError(field, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)', `Give the ${field === 'ca' ? "CA certificate that signed the brokers' certificates" : 'client certificate'} in PEM form (from DER: \`openssl x509 -inform der -in FILE -out FILE.pem\`).`)
    }
  }
  certificate('ca')
  const cert = certificate('cert')
  if (tls.key === undefined || cert === undefined) return
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(tls.key)) {
    throw fileError('key', 'holds an encrypted private key, and sstream has no passphrase for it', 'Give the key unencrypted (`openssl pkey -in FILE -out key.pem`) in a file only you can read.')
  }
  let key: KeyObject
  try {
    key = createPrivateKey(tls.key)
  } catch {
    throw fileError('key', 'holds no PEM private key (-----BEGIN PRIVATE KEY-----)', 'Give the private key of the client certificate in PEM form.')
  }
  if (!cert.checkPrivateKey(key)) {
    throw new SstreamError('CONFIG_ERROR', `The client certificate ${files.cert} and the key ${files.key} do not belong together.`, {
      nextSteps: ['Give --tls-key the private key of the certificate in --tls-cert.'],
    })
  }
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

/** Whether connections to Kafka are encrypted and authenticated, for status displays. */
export function describeKafkaSecurity(security: KafkaSecurity): {tls: boolean; auth: string | null} {
  return {tls: security.tls !== undefined, auth: security.sasl ? `${security.sasl.mechanism} as ${security.sasl.username}` : null}
}
export * from './contexts.js'
