/**
 * `sstream stack up|down|status`: the local development stack — a single-node Kafka (KRaft) that sstream
 * runs itself, and MariaDB and Redis checked or started from their local installations.
 */
import type {SstreamConfig} from '../config/index.js'
import {errorMessage} from '../errors.js'
import {KafkaAdmin} from '../kafka/index.js'
import {checkMaria} from '../mariadb/index.js'
import {checkRedis} from '../redis/index.js'
import {brokerManagedPid, startBroker, stopBroker, type Progress} from './kafka-broker.js'
import {ensureLocalService, managedServices, stopLocalService} from './local-services.js'
import {endpointOfUrl, parseHostPort, probeTcp} from './net.js'

export type ServiceName = 'kafka' | 'mariadb' | 'redis'

export interface ServiceStatus {
  service: ServiceName
  address: string
  healthy: boolean
  latencyMs: number | null
  /** Started by `sstream stack up` (and so stopped by `stack down`). */
  managed: boolean
  detail: string
}

export interface StackUpResult {
  services: Array<ServiceStatus & {action: 'started' | 'already running' | 'unavailable'}>
  healthy: boolean
}

export interface StackDownResult {
  services: Array<{service: ServiceName; action: string}>
}

export interface StackStatusResult {
  services: ServiceStatus[]
  healthy: boolean
}

function endpoints(config: SstreamConfig) {
  return {
    kafka: parseHostPort(config.kafkaBrokers[0] ?? 'localhost:9092', 9092),
    mariadb: endpointOfUrl(config.mariadbUrl, 3306),
    redis: endpointOfUrl(config.redisUrl, 6379),
  }
}

export async function stackUp(config: SstreamConfig, progress: Progress = () => {}, signal?: AbortSignal): Promise<StackUpResult> {
  const ep = endpoints(config)
  const mariaStart = await ensureLocalService('mariadb', ep.mariadb)
  const redisStart = await ensureLocalService('redis', ep.redis)
  const kafkaStart = await startBroker(ep.kafka, progress, signal)
  const status = await stackStatus(config)
  const action = {kafka: kafkaStart.state, mariadb: mariaStart.state, redis: redisStart.state}
  const detailOf = {mariadb: mariaStart.detail, redis: redisStart.detail}
  const services = status.services.map((s) => ({
    ...s,
    action: action[s.service],
    detail: (s.service !== 'kafka' ? detailOf[s.service] : undefined) ?? s.detail,
  }))
  return {services, healthy: status.healthy}
}

export async function stackDown(options: {purge?: boolean} = {}): Promise<StackDownResult> {
  const kafka = await stopBroker({purge: options.purge})
  const redis = await stopLocalService('redis')
  const mariadb = await stopLocalService('mariadb')
  return {
    services: [
      {service: 'kafka', action: kafka.state === 'not managed' ? 'not started by sstream, left alone' : kafka.state},
      {service: 'mariadb', action: mariadb === 'not managed' ? 'not started by sstream, left alone' : mariadb},
      {service: 'redis', action: redis === 'not managed' ? 'not started by sstream, left alone' : redis},
    ],
  }
}

/** Each service's address and health: Kafka answers metadata requests, MariaDB a query, Redis a PING. */
export async function stackStatus(config: SstreamConfig): Promise<StackStatusResult> {
  const ep = endpoints(config)
  const managed = await managedServices()
  const kafkaPid = await brokerManagedPid()
  const services = await Promise.all([
    checkService('kafka', `${ep.kafka.host}:${ep.kafka.port}`, Boolean(kafkaPid), async () => {
      const started = performance.now()
      const admin = await KafkaAdmin.connect(config.kafkaBrokers)
      try {
        const topics = await admin.listTopics()
        return {latencyMs: performance.now() - started, detail: `${topics.filter((t) => !t.startsWith('__')).length} topics${kafkaPid ? `, pid ${kafkaPid}` : ''}`}
      } finally {
        await admin.close()
      }
    }),
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
  return {services, healthy: services.every((s) => s.healthy)}
}

async function checkService(
  service: ServiceName,
  address: string,
  managed: boolean,
  probe: () => Promise<{latencyMs: number; detail: string}>,
): Promise<ServiceStatus> {
  try {
    const {latencyMs, detail} = await probe()
    return {service, address, healthy: true, latencyMs: Math.round(latencyMs * 10) / 10, managed, detail}
  } catch (error) {
    return {service, address, healthy: false, latencyMs: null, managed, detail: errorMessage(error)}
  }
}
