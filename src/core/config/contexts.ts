/**
 * `sstream config …`: adds, selects, lists, shows and removes contexts in the contexts file. Secrets are
 * never returned in the clear: a stored password and a URL's password are shown as ****.
 */
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'

import {redactUrl} from '../address.js'
import {SstreamError} from '../errors.js'
import {contextsFilePath, maskSetting, readContextsFile, writeContextsFile, type ContextSettings} from './context-file.js'
import {CONTEXT_ENV, CONTEXT_KEYS, parseBrokers, SETTINGS} from './settings.js'

export interface ContextsOptions {
  /** The contexts file (default: $XDG_CONFIG_HOME/sstream/config.yaml). */
  path?: string
}

export interface ContextView {
  name: string
  current: boolean
  /** The settings, secrets masked. */
  settings: ContextSettings
}

export interface AddContextResult {
  file: string
  context: ContextView
  replaced: boolean
}

/** Settings that name files: stored as absolute paths, and checked to exist. */
const FILE_SETTINGS = new Set<string>([SETTINGS.tlsCa.flag, SETTINGS.tlsCert.flag, SETTINGS.tlsKey.flag, SETTINGS.saslPasswordFile.flag])

/** Settings that are URLs: checked to parse, so that a typo is found when the context is added. */
const URL_SETTINGS = new Set<string>([SETTINGS.mariadbUrl.flag, SETTINGS.redisUrl.flag, SETTINGS.sentimentUrl.flag])

/**
 * Stores a context. `use`: true makes it current, false never does, and by default it becomes current only
 * when no context is.
 */
export function addContext(name: string, settings: ContextSettings, {use, overwrite = false, path = contextsFilePath()}: ContextsOptions & {use?: boolean; overwrite?: boolean} = {}): AddContextResult {
  checkName(name)
  const file = readContextsFile(path)
  const replaced = name in file.contexts
  if (replaced && !overwrite) {
    throw new SstreamError('CONFIG_ERROR', `A context named ${name} exists already in ${path}.`, {
      nextSteps: ['Replace it with --overwrite, or remove it first with `sstream config remove ' + name + '`.'],
    })
  }
  const stored: ContextSettings = {}
  for (const [key, value] of Object.entries(settings)) {
    if (!CONTEXT_KEYS.has(key)) throw new SstreamError('USAGE', `Unknown context setting ${key}.`)
    if (value === '') continue
    if (URL_SETTINGS.has(key) && !URL.canParse(value)) {
      throw new SstreamError('USAGE', `--${key} "${redactUrl(value)}" is not a URL.`, {
        nextSteps: ['Write it as scheme://user:password@host:port/…, with a / ? # @ or : in the password percent-encoded (%2F %3F %23 %40 %3A).'],
      })
    }
    if (FILE_SETTINGS.has(key)) {
      const absolute = resolve(value)
      if (!existsSync(absolute)) throw new SstreamError('CONFIG_ERROR', `The file ${absolute} given as --${key} does not exist.`, {nextSteps: ['Check the path.']})
      stored[key] = absolute
    } else {
      stored[key] = value
    }
  }
  // A context is a cluster: without brokers every command would quietly talk to the local default instead.
  if (parseBrokers(stored[SETTINGS.kafkaBrokers.flag] ?? '').length === 0) {
    throw new SstreamError('USAGE', `The context ${name} names no Kafka brokers.`, {nextSteps: ['Give them with --brokers host:port[,host:port…].']})
  }
  file.contexts[name] = stored
  if (use === true || (use === undefined && !file.currentContext)) file.currentContext = name
  writeContextsFile(file, path)
  return {file: path, context: view(name, stored, file.currentContext), replaced}
}

export function useContext(name: string, {path = contextsFilePath()}: ContextsOptions = {}): {file: string; current: string; previous: string | null} {
  const file = readContextsFile(path)
  if (!(name in file.contexts)) throw missing(name, Object.keys(file.contexts), path)
  const previous = file.currentContext ?? null
  file.currentContext = name
  writeContextsFile(file, path)
  return {file: path, current: name, previous}
}

export function listContexts({path = contextsFilePath()}: ContextsOptions = {}): {file: string; current: string | null; contexts: ContextView[]} {
  const file = readContextsFile(path)
  return {
    file: path,
    current: file.currentContext ?? null,
    contexts: Object.entries(file.contexts).map(([name, settings]) => view(name, settings, file.currentContext)),
  }
}

/** One context: the named one, else SSTREAM_CONTEXT's, else the current one. */
export function showContext(name: string | undefined, {path = contextsFilePath(), env = process.env}: ContextsOptions & {env?: NodeJS.ProcessEnv} = {}): {file: string; context: ContextView} {
  const file = readContextsFile(path)
  // An empty SSTREAM_CONTEXT is no choice, as everywhere else (readConfig).
  const chosen = name || env[CONTEXT_ENV] || file.currentContext
  if (!chosen) {
    throw new SstreamError('CONFIG_ERROR', `No context is selected (${path}).`, {
      nextSteps: ['Name one: `sstream config show NAME`,', 'or create one with `sstream config add-context NAME --brokers host:port …`.'],
    })
  }
  const settings = file.contexts[chosen]
  if (!settings) throw missing(chosen, Object.keys(file.contexts), path)
  return {file: path, context: view(chosen, settings, file.currentContext)}
}

export function removeContext(name: string, {path = contextsFilePath()}: ContextsOptions = {}): {file: string; removed: string; current: string | null} {
  const file = readContextsFile(path)
  if (!(name in file.contexts)) throw missing(name, Object.keys(file.contexts), path)
  delete file.contexts[name]
  if (file.currentContext === name) delete file.currentContext
  writeContextsFile(file, path)
  return {file: path, removed: name, current: file.currentContext ?? null}
}

function view(name: string, settings: ContextSettings, current: string | undefined): ContextView {
  return {name, current: name === current, settings: Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, maskSetting(key, value)]))}
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new SstreamError('USAGE', `${JSON.stringify(name)} is not a context name.`, {nextSteps: ['Use letters, digits, ".", "_" and "-", starting with a letter or digit.']})
  }
}

function missing(name: string, known: string[], path: string): SstreamError {
  return new SstreamError('CONFIG_ERROR', `There is no context named ${name} in ${path}.`, {
    nextSteps: [known.length > 0 ? `Known contexts: ${known.join(', ')}.` : 'There are no contexts yet: add one with `sstream config add-context NAME --brokers host:port …`.'],
  })
}
