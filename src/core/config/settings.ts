import {DEFAULT_KAFKA_PORT} from '../address.js'
import {SstreamError} from '../errors.js'

/**
 * Every connection setting sstream reads, once: its flag, its SSTREAM_* variable, its key in a context (the
 * flag's name) and its default. Precedence is flags > environment > the context > defaults (resolve.ts).
 */
export const SETTINGS = {
  kafkaBrokers: {flag: 'brokers', env: 'SSTREAM_KAFKA_BROKERS', default: 'localhost:9092', description: 'Kafka bootstrap brokers, host:port, comma separated (a host alone: port 9092)'},
  securityProtocol: {
    flag: 'security-protocol',
    env: 'SSTREAM_KAFKA_SECURITY_PROTOCOL',
    default: undefined,
    description: 'Kafka security protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, in any case (default: PLAINTEXT, or what the SASL/TLS settings imply)',
  },
  saslMechanism: {flag: 'sasl-mechanism', env: 'SSTREAM_KAFKA_SASL_MECHANISM', default: undefined, description: 'SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512'},
  saslUsername: {flag: 'sasl-username', env: 'SSTREAM_KAFKA_SASL_USERNAME', default: undefined, description: 'SASL user name'},
  saslPasswordEnv: {
    flag: 'sasl-password-env',
    env: 'SSTREAM_KAFKA_SASL_PASSWORD_ENV',
    default: undefined,
    description: 'Name of the environment variable that holds the SASL password (or set SSTREAM_KAFKA_SASL_PASSWORD itself)',
  },
  saslPasswordFile: {flag: 'sasl-password-file', env: 'SSTREAM_KAFKA_SASL_PASSWORD_FILE', default: undefined, description: 'File that holds the SASL password (first line)'},
  tlsCa: {flag: 'tls-ca', env: 'SSTREAM_KAFKA_TLS_CA', default: undefined, description: "PEM file of the CA that signed the brokers' certificates (default: the system's CAs)"},
  tlsCert: {flag: 'tls-cert', env: 'SSTREAM_KAFKA_TLS_CERT', default: undefined, description: 'PEM client certificate, for brokers that require mutual TLS'},
  tlsKey: {flag: 'tls-key', env: 'SSTREAM_KAFKA_TLS_KEY', default: undefined, description: 'PEM private key of the client certificate'},
  tlsServerName: {
    flag: 'tls-server-name',
    env: 'SSTREAM_KAFKA_TLS_SERVER_NAME',
    default: undefined,
    description: "Name to check the brokers' certificates against (default: each broker's host name)",
  },
  mariadbUrl: {
    flag: 'mariadb-url',
    env: 'SSTREAM_MARIADB_URL',
    default: 'mariadb://streaming:streaming@127.0.0.1:3306/streaming',
    description: 'MariaDB connection URL (TLS: ?ssl=true, ?ssl-ca=FILE, ?ssl-verify=false)',
  },
  redisUrl: {
    flag: 'redis-url',
    env: 'SSTREAM_REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    description: 'Redis connection URL (rediss:// for TLS, redis://user:password@host for ACL users, ?tls-ca=FILE)',
  },
  sentimentUrl: {flag: 'sentiment-url', env: 'SSTREAM_SENTIMENT_URL', default: 'http://127.0.0.1:8001/sentiment', description: 'URL of the sentiment service (POST /sentiment)'},
} as const satisfies Record<string, {flag: string; env: string; default: string | undefined; description: string}>

export type SettingKey = keyof typeof SETTINGS

/** The password itself, from the environment (never a flag: command lines are visible to every user). */
export const SASL_PASSWORD_ENV = 'SSTREAM_KAFKA_SASL_PASSWORD'
/** The context to use when --context is not given. */
export const CONTEXT_ENV = 'SSTREAM_CONTEXT'
/** A context's key for a stored SASL password (a secret: the file must then be private). */
export const STORED_PASSWORD_KEY = 'sasl-password'

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number]
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const
export type SaslMechanismName = (typeof SASL_MECHANISMS)[number]

/** The keys a context may hold: every setting's flag name, and a stored password. */
export const CONTEXT_KEYS: ReadonlySet<string> = new Set([...Object.values(SETTINGS).map((s) => s.flag), STORED_PASSWORD_KEY])

export function settingOfFlag(flag: string): SettingKey | undefined {
  return (Object.keys(SETTINGS) as SettingKey[]).find((key) => SETTINGS[key].flag === flag)
}

/**
 * The brokers of a comma-separated list, each as `host:port`: a host alone takes Kafka's port (9092), as the
 * generators' client and Kafka's own tools read it, so that every client gets the same address. A port that is
 * no port is a usage error here rather than a broker that "can't be reached".
 */
export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0)
    .map((broker) => {
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(broker)
      const m = bracketed ?? /^([^\s:/@[\]]+)(?::(\d+))?$/.exec(broker)
      const port = m?.[2] === undefined ? DEFAULT_KAFKA_PORT : Number(m[2])
      if (!m || !(port >= 1 && port <= 65_535)) {
        throw new SstreamError('USAGE', `${broker} is not a Kafka broker address.`, {
          nextSteps: ['Write each broker as host:port (e.g. kafka1.example.com:9092), comma separated.'],
        })
      }
      return bracketed ? `[${m[1]}]:${port}` : `${m[1]}:${port}`
    })
}
