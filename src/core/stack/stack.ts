/**
 * `sstream stack up|down|status`: the local development stack — a single-node Kafka (KRaft) that sstream
 * runs itself, or with --nodes 3 a three-node cluster, and MariaDB and Redis checked or started from their
 * local installations.
 */
import {addContext, describeKafkaSecurity, type SstreamConfig} from '../config/index.js'
import {errorMessage, SstreamError} from '../errors.js'
import {KafkaAdmin} from '../kafka/index.js'
import {checkMaria, mariaSecurity} from '../mariadb/index.js'
import {checkRedis, redisSecurity} from '../redis/index.js'
import {brokerAddresses, brokerManagedPid, startBroker, stopBroker, type Progress} from './kafka-broker.js'
import {clusterNodes, startCluster, stopCluster, type ClusterStartResult} from './kafka-cluster.js'
import {ensureLocalService, isLocal, managedServices, stopLocalService} from './local-services.js'
import {DEFAULT_KAFKA_PORT, endpointOfUrl, parseHostPort} from '../address.js'
import {probeTcp} from './net.js'
import type {LocalSecureListener} from './security.js'

export type ServiceName = 'kafka' | 'mariadb' | 'redis'

export interface ServiceStatus {
  service: ServiceName
  address: string
  healthy: boolean
  latencyMs: number | null
  /** Started by `sstream stack up` (and so stopped by `stack down`). */
  managed: boolean
  /** Whether sstream's connection to it is encrypted (TLS). */
  tls: boolean
  /** How sstream logs in (e.g. "SCRAM-SHA-512 as alice", "password as streaming"), null without authentication. */
  auth: string | null
  detail: string
  /** A node of the local cluster (`stack up --nodes 3`): its node id. */
  node?: number
}

export interface StackUpResult {
  services: Array<ServiceStatus & {action: 'started' | 'already running' | 'unavailable'}>
  healthy: boolean
  /** With --security sasl-ssl: the SASL_SSL listener, and the context that connects to it. */
  secure?: LocalSecureListener & {context: string}
  /** With --nodes 3: the cluster's bootstrap list (every node), to pass as --brokers. */
  cluster?: {brokers: string[]; nodes: number}
}

/** The context `stack up --security sasl-ssl` writes for its SASL_SSL listener. */
export const LOCAL_SECURE_CONTEXT = 'local-sasl-ssl'

export interface StackDownResult {
  services: Array<{service: ServiceName; action: string; node?: number}>
}

export interface StackStatusResult {
  services: ServiceStatus[]
  healthy: boolean
}

function endpoints(config: SstreamConfig) {
  return {
    kafka: parseHostPort(config.kafkaBrokers[0] ?? 'localhost:9092', DEFAULT_KAFKA_PORT),
    mariadb: endpointOfUrl(config.mariadbUrl, 3306),
    redis: endpointOfUrl(config.redisUrl, 6379),
  }
}

