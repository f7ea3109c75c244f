/**
 * A private three-node Kafka cluster for tests that kill brokers: three KRaft processes, each broker and
 * controller, on free ports and in a temporary directory, configured as `stack up --nodes 3` configures its
 * nodes (replication factor 3 and min.insync.replicas=2 for every topic, internal ones included). The jars
 * of the local stack; the shared broker is never touched. Unlike the stack, the nodes are children of the
 * test, so that it can kill and start them.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {mkdtemp, open, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {createKafka, KafkaAdmin} from '../../../src/core/kafka/index.js'
import {resourcePath} from '../../../src/core/paths.js'
import {brokerPaths, clusterId, ensureBrokerJars} from '../../../src/core/stack/index.js'
import {CLUSTER_NODE_JVM, clusterNodeProperties} from '../../../src/core/stack/kafka-cluster.js'
import {freePort, runJava} from '../../helpers/processes.js'

export interface ClusterNode {
  id: number
  port: number
  address: string
  /** SIGKILL (a crash) or SIGTERM (a clean shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>
  start(): Promise<void>
  running(): boolean
}

export interface PrivateCluster {
  brokers: string[]
  nodes: ClusterNode[]
  node(id: number): ClusterNode
  /** The node that leads a partition now. */
  leaderOf(topic: string, partition: number): Promise<number>
  destroy(): Promise<void>
}

export async function startPrivateCluster(size = 3): Promise<PrivateCluster> {
  const paths = await brokerPaths()
  await ensureBrokerJars(paths)
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
  const dir = await mkdtemp(join(tmpdir(), 'sstream-private-cluster-'))
  const ids = Array.from({length: size}, (_, i) => i + 1)
  const ports = await Promise.all(ids.map(async () => ({port: await freePort(), controllerPort: await freePort()})))
  const voters = ids.map((id, i) => `${id}@localhost:${ports[i].controllerPort}`).join(',')
  const classpath = ['-cp', join(paths.jarsDir, '*'), `-Dlog4j2.configurationFile=${resourcePath('kafka', 'log4j2.yaml')}`]
  const cluster = clusterId()
  const brokers = ports.map((p) => `localhost:${p.port}`)

  const nodes = await Promise.all(
    ids.map(async (id, i) => {
      const config = join(dir, `server-${id}.properties`)
      await writeFile(config, clusterNodeProperties({id, host: 'localhost', port: ports[i].port, controllerPort: ports[i].controllerPort, dataDir: join(dir, `data-${id}`)}, voters, size))
      await runJava(java, [...classpath, 'kafka.tools.StorageTool', 'format', '-t', cluster, '-c', config])
      let child: ChildProcess | undefined
      const node: ClusterNode = {
        id,
        port: ports[i].port,
        address: brokers[i],
        running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
        start: async () => {
          const log = await open(join(dir, `broker-${id}.log`), 'a')
          child = spawn(java, [...CLUSTER_NODE_JVM, ...classpath, 'kafka.Kafka', config], {stdio: ['ignore', log.fd, log.fd]})
          await log.close()
        },
        stop: async (signal: NodeJS.Signals = 'SIGKILL') => {
          const running = child
          if (!running || running.exitCode !== null || running.signalCode !== null) return
          const exited = once(running, 'exit')
          running.kill(signal)
          await exited
        },
      }
      return node
    }),
  )
  // The three start together (a controller quorum needs a majority), then each must answer.
  await Promise.all(nodes.map((n) => n.start()))
  await Promise.all(nodes.map((n) => waitForNode(n, join(dir, `broker-${n.id}.log`))))
  return {
    brokers,
    nodes,
    node: (id) => nodes.find((n) => n.id === id)!,
    leaderOf: async (topic, partition) => {
      const admin = createKafka({brokers, clientId: 'sstream-test'}).admin()
      await admin.connect()
      try {
        const {topics} = await admin.fetchTopicMetadata({topics: [topic]})
        return topics[0].partitions.find((p) => p.partitionId === partition)!.leader
      } finally {
        await admin.disconnect()
      }
    },
    destroy: async () => {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL')))
      await rm(dir, {recursive: true, force: true})
    },
  }
}

/** Waits until a node answers requests of its own (its listener up, the cluster's metadata known). */
export async function waitForNode(node: ClusterNode, log = 'its log', timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!node.running()) throw new Error(`node ${node.id} of the private cluster exited; see ${log}`)
    try {
      const admin = await KafkaAdmin.connect([node.address])
      await admin.close()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}
