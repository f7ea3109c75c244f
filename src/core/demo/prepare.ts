/**
 * Before the demo runs: the local stack when a service does not answer, the topics, tables and Redis
 * (idempotent), and the sentiment service when predictions run: in-process, or the one the user named,
 * checked first.
 */
import type {SstreamConfig} from '../config/index.js'
import {isSstreamError, SstreamError} from '../errors.js'
import {KafkaAdmin} from '../kafka/index.js'
import {REDIS_KEYS, TOPICS, type PipelineName} from '../names.js'
import {connectRedis, createRedis, parseBoardOffsets, positionsPastEnd, readBoardOffsets, resetBoard, toRedisError} from '../redis/index.js'
import {probeSentimentService} from '../sentiment/client.js'
import {startSentimentServer, type SentimentServer} from '../sentiment/server.js'
import {setupAll, type SetupAllResult} from '../setup/all.js'
import {DEFAULT_KAFKA_PORT, endpointOfUrl, parseHostPort} from '../address.js'
import {probeTcp, stackUp} from '../stack/index.js'

export interface StackCheck {
  /** `running`: every service answered; `started`: `stack up` brought the missing ones up. */
  state: 'running' | 'started'
  /** The services that did not answer at first. */
  missing: string[]
}

/** Starts the local stack (`sstream stack up`) when Kafka, MariaDB or Redis does not answer. */
export async function ensureStack(config: SstreamConfig, progress: (message: string) => void, signal?: AbortSignal): Promise<StackCheck> {
  const endpoints = {
    kafka: parseHostPort(config.kafkaBrokers[0] ?? 'localhost:9092', DEFAULT_KAFKA_PORT),
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
  adminUrl?: string
}

/** `sstream setup all` with the defaults: idempotent, so a second demo creates nothing. */
export async function setupDemo({config, adminUrl}: DemoSetupOptions): Promise<SetupAllResult> {
  return setupAll({
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    partitions: 3,
    replicationFactor: 1,
    mariadbUrl: config.mariadbUrl,
    adminUrl,
    redisUrl: config.redisUrl,
    resetRedis: false,
  })
}

/** The demo's boards and the topics their offsets refer to. */
const DEMO_BOARDS: ReadonlyArray<{pipeline: PipelineName; key: string; topic: string}> = [
  {pipeline: 'leaderboard', key: REDIS_KEYS.playerLeaderboard, topic: TOPICS.leaderboardsInput},
  {pipeline: 'views', key: REDIS_KEYS.topicsLeaderboard, topic: TOPICS.viewsInput},
]

/**
 * Clears a demo board whose stored offsets run past the end of its input topic: they were stored for an
 * earlier topic of that name (the local stack was wiped, or Kafka replaced), and resuming there would skip
 * every new record as already counted. `sstream run` refuses such a board; the demo starts it afresh.
 * Returns the keys it cleared.
 */
export async function clearStaleBoards(config: SstreamConfig, pipelines: PipelineName[]): Promise<string[]> {
  const boards = DEMO_BOARDS.filter((b) => pipelines.includes(b.pipeline))
  if (boards.length === 0) return []
  const redis = createRedis(config.redisUrl)
  const admin = await KafkaAdmin.connect(config.kafkaBrokers, {security: config.kafkaSecurity})
  try {
    await connectRedis(redis, config.redisUrl)
    const cleared: string[] = []
    for (const board of boards) {
      const stored = await readBoardOffsets(redis, board.key).catch((error: unknown) => {
        throw toRedisError(error, config.redisUrl, `read the offsets of ${board.key}`)
      })
      if (positionsPastEnd(parseBoardOffsets(stored), await admin.topicOffsets(board.topic)).length > 0) {
        await resetBoard(redis, board.key)
        cleared.push(board.key)
      }
    }
    return cleared
  } finally {
    redis.disconnect()
    await admin.close()
  }
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

/** How long a sentiment service the user named has to answer before the demo gives up. */
export const GIVEN_SENTIMENT_TIMEOUT_MS = 3000

/**
 * Checks a sentiment service the user named (--sentiment-url or SSTREAM_SENTIMENT_URL): it must answer
 * GET /healthz within `timeoutMs`, else SENTIMENT_UNREACHABLE with the demo's next steps.
 */
export async function checkGivenSentiment(url: string, timeoutMs = GIVEN_SENTIMENT_TIMEOUT_MS): Promise<void> {
  try {
    await probeSentimentService(url, {timeoutMs})
  } catch (error) {
    if (!isSstreamError(error) || error.code !== 'SENTIMENT_UNREACHABLE') throw error
    throw new SstreamError('SENTIMENT_UNREACHABLE', `${error.message} It is the one --sentiment-url or SSTREAM_SENTIMENT_URL names.`, {
      nextSteps: [
        'Start it with `sstream serve sentiment` (it listens on the address of SSTREAM_SENTIMENT_URL, or --host and --port).',
        'Or leave out --sentiment-url and unset SSTREAM_SENTIMENT_URL: the demo then starts its own.',
      ],
      cause: error,
    })
  }
}

/** One line saying what set-up did. */
export function describeSetup(result: SetupAllResult): string {
  return `Topics, tables and Redis ready: ${result.kafka.topics.length} topics (${result.kafka.created} created), database ${result.db.database}.`
}
