/**
 * Before the demo runs: the local stack when a service does not answer, the topics, tables and Redis
 * (idempotent), and the sentiment service in-process when predictions run.
 */
import type {SstreamConfig} from '../config/index.js'
import {isSstreamError, SstreamError} from '../errors.js'
import {startSentimentServer, type SentimentServer} from '../sentiment/server.js'
import {setupAll, type SetupAllResult} from '../setup/all.js'
import {endpointOfUrl, parseHostPort, probeTcp, stackUp} from '../stack/index.js'

export interface StackCheck {
  /** `running`: every service answered; `started`: `stack up` brought the missing ones up. */
  state: 'running' | 'started'
  /** The services that did not answer at first. */
  missing: string[]
}

/** Starts the local stack (`sstream stack up`) when Kafka, MariaDB or Redis does not answer. */
export async function ensureStack(config: SstreamConfig, progress: (message: string) => void, signal?: AbortSignal): Promise<StackCheck> {
  const endpoints = {
    kafka: parseHostPort(config.kafkaBrokers[0] ?? 'localhost:9092', 9092),
    mariadb: endpointOfUrl(config.mariadbUrl, 3306),
    redis: endpointOfUrl(config.redisUrl, 6379),
  }
  const probes = await Promise.all(Object.entries(endpoints).map(async ([service, endpoint]) => ({service, open: (await probeTcp(endpoint)).open})))
  const missing = probes.filter((p) => !p.open).map((p) => p.service)
  if (missing.length === 0) return {state: 'running', missing}
  progress(`${missing.join(', ')} not answering: starting the local stack (sstream stack up)…`)
  const result = await stackUp(config, progress, signal)
  if (!result.healthy) {
    const down = result.services.filter((s) => !s.healthy)
    throw new SstreamError('STACK_ERROR', `The local stack is not healthy: ${down.map((s) => `${s.service} (${s.detail})`).join('; ')}`, {
      nextSteps: ['Fix what is named above and run `sstream stack up`; `sstream stack status` shows each service.', 'Or point --brokers, --mariadb-url and --redis-url at running services.'],
    })
  }
  return {state: 'started', missing}
}

export interface DemoSetupOptions {
  config: SstreamConfig
  /** MariaDB administrator URL (creates the database and the application user). */
  adminUrl: string
}

/** `sstream setup all` with the defaults: idempotent, so a second demo creates nothing. */
export async function setupDemo({config, adminUrl}: DemoSetupOptions): Promise<SetupAllResult> {
  return setupAll({
    brokers: config.kafkaBrokers,
    partitions: 3,
    replicationFactor: 1,
    mariadbUrl: config.mariadbUrl,
    adminUrl,
    redisUrl: config.redisUrl,
    resetRedis: false,
  })
}

/** The sentiment service in this process: on 8001 (the original's port), or on a free port when 8001 is taken. */
export async function startDemoSentiment(signal?: AbortSignal): Promise<SentimentServer> {
  try {
    return await startSentimentServer({port: 8001, signal})
  } catch (error) {
    if (!isSstreamError(error) || error.code !== 'PORT_IN_USE') throw error
    return startSentimentServer({port: 0, signal})
  }
}

/** One line saying what set-up did. */
export function describeSetup(result: SetupAllResult): string {
  return `Topics, tables and Redis ready: ${result.kafka.topics.length} topics (${result.kafka.created} created), database ${result.db.database}.`
}
