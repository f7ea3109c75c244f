import {describe, expect, it} from 'vitest'

import {connectionFlags, connectionOverrides} from '../../../src/cli/connection-flags.js'
import {SstreamCommand} from '../../../src/cli/sstream-command.js'
import Demo from '../../../src/commands/demo.js'
import GenAlerts from '../../../src/commands/gen/alerts.js'
import GenOrders from '../../../src/commands/gen/orders.js'
import GenReviews from '../../../src/commands/gen/reviews.js'
import GenScores from '../../../src/commands/gen/scores.js'
import GenViews from '../../../src/commands/gen/views.js'
import RunAlerts from '../../../src/commands/run/alerts.js'
import RunAnalytics from '../../../src/commands/run/analytics.js'
import RunLeaderboard from '../../../src/commands/run/leaderboard.js'
import RunPredictions from '../../../src/commands/run/predictions.js'
import RunViews from '../../../src/commands/run/views.js'
import ServeSentiment from '../../../src/commands/serve/sentiment.js'
import SetupAll from '../../../src/commands/setup/all.js'
import SetupDb from '../../../src/commands/setup/db.js'
import SetupKafka from '../../../src/commands/setup/kafka.js'
import SetupRedis from '../../../src/commands/setup/redis.js'
import StackDown from '../../../src/commands/stack/down.js'
import StackStatus from '../../../src/commands/stack/status.js'
import StackUp from '../../../src/commands/stack/up.js'
import Status from '../../../src/commands/status.js'
import Tail from '../../../src/commands/tail.js'
import WatchAlerts from '../../../src/commands/watch/alerts.js'
import WatchLeaderboard from '../../../src/commands/watch/leaderboard.js'
import WatchOrders from '../../../src/commands/watch/orders.js'
import WatchTopics from '../../../src/commands/watch/topics.js'
import {readConfig} from '../../../src/core/config/index.js'

const CONNECTION_FLAGS = ['brokers', 'mariadb-url', 'redis-url', 'sentiment-url']

/** What each command connects to (read from its core code), and so the only connection flags its --help lists. */
const COMMANDS: Array<[string, {flags?: object}, string[]]> = [
  ['setup kafka', SetupKafka, ['brokers']],
  ['setup db', SetupDb, ['mariadb-url']],
  ['setup redis', SetupRedis, ['redis-url']],
  ['setup all', SetupAll, ['brokers', 'mariadb-url', 'redis-url']],
  ['stack up', StackUp, ['brokers', 'mariadb-url', 'redis-url']],
  ['stack down', StackDown, []],
  ['stack status', StackStatus, ['brokers', 'mariadb-url', 'redis-url']],
  ['gen orders', GenOrders, ['brokers']],
  ['gen alerts', GenAlerts, ['brokers']],
  ['gen scores', GenScores, ['brokers']],
  ['gen views', GenViews, ['brokers']],
  ['gen reviews', GenReviews, ['brokers']],
  ['run analytics', RunAnalytics, ['brokers', 'mariadb-url']],
  ['run alerts', RunAlerts, ['brokers']],
  ['run leaderboard', RunLeaderboard, ['brokers', 'redis-url']],
  ['run predictions', RunPredictions, ['brokers', 'sentiment-url']],
  ['run views', RunViews, ['brokers', 'mariadb-url', 'redis-url']],
  ['serve sentiment', ServeSentiment, ['sentiment-url']],
  ['watch orders', WatchOrders, ['mariadb-url']],
  ['watch leaderboard', WatchLeaderboard, ['redis-url']],
  ['watch topics', WatchTopics, ['redis-url']],
  ['watch alerts', WatchAlerts, ['brokers']],
  ['status', Status, ['brokers', 'mariadb-url', 'redis-url']],
  ['tail', Tail, ['brokers']],
  ['demo', Demo, ['brokers', 'mariadb-url', 'redis-url', 'sentiment-url']],
]

