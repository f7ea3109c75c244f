/**
 * The local single-node Apache Kafka (KRaft combined mode) without Docker: the broker's jars come from
 * Maven Central through resources/kafka/pom.xml, cached under the stack home; the storage is formatted
 * once; kafka.Kafka runs in the background on the machine's Java, its log in a file.
 */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, open, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {SstreamError} from '../errors.js'
import {KafkaAdmin} from '../kafka/index.js'
import {resourcePath, stackHome} from '../paths.js'
import type {Endpoint} from '../address.js'
import {probeTcp} from './net.js'
import {addScramUser, ensureLocalSecurity, LOCAL_SECURE_USER, secureBrokerProperties, type LocalSecureListener} from './security.js'
import {findExecutable, isAlive, runProgram, spawnDetached, stopProcess} from './process.js'
import {sleep} from '../async.js'

export interface BrokerPaths {
  home: string
  version: string
  jarsDir: string
  dataDir: string
  configFile: string
  logFile: string
  pidFile: string
}

export type Progress = (message: string) => void

export async function kafkaVersion(): Promise<string> {
  const pom = await readFile(resourcePath('kafka', 'pom.xml'), 'utf8')
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)
  if (!match) throw new SstreamError('STACK_ERROR', 'resources/kafka/pom.xml names no kafka.version.')
  return match[1]
}

export async function brokerPaths(home = stackHome()): Promise<BrokerPaths> {
  const version = await kafkaVersion()
  return {
    home,
    version,
    jarsDir: join(home, `kafka-${version}`, 'libs'),
    dataDir: join(home, 'kafka-data'),
    configFile: join(home, 'server.properties'),
    logFile: join(home, 'kafka.log'),
    pidFile: join(home, 'kafka.pid'),
  }
}

