/**
 * MariaDB and Redis for the local stack: checked on their addresses, and started from the locally
 * installed servers when they are stopped. sstream remembers what it started, so that `stack down`
 * stops only that.
 */
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {SstreamError} from '../errors.js'
import {stackHome} from '../paths.js'
import type {Endpoint} from '../address.js'
import {probeTcp, waitForPort} from './net.js'
import {findExecutable, isAlive, runProgram, stopProcess} from './process.js'
import {sleep} from '../async.js'

export type LocalServiceName = 'mariadb' | 'redis'

interface StackState {
  started: Partial<Record<LocalServiceName, {pid?: number; at: string}>>
}

function stateFile(): string {
  return join(stackHome(), 'stack-state.json')
}

async function readState(): Promise<StackState> {
  try {
    return JSON.parse(await readFile(stateFile(), 'utf8')) as StackState
  } catch {
    return {started: {}}
  }
}

async function writeState(state: StackState): Promise<void> {
  await mkdir(stackHome(), {recursive: true})
  await writeFile(stateFile(), `${JSON.stringify(state, null, 2)}\n`)
}

export interface LocalServiceResult {
  state: 'started' | 'already running' | 'unavailable'
  managed: boolean
  detail?: string
}

const INSTALL_HINT: Record<LocalServiceName, string> = {
  mariadb: 'Install MariaDB (e.g. `apt-get install mariadb-server`) or start it with Docker: `docker compose -f resources/docker-compose.yml up -d mariadb`.',
  redis: 'Install Redis (e.g. `apt-get install redis-server`) or start it with Docker: `docker compose -f resources/docker-compose.yml up -d redis`.',
}

/** Whether an address is this machine's (the local stack starts services there only). */
export function isLocal(endpoint: Endpoint): boolean {
  return ['127.0.0.1', 'localhost', '::1'].includes(endpoint.host)
}

/** Starts the service when nothing answers on its address and a local server is installed. */
export async function ensureLocalService(name: LocalServiceName, endpoint: Endpoint): Promise<LocalServiceResult> {
  const state = await readState()
  if ((await probeTcp(endpoint)).open) return {state: 'already running', managed: Boolean(state.started[name])}
  if (!isLocal(endpoint)) {
    return {state: 'unavailable', managed: false, detail: `${name} at ${endpoint.host}:${endpoint.port} does not answer, and it is not on this machine.`}
  }
  const pid = name === 'mariadb' ? await startMaria() : await startRedis(endpoint)
  if (pid === undefined) return {state: 'unavailable', managed: false, detail: `${name} is not running on ${endpoint.host}:${endpoint.port} and is not installed here. ${INSTALL_HINT[name]}`}
  if (!(await waitForPort(endpoint, {timeoutMs: 30_000}))) {
    throw new SstreamError('STACK_ERROR', `${name} was started but does not answer on ${endpoint.host}:${endpoint.port} after 30 s.`, {nextSteps: [INSTALL_HINT[name]]})
  }
  state.started[name] = {...(pid > 0 ? {pid} : {}), at: new Date().toISOString()}
  await writeState(state)
  return {state: 'started', managed: true}
}

async function startMaria(): Promise<number | undefined> {
  const server = (await findExecutable('mariadbd')) ?? (await findExecutable('mysqld'))
  if (!server) return undefined
  const ssd = await findExecutable('start-stop-daemon')
  if (ssd) {
    const result = await runProgram(ssd, ['--start', '--oknodo', '--background', '--exec', server])
    if (result.code !== 0) throw new SstreamError('STACK_ERROR', `Starting MariaDB failed: ${result.stderr.trim()}`)
    return 0
  }
  const safe = await findExecutable('mariadbd-safe')
  if (!safe) return undefined
  const result = await runProgram('sh', ['-c', `${safe} >/dev/null 2>&1 &`])
  if (result.code !== 0) throw new SstreamError('STACK_ERROR', `Starting MariaDB failed: ${result.stderr.trim()}`)
  return 0
}

async function startRedis(endpoint: Endpoint): Promise<number | undefined> {
  const server = await findExecutable('redis-server')
  if (!server) return undefined
  const pidFile = join(stackHome(), 'redis.pid')
  await mkdir(stackHome(), {recursive: true})
  const result = await runProgram(server, ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(endpoint.port), '--save', '', '--appendonly', 'no', '--pidfile', pidFile])
  if (result.code !== 0) throw new SstreamError('STACK_ERROR', `Starting Redis failed: ${result.stderr.trim() || result.stdout.trim()}`)
  for (let i = 0; i < 20 && !existsSync(pidFile); i++) await sleep(100)
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '0')).trim())
  return pid
}

/** Stops the service only if `stack up` started it. */
export async function stopLocalService(name: LocalServiceName): Promise<'stopped' | 'not managed'> {
  const state = await readState()
  const entry = state.started[name]
  if (!entry) return 'not managed'
  if (name === 'redis' && entry.pid && isAlive(entry.pid)) await stopProcess(entry.pid, 10_000)
  if (name === 'mariadb') {
    const server = (await findExecutable('mariadbd')) ?? (await findExecutable('mysqld'))
    const ssd = await findExecutable('start-stop-daemon')
    if (server && ssd) await runProgram(ssd, ['--stop', '--oknodo', '--retry', '30', '--exec', server])
  }
  delete state.started[name]
  await writeState(state)
  return 'stopped'
}

export async function managedServices(): Promise<Set<LocalServiceName>> {
  return new Set(Object.keys((await readState()).started) as LocalServiceName[])
}
