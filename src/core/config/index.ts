/**
 * sstream's configuration: one map of SSTREAM_* environment variables with their defaults for the local
 * stack. Precedence is flags > environment > defaults; the command layer declares each flag with the
 * `env` named here, and core code receives the resolved values through `readConfig`.
 */
export const CONFIG_VARS = {
  kafkaBrokers: {env: 'SSTREAM_KAFKA_BROKERS', default: 'localhost:9092', description: 'Kafka bootstrap brokers, comma separated'},
  mariadbUrl: {
    env: 'SSTREAM_MARIADB_URL',
    default: 'mariadb://streaming:streaming@127.0.0.1:3306/streaming',
    description: 'MariaDB connection URL',
  },
  redisUrl: {env: 'SSTREAM_REDIS_URL', default: 'redis://127.0.0.1:6379', description: 'Redis connection URL'},
  sentimentUrl: {
    env: 'SSTREAM_SENTIMENT_URL',
    default: 'http://127.0.0.1:8001/sentiment',
    description: 'URL of the sentiment service (POST /sentiment)',
  },
} as const

export type ConfigKey = keyof typeof CONFIG_VARS

export interface SstreamConfig {
  kafkaBrokers: string[]
  mariadbUrl: string
  redisUrl: string
  sentimentUrl: string
}

/** Resolves the configuration: explicit overrides (flags) win over the environment, which wins over defaults. */
export function readConfig(
  overrides: Partial<Record<ConfigKey, string | undefined>> = {},
  env: NodeJS.ProcessEnv = process.env,
): SstreamConfig {
  const pick = (key: ConfigKey): string => overrides[key] ?? env[CONFIG_VARS[key].env] ?? CONFIG_VARS[key].default
  return {
    kafkaBrokers: parseBrokers(pick('kafkaBrokers')),
    mariadbUrl: pick('mariadbUrl'),
    redisUrl: pick('redisUrl'),
    sentimentUrl: pick('sentimentUrl'),
  }
}

export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0)
}
