/**
 * The local three-node Kafka cluster of `sstream stack up --nodes 3`: three KRaft processes, each broker and
 * controller (a static quorum of the three), each with its own ports, data directory, config, log and pid
 * file under <stack home>/cluster/node-N. Replication factor 3 and min.insync.replicas=2 by default, the
 * internal topics included, so that leader moves and broker failures can be seen locally.
 */
import {existsSync} from 'node:fs'
import {mkdir, open, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {Endpoint} from '../address.js'
import {sleep} from '../async.js'
import {SstreamError} from '../errors.js'
import {KafkaAdmin} from '../kafka/index.js'
import {resourcePath, stackHome} from '../paths.js'
import {brokerPaths, clusterId, ensureBrokerJars, javaExecutable, readPid, type Progress} from './kafka-broker.js'
import {probeTcp} from './net.js'
import {isAlive, runProgram, spawnDetached, stopProcess} from './process.js'

/** The ports of node N (1-based) are the base ports plus (N - 1) × this: 9092, 9192, 9292; controllers one above. */
export const CLUSTER_PORT_STEP = 100

export interface ClusterNodeLayout {
  id: number
  host: string
  /** The PLAINTEXT listener clients use. */
  port: number
  /** The CONTROLLER listener of the KRaft quorum. */
  controllerPort: number
  dir: string
  dataDir: string
  configFile: string
  logFile: string
  pidFile: string
}

export interface ClusterLayout {
  dir: string
  /** Where the cluster id is kept, so that a restart finds the storage it formatted. */
  stateFile: string
  nodes: ClusterNodeLayout[]
  /** The bootstrap list: every node's client address. */
  brokers: string[]
  /** controller.quorum.voters: id@host:controllerPort of every node. */
  voters: string
}

/** Where each node of an n-node cluster listens and keeps its files, from the first node's endpoint. */
export function clusterLayout(home: string, endpoint: Endpoint, size: number): ClusterLayout {
  if (!Number.isInteger(size) || size < 3) throw new SstreamError('USAGE', `A local cluster has 3 nodes or more (a quorum that survives one failure), not ${size}.`)
  const dir = join(home, 'cluster')
  const nodes = Array.from({length: size}, (_, i): ClusterNodeLayout => {
    const id = i + 1
    const port = endpoint.port + i * CLUSTER_PORT_STEP
    const nodeDir = join(dir, `node-${id}`)
    return {
      id,
      host: endpoint.host,
      port,
      controllerPort: port + 1,
      dir: nodeDir,
      dataDir: join(nodeDir, 'data'),
      configFile: join(nodeDir, 'server.properties'),
      logFile: join(nodeDir, 'kafka.log'),
      pidFile: join(nodeDir, 'kafka.pid'),
    }
  })
  return {
    dir,
    stateFile: join(dir, 'cluster.json'),
    nodes,
    brokers: nodes.map((n) => `${n.host}:${n.port}`),
    voters: nodes.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(','),
  }
}

/** The server.properties of one node: broker and controller, replication factor 3, min.insync.replicas=2. */
export function clusterNodeProperties(node: Pick<ClusterNodeLayout, 'id' | 'host' | 'port' | 'controllerPort' | 'dataDir'>, voters: string, size = 3): string {
  const replicas = Math.min(3, size)
  const minIsr = Math.max(1, replicas - 1)
  return [
    `# sstream local cluster, node ${node.id} of ${size}: broker and controller (KRaft, a static quorum of ${size}).`,
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://${node.host}:${node.port},CONTROLLER://${node.host}:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${node.host}:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${node.dataDir}`,
    '',
    'num.partitions=3',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    // A replica that was not in sync never becomes leader: no acknowledged record is lost.
    'unclean.leader.election.enable=false',
    '',
    '# The internal topics are replicated like the others.',
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=6',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=6',
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    'group.initial.rebalance.delay.ms=0',
    '',
    '# Small and light: three of these share a development machine.',
    'log.retention.hours=24',
    'log.segment.bytes=268435456',
    'num.network.threads=2',
    'num.io.threads=2',
    '',
  ].join('\n')
}

/** The JVM options of one node: a smaller heap than the single node's, three of them run side by side. */
export const CLUSTER_NODE_JVM = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-Djava.awt.headless=true']

function log4jArgs(): string[] {
  return [`-Dlog4j2.configurationFile=${resourcePath('kafka', 'log4j2.yaml')}`]
}

async function readClusterId(stateFile: string): Promise<string | undefined> {
  try {
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as {clusterId?: string}
    return state.clusterId
  } catch {
    return undefined
  }
}

export interface ClusterStartResult {
  state: 'started' | 'already running'
  brokers: string[]
  nodes: Array<{id: number; address: string; pid?: number; state: 'started' | 'already running'}>
  version: string
  startMs: number
}

/** Starts every node that is not running (all of them together: the quorum needs a majority), then waits until each serves requests. */
export async function startCluster(endpoint: Endpoint, size: number, progress: Progress = () => {}, signal?: AbortSignal, home = stackHome()): Promise<ClusterStartResult> {
  const started = Date.now()
  const paths = await brokerPaths(home)
  const layout = clusterLayout(home, endpoint, size)
  const pids = await Promise.all(layout.nodes.map((n) => readPid(n.pidFile)))
  const alive = pids.map((pid) => isAlive(pid))
  if (alive.every(Boolean)) {
    return {state: 'already running', brokers: layout.brokers, nodes: layout.nodes.map((n, i) => ({id: n.id, address: `${n.host}:${n.port}`, pid: pids[i], state: 'already running'})), version: paths.version, startMs: 0}
  }
  // A port taken by something else (the single-node stack, another program) would make a node exit.
  for (const [i, node] of layout.nodes.entries()) {
    if (alive[i]) continue
    for (const port of [node.port, node.controllerPort]) {
      if ((await probeTcp({host: node.host, port})).open) {
        throw new SstreamError('STACK_ERROR', `Port ${node.host}:${port}, needed by node ${node.id} of the cluster, is taken by another program (the single-node stack?).`, {
          nextSteps: ['Stop it (`sstream stack down` stops the single node), or start the cluster on other ports: `sstream stack up --nodes 3 --brokers localhost:19092`.'],
        })
      }
    }
  }
  const java = await javaExecutable()
  await ensureBrokerJars(paths, progress)
  await mkdir(layout.dir, {recursive: true})
  let id = await readClusterId(layout.stateFile)
  if (!id || !layout.nodes.every((n) => existsSync(join(n.dataDir, 'meta.properties')))) {
    id ??= clusterId()
    await writeFile(layout.stateFile, `${JSON.stringify({clusterId: id, brokers: layout.brokers}, null, 2)}\n`)
  }
  const classpath = ['-cp', join(paths.jarsDir, '*'), ...log4jArgs()]
  for (const node of layout.nodes) {
    await mkdir(node.dataDir, {recursive: true})
    await writeFile(node.configFile, clusterNodeProperties(node, layout.voters, size))
    if (existsSync(join(node.dataDir, 'meta.properties'))) continue
    progress(`Formatting the storage of node ${node.id}…`)
    const result = await runProgram(java, [...classpath, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', node.configFile])
    if (result.code !== 0) throw new SstreamError('STACK_ERROR', `Formatting the storage of node ${node.id} failed: ${(result.stdout + result.stderr).trim().split('\n').slice(-3).join(' ')}`)
  }
  progress(`Starting a ${size}-node Kafka ${paths.version} cluster on ${layout.brokers.join(', ')}…`)
  const nodePids: Array<number | undefined> = [...pids]
  for (const [i, node] of layout.nodes.entries()) {
    if (alive[i]) continue
    const log = await open(node.logFile, 'a')
    try {
      nodePids[i] = spawnDetached(java, [...CLUSTER_NODE_JVM, ...classpath, 'kafka.Kafka', node.configFile], log.fd, {cwd: node.dir})
    } finally {
      await log.close()
    }
    await writeFile(node.pidFile, `${nodePids[i]}\n`)
  }
  await Promise.all(layout.nodes.map((node, i) => waitForNode(node, nodePids[i]!, signal)))
  return {
    state: 'started',
    brokers: layout.brokers,
    nodes: layout.nodes.map((n, i) => ({id: n.id, address: `${n.host}:${n.port}`, pid: nodePids[i], state: alive[i] ? 'already running' : 'started'})),
    version: paths.version,
    startMs: Date.now() - started,
  }
}

async function waitForNode(node: ClusterNodeLayout, pid: number, signal?: AbortSignal, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new SstreamError('INTERRUPTED', 'Interrupted while the cluster was starting; its nodes go on starting in the background.')
    if (!isAlive(pid)) {
      const tail = (await readFile(node.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-8).join('\n')
      throw new SstreamError('STACK_ERROR', `Node ${node.id} of the Kafka cluster exited while starting. Its log (${node.logFile}) ends with:\n${tail}`, {
        nextSteps: ['If a port is taken, stop what holds it; if the storage is damaged, run `sstream stack down --purge` and `sstream stack up --nodes 3` again.'],
      })
    }
    if ((await probeTcp(node, 1000)).open) {
      try {
        const admin = await KafkaAdmin.connect([`${node.host}:${node.port}`])
        await admin.close()
        return
      } catch {
        // listening, but the quorum has no leader yet
      }
    }
    await sleep(500)
  }
  throw new SstreamError('TIMEOUT', `Node ${node.id} of the Kafka cluster did not answer within ${timeoutMs / 1000} s; see ${node.logFile}.`)
}

export interface ClusterNodeState {
  id: number
  address: string
  pid?: number
}

/** The nodes of the cluster `stack up --nodes N` started (their pid files), the live ones with their pid; empty without a cluster. */
export async function clusterNodes(home = stackHome()): Promise<ClusterNodeState[]> {
  const dir = join(home, 'cluster')
  if (!existsSync(dir)) return []
  const nodes: ClusterNodeState[] = []
  for (let id = 1; existsSync(join(dir, `node-${id}`)); id++) {
    const nodeDir = join(dir, `node-${id}`)
    const config = await readFile(join(nodeDir, 'server.properties'), 'utf8').catch(() => '')
    const address = /^advertised\.listeners=PLAINTEXT:\/\/(.+)$/m.exec(config)?.[1] ?? '?'
    const pid = await readPid(join(nodeDir, 'kafka.pid'))
    nodes.push({id, address, ...(isAlive(pid) ? {pid} : {})})
  }
  return nodes
}

export interface ClusterStopResult {
  nodes: Array<{id: number; state: 'stopped' | 'killed' | 'not running'; pid?: number}>
}

/** Stops every node sstream started (each one SIGTERM, in parallel); --purge deletes their data too. */
export async function stopCluster({purge = false, home = stackHome()}: {purge?: boolean; home?: string} = {}): Promise<ClusterStopResult> {
  const dir = join(home, 'cluster')
  const nodes = await clusterNodes(home)
  const stopped = await Promise.all(
    nodes.map(async (node) => {
      const pidFile = join(dir, `node-${node.id}`, 'kafka.pid')
      const state = node.pid ? await stopProcess(node.pid, 60_000) : 'not running'
      await rm(pidFile, {force: true})
      return {id: node.id, state, ...(node.pid ? {pid: node.pid} : {})}
    }),
  )
  if (purge) await rm(dir, {recursive: true, force: true})
  return {nodes: stopped}
}