describe('connection flags', () => {
  it('are not global: the base class declares only --context and --color (--json comes from enableJsonFlag)', () => {
    expect(Object.keys(SstreamCommand.baseFlags)).toEqual(['context', 'color'])
  })

  it.each(COMMANDS)('%s declares exactly the connections it uses', (_id, command, expected) => {
    const declared = Object.keys(command.flags ?? {}).filter((name) => CONNECTION_FLAGS.includes(name))
    expect(declared.sort()).toEqual([...expected].sort())
  })

  it('name their variable and default in the help, but leave both to the one resolver (so that a context is not bypassed)', () => {
    const {brokers, 'sentiment-url': sentiment} = connectionFlags('kafka', 'sentiment')
    expect(brokers).toMatchObject({helpGroup: 'CONNECTION'})
    expect(brokers.description).toContain('[env: SSTREAM_KAFKA_BROKERS] [default: localhost:9092]')
    expect(brokers).not.toHaveProperty('default')
    expect(brokers).not.toHaveProperty('env')
    expect(sentiment.description).toContain('[env: SSTREAM_SENTIMENT_URL]')
    expect(Object.keys(connectionFlags('redis', 'mariadb'))).toEqual(['redis-url', 'mariadb-url'])
  })

  it('bring the Kafka security flags wherever a command talks to Kafka', () => {
    expect(Object.keys(connectionFlags('kafka'))).toEqual([
      'brokers',
      'security-protocol',
      'sasl-mechanism',
      'sasl-username',
      'sasl-password-env',
      'sasl-password-file',
      'tls-ca',
      'tls-cert',
      'tls-key',
      'tls-server-name',
    ])
    for (const [id, command, expected] of COMMANDS) {
      const flags = Object.keys(command.flags ?? {})
      expect(flags.includes('sasl-mechanism'), id).toBe(expected.includes('brokers'))
    }
  })

  it('take --security-protocol in any case, as SSTREAM_KAFKA_SECURITY_PROTOCOL, and list the protocols in the help', async () => {
    const flag = connectionFlags('kafka')['security-protocol']
    const parse = (input: string): Promise<unknown> => flag.parse!(input, {} as never, flag as never)
    expect(await parse('sasl_ssl')).toBe('SASL_SSL')
    expect(await parse('Ssl')).toBe('SSL')
    expect(await parse('PLAINTEXT')).toBe('PLAINTEXT')
    await expect(parse('tls')).rejects.toThrow('Expected --security-protocol=tls to be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (in any case)')
    expect(flag).not.toHaveProperty('options')
    expect(flag.helpValue).toBe('PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL')
    expect(flag.description).toContain('in any case')
    // As the variable: a lower-case protocol from the flag resolves as its upper-case one.
    const fromFlag = readConfig(connectionOverrides({'security-protocol': String(await parse('sasl_plaintext')), 'sasl-mechanism': 'plain', 'sasl-username': 'u'}), {SSTREAM_KAFKA_SASL_PASSWORD: 'p'}, {file: {contexts: {}}})
    const fromEnv = readConfig(connectionOverrides({}), {SSTREAM_KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', SSTREAM_KAFKA_SASL_MECHANISM: 'plain', SSTREAM_KAFKA_SASL_USERNAME: 'u', SSTREAM_KAFKA_SASL_PASSWORD: 'p'}, {file: {contexts: {}}})
    expect(fromFlag.kafkaSecurity).toEqual(fromEnv.kafkaSecurity)
    expect(fromFlag.kafkaSecurity.protocol).toBe('SASL_PLAINTEXT')
  })

  it('resolve flags > environment > defaults, the undeclared ones from the environment or their default', () => {
    const env = {SSTREAM_REDIS_URL: 'redis://env:1', SSTREAM_SENTIMENT_URL: 'http://env:2/sentiment'}
    // As parsed for `run views --brokers k:1`: its three flags (mariadb-url from the default), no sentiment-url.
    const flags = {brokers: 'k:1', 'mariadb-url': 'mariadb://default/streaming', 'redis-url': 'redis://env:1', tui: false}
    expect(readConfig(connectionOverrides(flags), env, {file: {contexts: {}}})).toEqual({
      kafkaBrokers: ['k:1'],
      kafkaSecurity: {protocol: 'PLAINTEXT'},
      mariadbUrl: 'mariadb://default/streaming',
      redisUrl: 'redis://env:1',
      sentimentUrl: 'http://env:2/sentiment',
    })
    expect(readConfig(connectionOverrides({}), {}, {file: {contexts: {}}}).sentimentUrl).toBe('http://127.0.0.1:8001/sentiment')
  })
})
