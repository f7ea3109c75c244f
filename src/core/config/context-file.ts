/**
 * The contexts file, `$XDG_CONFIG_HOME/sstream/config.yaml` (default ~/.config/sstream/config.yaml): named
 * clusters with their brokers, security settings and service URLs, and the current context. Written with
 * mode 0600; refused when group or others can read it while it holds a secret (a stored password, or a URL
 * with a password in it).
 */
import {chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'

import {parse, stringify} from 'yaml'

import {redactUrl, urlPassword} from '../address.js'
import {SstreamError} from '../errors.js'
import {CONTEXT_KEYS, STORED_PASSWORD_KEY} from './settings.js'

/** A context: setting flag names (`brokers`, `security-protocol`, `tls-ca`, `redis-url`, …) to values. */
export type ContextSettings = Record<string, string>

export interface ContextsFile {
  currentContext?: string
  contexts: Record<string, ContextSettings>
}

export function contextsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config')
  return join(base, 'sstream', 'config.yaml')
}

/** Whether a context holds a secret: a stored password or a URL with a password. */
export function holdsSecret(settings: ContextSettings): boolean {
  return Object.entries(settings).some(([key, value]) => key === STORED_PASSWORD_KEY || urlPassword(value) !== undefined)
}

/** A value for display: a stored password as ****, and a URL's password as ****. */
export function maskSetting(key: string, value: string): string {
  return key === STORED_PASSWORD_KEY ? '****' : redactUrl(value)
}

/** Reads the contexts file; an absent file is an empty one. */
export function readContextsFile(path = contextsFilePath()): ContextsFile {
  if (!existsSync(path)) return {contexts: {}}
  let document: unknown
  try {
    document = parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw configError(path, `is not valid YAML: ${(error as Error).message.split('\n')[0].replace(/:$/, '')}`)
  }
  const file = validate(document ?? {}, path)
  const mode = statSync(path).mode & 0o777
  const secret = Object.values(file.contexts).some((context) => holdsSecret(context))
  if (secret && (mode & 0o077) !== 0) {
    throw new SstreamError('CONFIG_ERROR', `The sstream config file ${path} holds a secret and can be read by other users (mode ${mode.toString(8).padStart(4, '0')}).`, {
      nextSteps: [`Make it private with \`chmod 600 ${path}\`,`, 'or keep secrets out of it (--sasl-password-env / --sasl-password-file).'],
    })
  }
  return file
}

/** Writes the contexts file with mode 0600 (atomically: a temporary file renamed over it). */
export function writeContextsFile(file: ContextsFile, path = contextsFilePath()): void {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  const document: Record<string, unknown> = {}
  if (file.currentContext) document['current-context'] = file.currentContext
  document.contexts = file.contexts
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, stringify(document), {mode: 0o600})
  chmodSync(temporary, 0o600)
  renameSync(temporary, path)
}

function validate(document: unknown, path: string): ContextsFile {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw configError(path, 'is not a mapping')
  const {'current-context': current, contexts = {}, ...rest} = document as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) throw configError(path, `has unknown keys: ${unknown.join(', ')} (expected current-context and contexts)`)
  if (current !== undefined && current !== null && typeof current !== 'string') throw configError(path, 'has a current-context that is not a name')
  if (typeof contexts !== 'object' || contexts === null || Array.isArray(contexts)) throw configError(path, 'has contexts that are not a mapping of names')
  const result: Record<string, ContextSettings> = {}
  for (const [name, settings] of Object.entries(contexts as Record<string, unknown>)) {
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw configError(path, `has a context ${name} that is not a mapping`)
    const context: ContextSettings = {}
    for (const [key, value] of Object.entries(settings as Record<string, unknown>)) {
      if (!CONTEXT_KEYS.has(key)) throw configError(path, `has an unknown setting ${key} in context ${name} (known: ${[...CONTEXT_KEYS].join(', ')})`)
      if (value === null || value === undefined) continue
      if (typeof value !== 'string' && typeof value !== 'number') throw configError(path, `has a setting ${key} in context ${name} that is not a string`)
      context[key] = String(value)
    }
    result[name] = context
  }
  return {...(typeof current === 'string' ? {currentContext: current} : {}), contexts: result}
}

function configError(path: string, what: string): SstreamError {
  return new SstreamError('CONFIG_ERROR', `The sstream config file ${path} ${what}.`, {
    // Every command reads the file, `sstream config …` too: the way out is the file itself, not a command.
    nextSteps: [`Fix ${path} in an editor (every sstream command reads it, \`sstream config\` too),`, `or move it aside and add the contexts again: \`mv ${path} ${path}.bak\`.`],
  })
}