export async function stackUp(
  config: SstreamConfig,
  progress: Progress = () => {},
  signal?: AbortSignal,
  {security = 'none', nodes = 1}: {security?: 'none' | 'sasl-ssl'; nodes?: number} = {},
): Promise<StackUpResult> {
  if (nodes !== 1 && security !== 'none') {
    throw new SstreamError('USAGE', 'The local cluster (--nodes 3) listens in plaintext only; --security sasl-ssl is for the single node.')
  }
  const ep = endpoints(config)
  // A broker of another machine that does not answer is not one to start here (with its host in the local
  // broker's listeners): said before anything starts or is written.
  if (!isLocal(ep.kafka) && !(await probeTcp(ep.kafka)).open) {
    throw new SstreamError('STACK_ERROR', `Kafka at ${ep.kafka.host}:${ep.kafka.port} does not answer, and it is not on this machine: the local stack starts brokers on this machine only.`, {
      nextSteps: ['Check that that cluster runs and that this machine can reach it,', 'or start the local stack with its default brokers (localhost:9092): leave out --brokers, SSTREAM_KAFKA_BROKERS and the context.'],
    })
  }
  const mariaStart = await ensureLocalService('mariadb', ep.mariadb)
  const redisStart = await ensureLocalService('redis', ep.redis)
  if (nodes !== 1) return clusterUp(config, await startCluster(ep.kafka, nodes, progress, signal), {mariadb: mariaStart, redis: redisStart})
  const kafkaStart = await startBroker(ep.kafka, progress, signal, {security})
  let secure: StackUpResult['secure']
  if (kafkaStart.secure) {
    const {brokers, caFile, username, passwordFile} = kafkaStart.secure
    addContext(
      LOCAL_SECURE_CONTEXT,
      {brokers, 'security-protocol': 'SASL_SSL', 'sasl-mechanism': 'SCRAM-SHA-512', 'sasl-username': username, 'sasl-password-file': passwordFile, 'tls-ca': caFile},
      // Never the current context: the plaintext listener stays the default.
      {overwrite: true, use: false},
    )
    secure = {...kafkaStart.secure, context: LOCAL_SECURE_CONTEXT}
  }
  const status = await stackStatus(config)
  const action = {kafka: kafkaStart.state, mariadb: mariaStart.state, redis: redisStart.state}
  const detailOf = {mariadb: mariaStart.detail, redis: redisStart.detail}
  const services = status.services.map((s) => ({
    ...s,
    action: action[s.service],
    detail: (s.service !== 'kafka' ? detailOf[s.service] : undefined) ?? s.detail,
  }))
  return {services, healthy: status.healthy, ...(secure ? {secure} : {})}
}

/** The cluster's nodes in the status, each with what `stack up` did to it. */
async function clusterUp(
  config: SstreamConfig,
  cluster: ClusterStartResult,
  local: Record<'mariadb' | 'redis', {state: StackUpResult['services'][number]['action']; detail?: string}>,
): Promise<StackUpResult> {
  const status = await stackStatus({...config, kafkaBrokers: cluster.brokers})
  const services = status.services.map((s) => {
    if (s.service !== 'kafka') return {...s, action: local[s.service].state, detail: local[s.service].detail ?? s.detail}
    const node = cluster.nodes.find((n) => n.address === s.address)
    return {...s, action: node?.state ?? cluster.state}
  })
  return {services, healthy: status.healthy, cluster: {brokers: cluster.brokers, nodes: cluster.nodes.length}}
}

export async function stackDown(options: {purge?: boolean} = {}): Promise<StackDownResult> {
  const kafka = await stopBroker({purge: options.purge})
  const cluster = await stopCluster({purge: options.purge})
  const redis = await stopLocalService('redis')
  const mariadb = await stopLocalService('mariadb')
  return {
    services: [
      ...(cluster.nodes.length > 0 && kafka.state === 'not managed' ? [] : [{service: 'kafka' as const, action: kafka.state === 'not managed' ? 'not started by sstream, left alone' : kafka.state}]),
      ...cluster.nodes.map((n) => ({service: 'kafka' as const, node: n.id, action: `node ${n.id}: ${n.state}`})),
      {service: 'mariadb', action: mariadb === 'not managed' ? 'not started by sstream, left alone' : mariadb},
      {service: 'redis', action: redis === 'not managed' ? 'not started by sstream, left alone' : redis},
    ],
  }
}