/** Fetches the broker's jars with Maven once; later calls find them in the cache. */
export async function ensureBrokerJars(paths: BrokerPaths, progress: Progress = () => {}): Promise<'cached' | 'downloaded'> {
  const marker = join(paths.jarsDir, '.complete')
  if (existsSync(marker)) return 'cached'
  const mvn = await findExecutable('mvn')
  if (!mvn) {
    throw new SstreamError('MAVEN_MISSING', 'Maven is not installed; it fetches the Kafka broker from Maven Central.', {
      nextSteps: ['Install Maven and Java 17 (e.g. `apt-get install maven openjdk-17-jre-headless`),', 'or run the stack with Docker: `docker compose -f resources/docker-compose.yml up -d`.'],
    })
  }
  progress(`Fetching Apache Kafka ${paths.version} from Maven Central (once)…`)
  await rm(paths.jarsDir, {recursive: true, force: true})
  await mkdir(paths.jarsDir, {recursive: true})
  const result = await runProgram(mvn, ['-q', '-B', '-f', resourcePath('kafka', 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${paths.jarsDir}`])
  if (result.code !== 0) {
    throw new SstreamError('STACK_ERROR', `Maven could not fetch the Kafka broker: ${(result.stdout + result.stderr).trim().split('\n').slice(-5).join(' ')}`, {
      nextSteps: ['Check that Maven Central is reachable (a proxy may need MAVEN_OPTS), then run `sstream stack up` again.'],
    })
  }
  const jars = (await readdir(paths.jarsDir)).filter((f) => f.endsWith('.jar'))
  if (!jars.some((j) => j.startsWith('kafka_2.13-'))) throw new SstreamError('STACK_ERROR', 'Maven finished but the Kafka broker jar is missing.')
  await writeFile(marker, `${new Date().toISOString()}\n`)
  progress(`Fetched ${jars.length} jars.`)
  return 'downloaded'
}

export async function javaExecutable(): Promise<string> {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined
  if (fromHome && existsSync(fromHome)) return fromHome
  const java = await findExecutable('java')
  if (!java) {
    throw new SstreamError('JAVA_MISSING', 'Java is not installed; the local Kafka broker runs on Java 17 or newer.', {
      nextSteps: ['Install Java 17 (e.g. `apt-get install openjdk-17-jre-headless`),', 'or run the stack with Docker: `docker compose -f resources/docker-compose.yml up -d`.'],
    })
  }
  return java
}

async function writeBrokerConfig(paths: BrokerPaths, endpoint: Endpoint, secure?: Awaited<ReturnType<typeof ensureLocalSecurity>>): Promise<void> {
  const template = await readFile(resourcePath('kafka', 'server.properties'), 'utf8')
  const values: Record<string, string> = {host: endpoint.host, port: String(endpoint.port), controllerPort: String(endpoint.port + 1), dataDir: paths.dataDir}
  const rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? '')
  await writeFile(paths.configFile, secure ? secureBrokerProperties(rendered, endpoint.host, {saslSsl: secureListenerPort(endpoint)}, secure.tls, secure.user) : rendered)
}

/** The local stack's SASL_SSL listener: two ports above the broker's (the controller has the one above). */
export function secureListenerPort(endpoint: Endpoint): number {
  return endpoint.port + 2
}

/**
 * A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid format). Like Kafka's own
 * Uuid.randomUuid, never one that starts with '-': the storage tool would read it as an option.
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

async function formatStorage(paths: BrokerPaths, java: string, progress: Progress): Promise<boolean> {
  if (existsSync(join(paths.dataDir, 'meta.properties'))) return false
  progress('Formatting the broker storage (KRaft, standalone)…')
  await mkdir(paths.dataDir, {recursive: true})
  const result = await runProgram(java, ['-cp', join(paths.jarsDir, '*'), ...log4jArgs(), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', paths.configFile, '--standalone'])
  if (result.code !== 0) throw new SstreamError('STACK_ERROR', `Formatting the Kafka storage failed: ${(result.stdout + result.stderr).trim().split('\n').slice(-3).join(' ')}`)
  return true
}

function log4jArgs(): string[] {
  return [`-Dlog4j2.configurationFile=${resourcePath('kafka', 'log4j2.yaml')}`]
}

export async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

export interface BrokerStartResult {
  /** With --security sasl-ssl: the SASL_SSL listener and how to log in. */
  secure?: LocalSecureListener
  state: 'started' | 'already running'
  managed: boolean
  pid?: number
  version: string
  logFile: string
  startMs: number
}

/** Starts the broker unless something already answers on the endpoint; waits until it serves requests. */
export async function startBroker(
  endpoint: Endpoint,
  progress: Progress = () => {},
  signal?: AbortSignal,
  {security = 'none'}: {security?: 'none' | 'sasl-ssl'} = {},
): Promise<BrokerStartResult> {
  const paths = await brokerPaths()
  const started = Date.now()
  const pid = await readPid(paths.pidFile)
  const secureEndpoint = {host: endpoint.host, port: secureListenerPort(endpoint)}
  if ((await probeTcp(endpoint)).open) {
    if (security === 'sasl-ssl' && !(await probeTcp(secureEndpoint)).open) {
      throw new SstreamError('STACK_ERROR', `Kafka runs on ${endpoint.host}:${endpoint.port} without a SASL_SSL listener on port ${secureEndpoint.port}.`, {
        nextSteps: ['Stop it with `sstream stack down`, then run `sstream stack up --security sasl-ssl`.'],
      })
    }
    const secure = security === 'sasl-ssl' ? localSecureListener(paths.home, secureEndpoint) : undefined
    return {...(secure ? {secure} : {}), state: 'already running', managed: isAlive(pid), ...(isAlive(pid) ? {pid} : {}), version: paths.version, logFile: paths.logFile, startMs: 0}
  }
  await mkdir(paths.home, {recursive: true})
  const java = await javaExecutable()
  await ensureBrokerJars(paths, progress)
  const secure = security === 'sasl-ssl' ? await ensureLocalSecurity(paths.home, endpoint.host) : undefined
  if (secure) progress(`Adding a SASL_SSL listener on ${secureEndpoint.host}:${secureEndpoint.port} (SCRAM user ${secure.user.username}, CA ${secure.tls.caFile})…`)
  await writeBrokerConfig(paths, endpoint, secure)
  await formatStorage(paths, java, progress)
  progress(`Starting Kafka ${paths.version} on ${endpoint.host}:${endpoint.port}…`)
  const log = await open(paths.logFile, 'a')
  let brokerPid: number
  try {
    brokerPid = spawnDetached(
      java,
      ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-Djava.awt.headless=true', ...log4jArgs(), '-cp', join(paths.jarsDir, '*'), 'kafka.Kafka', paths.configFile],
      log.fd,
      {cwd: paths.home},
    )
  } finally {
    await log.close()
  }
  await writeFile(paths.pidFile, `${brokerPid}\n`)
  await waitForBroker(endpoint, brokerPid, paths, signal)
  if (secure) await addScramUser(java, ['-cp', join(paths.jarsDir, '*'), ...log4jArgs()], `${endpoint.host}:${endpoint.port}`, secure.user)
  return {
    ...(secure ? {secure: localSecureListener(paths.home, secureEndpoint)} : {}),
    state: 'started', managed: true, pid: brokerPid, version: paths.version, logFile: paths.logFile, startMs: Date.now() - started}
}

async function waitForBroker(endpoint: Endpoint, pid: number, paths: BrokerPaths, signal?: AbortSignal, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const brokers = [`${endpoint.host}:${endpoint.port}`]
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new SstreamError('INTERRUPTED', 'Interrupted while the broker was starting; it goes on starting in the background.')
    if (!isAlive(pid)) {
      const tail = (await readFile(paths.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-8).join('\n')
      throw new SstreamError('STACK_ERROR', `The Kafka broker exited while starting. Its log (${paths.logFile}) ends with:\n${tail}`, {
        nextSteps: ['If the port is taken, stop what holds it; if the storage is damaged, run `sstream stack down --purge` and `sstream stack up` again.'],
      })
    }
    if ((await probeTcp(endpoint, 1000)).open) {
      try {
        const admin = await KafkaAdmin.connect(brokers)
        await admin.close()
        return
      } catch {
        // listening but not serving yet
      }
    }
    await sleep(300)
  }
  throw new SstreamError('TIMEOUT', `The Kafka broker did not answer within ${timeoutMs / 1000} s; see ${paths.logFile}.`)
}

export interface BrokerStopResult {
  state: 'stopped' | 'killed' | 'not running' | 'not managed'
  pid?: number
}

/** Stops the broker only if sstream started it (its pid file names a live process). */
export async function stopBroker({purge = false} = {}): Promise<BrokerStopResult> {
  const paths = await brokerPaths()
  const pid = await readPid(paths.pidFile)
  let state: BrokerStopResult['state'] = 'not running'
  if (pid && isAlive(pid)) state = await stopProcess(pid, 60_000)
  else if (!pid) state = 'not managed'
  await rm(paths.pidFile, {force: true})
  if (purge) await rm(paths.dataDir, {recursive: true, force: true})
  return {state, ...(pid ? {pid} : {})}
}

function localSecureListener(home: string, endpoint: Endpoint): LocalSecureListener {
  return {brokers: `${endpoint.host}:${endpoint.port}`, caFile: join(home, 'tls', 'ca.pem'), username: LOCAL_SECURE_USER, passwordFile: join(home, 'sasl-password')}
}

export async function brokerManagedPid(): Promise<number | undefined> {
  const pid = await readPid((await brokerPaths()).pidFile)
  return isAlive(pid) ? pid : undefined
}

/** The addresses the local broker advertises (its PLAINTEXT listener, and the SASL_SSL one with --security sasl-ssl). */
export async function brokerAddresses(): Promise<string[]> {
  const config = await readFile((await brokerPaths()).configFile, 'utf8').catch(() => '')
  const listeners = /^advertised\.listeners=(.*)$/m.exec(config)?.[1] ?? ''
  return [...listeners.matchAll(/[A-Z_]+:\/\/([^,\s]+)/g)].map((m) => m[1])
}
