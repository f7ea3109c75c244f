import type {KafkaSecurity} from '../config/index.js'
import {setupDb, type SetupDbResult} from '../mariadb/index.js'
import {setupRedis, type SetupRedisResult} from '../redis/index.js'
import {setupKafka, type SetupKafkaResult} from './kafka.js'

export interface SetupAllOptions {
  brokers: string[]
  security?: KafkaSecurity
  partitions: number
  replicationFactor: number
  mariadbUrl: string
  /** Default: root on the server of mariadbUrl (setupDb). */
  adminUrl?: string
  redisUrl: string
  resetRedis: boolean
}

export interface SetupAllResult {
  kafka: SetupKafkaResult
  db: SetupDbResult
  redis: SetupRedisResult
}

/** Kafka topics, then the MariaDB schema, then the Redis check: the first failure stops with its error. */
export async function setupAll(options: SetupAllOptions): Promise<SetupAllResult> {
  const kafka = await setupKafka({brokers: options.brokers, security: options.security, partitions: options.partitions, replicationFactor: options.replicationFactor})
  const db = await setupDb({url: options.mariadbUrl, adminUrl: options.adminUrl})
  const redis = await setupRedis({url: options.redisUrl, reset: options.resetRedis})
  return {kafka, db, redis}
}