/** Each service's address and health: Kafka answers metadata requests, MariaDB a query, Redis a PING. */
export async function stackStatus(config: SstreamConfig): Promise<StackStatusResult> {
  const ep = endpoints(config)
  const managed = await managedServices()
  // The local broker and cluster are shown only when sstream is pointed at them: a context or --brokers that
  // names another cluster is checked as given, and not called managed.
  const local = await brokerManagedPid()
  const kafkaPid = local !== undefined && sameBroker(config.kafkaBrokers, await brokerAddresses()) ? local : undefined
  const security = {kafka: describeKafkaSecurity(config.kafkaSecurity), mariadb: mariaSecurity(config.mariadbUrl), redis: redisSecurity(config.redisUrl)}
  const nodes = await clusterNodes()
  const cluster = sameBroker(config.kafkaBrokers, nodes.map((node) => node.address)) ? nodes : []
  const kafkaChecks = cluster.length > 0 && !kafkaPid
    ? cluster.map((node) => checkClusterNode(node, cluster.length, config))
    : [checkService('kafka', `${ep.kafka.host}:${ep.kafka.port}`, Boolean(kafkaPid), async () => {
      const started = performance.now()
      const admin = await KafkaAdmin.connect(config.kafkaBrokers, {security: config.kafkaSecurity})
      try {
        const topics = await admin.listTopics()
        return {latencyMs: performance.now() - started, detail: `${topics.filter((t) => !t.startsWith('__')).length} topics${kafkaPid ? `, pid ${kafkaPid}` : ''}`}
      } finally {
        await admin.close()
      }
    })]
  const checked = await Promise.all([
    ...kafkaChecks,
    checkService('mariadb', `${ep.mariadb.host}:${ep.mariadb.port}`, managed.has('mariadb'), async () => {
      const open = await probeTcp(ep.mariadb)
      if (!open.open) throw new Error('nothing listens there')
      try {
        const {latencyMs, version} = await checkMaria(config.mariadbUrl)
        return {latencyMs, detail: `MariaDB ${version.split('-')[0]}`}
      } catch (error) {
        // The server answers, but the application login may not exist yet (before `sstream setup db`).
        return {latencyMs: open.latencyMs, detail: `server answers; ${errorMessage(error)}`}
      }
    }),
    checkService('redis', `${ep.redis.host}:${ep.redis.port}`, managed.has('redis'), async () => {
      const {latencyMs, version} = await checkRedis(config.redisUrl)
      return {latencyMs, detail: `Redis ${version}`}
    }),
  ])
  const services = checked.map((s) => ({...s, ...security[s.service]}))
  return {services, healthy: services.every((s) => s.healthy)}
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1'])

/** Whether one of the configured brokers is one of `addresses` (localhost, 127.0.0.1 and ::1 are the same host). */
function sameBroker(brokers: string[], addresses: string[]): boolean {
  const key = (address: string): string => {
    const {host, port} = parseHostPort(address, DEFAULT_KAFKA_PORT)
    return `${LOCAL_HOSTS.has(host) ? 'localhost' : host}:${port}`
  }
  const known = new Set(addresses.map(key))
  return brokers.some((broker) => known.has(key(broker)))
}

/** One node of the local cluster, asked alone (a bootstrap list would hide a node that is down). */
function checkClusterNode(node: {id: number; address: string; pid?: number}, size: number, config: SstreamConfig): Promise<Omit<ServiceStatus, 'tls' | 'auth'>> {
  return checkService('kafka', node.address, Boolean(node.pid), async () => {
    if (!node.pid) throw new Error(`node ${node.id} of ${size} is not running`)
    const started = performance.now()
    const admin = await KafkaAdmin.connect([node.address], {security: config.kafkaSecurity})
    try {
      const topics = await admin.listTopics()
      return {latencyMs: performance.now() - started, detail: `node ${node.id} of ${size}, ${topics.filter((t) => !t.startsWith('__')).length} topics, pid ${node.pid}`}
    } finally {
      await admin.close()
    }
  }).then((s) => ({...s, node: node.id}))
}

async function checkService(
  service: ServiceName,
  address: string,
  managed: boolean,
  probe: () => Promise<{latencyMs: number; detail: string}>,
): Promise<Omit<ServiceStatus, 'tls' | 'auth'>> {
  try {
    const {latencyMs, detail} = await probe()
    return {service, address, healthy: true, latencyMs: Math.round(latencyMs * 10) / 10, managed, detail}
  } catch (error) {
    return {service, address, healthy: false, latencyMs: null, managed, detail: errorMessage(error)}
  }
}
