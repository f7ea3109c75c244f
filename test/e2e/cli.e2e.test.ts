import {afterAll, describe, expect, it} from 'vitest'

import {lastJson, runCli} from '../helpers/cli.js'
import {KafkaAdmin} from '../../src/core/kafka/index.js'
import {TestServices, testConfig} from '../helpers/services.js'

describe('sstream CLI', () => {
  const services = new TestServices()
  afterAll(() => services.cleanup())

  it('lists its topics in --help', async () => {
    const {code, stdout} = await runCli(['--help'])
    expect(code).toBe(0)
    for (const topic of ['setup', 'stack', 'status']) expect(stdout).toMatch(new RegExp(`^\\s+${topic}\\s`, 'm'))
  })

  it('lists in --help only the connection flags of the services a command uses', async () => {
    const connectionFlagsOf = (help: string): string[] => ['--brokers', '--mariadb-url', '--redis-url', '--sentiment-url'].filter((flag) => help.includes(`${flag}=`))
    const gen = await runCli(['gen', 'orders', '--help'])
    expect(gen.code).toBe(0)
    expect(connectionFlagsOf(gen.stdout)).toEqual(['--brokers'])
    expect(gen.stdout).toContain('SSTREAM_KAFKA_BROKERS')
    const views = await runCli(['run', 'views', '--help'])
    expect(connectionFlagsOf(views.stdout)).toEqual(['--brokers', '--mariadb-url', '--redis-url'])
    expect(views.stdout).toContain('CONNECTION FLAGS')
    const serve = await runCli(['serve', 'sentiment', '--help'])
    expect(serve.code).toBe(0)
    expect(connectionFlagsOf(serve.stdout)).toEqual(['--sentiment-url'])
    expect(serve.stdout).toContain('--[no-]color')
  })

  it('exits 2 with usage on an unknown flag and on a bad value', async () => {
    const unknown = await runCli(['setup', 'kafka', '--no-such-flag'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Nonexistent flag')
    const bad = await runCli(['setup', 'kafka', '--partitions', 'many'])
    expect(bad.code).toBe(2)
  })

  it('exits 1 within 10 s naming the broker when Kafka is unreachable', async () => {
    const result = await runCli(['setup', 'kafka'], {env: {SSTREAM_KAFKA_BROKERS: '127.0.0.1:1'}})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Can't reach Kafka at 127.0.0.1:1")
    // The user's own address: the step is to check or correct the variable, not to start the local stack.
    expect(result.stderr).toContain('correct SSTREAM_KAFKA_BROKERS')
    expect(result.stderr).not.toContain('sstream stack up')
    expect(result.durationMs).toBeLessThan(10_000)

    const json = await runCli(['setup', 'kafka', '--json'], {env: {SSTREAM_KAFKA_BROKERS: '127.0.0.1:1'}})
    expect(json.code).toBe(1)
    expect(lastJson<{error: {code: string}}>(json.stdout).error.code).toBe('KAFKA_UNREACHABLE')
  })

  it('says under the services table what to do about a service that is down (stderr), in status and stack status', async () => {
    for (const command of [['status'], ['stack', 'status']]) {
      const plain = await runCli([...command, '--brokers', '127.0.0.1:1'])
      expect(plain.code).toBe(1)
      expect(plain.stderr).toContain('Kafka is not healthy (its detail is above). The address comes from --brokers: check that Kafka runs there')
      expect(plain.stderr).not.toContain('Redis is not healthy')
      const json = await runCli([...command, '--brokers', '127.0.0.1:1', '--json'])
      expect(json.code).toBe(1)
      expect(json.stderr).toBe('')
      expect(lastJson<{healthy: boolean}>(json.stdout).healthy).toBe(false)
    }
  })

  it('takes the high-volume topic as --highvolume-topic and --high-volume-topic in both run alerts and watch alerts', async () => {
    const [critical, high] = await services.topics(['alias-critical', 'alias-high'])
    for (const flag of ['--highvolume-topic', '--high-volume-topic']) {
      const watch = await runCli(['watch', 'alerts', '--once', '--json', '--critical-topic', critical, flag, high])
      expect(watch.code, watch.stdout).toBe(0)
      expect(lastJson<{topics: {highVolume: string}}>(watch.stdout).topics.highVolume).toBe(high)
      // Parsed (not a usage error, 2): the run stops at its missing input topic, naming it.
      const run = await runCli(['run', 'alerts', '--json', '--input-topic', 'sstream-no-such-alerts-input', '--critical-topic', critical, flag, high])
      expect(run.code, run.stdout).toBe(1)
      expect(lastJson<{error: {code: string}}>(run.stdout).error.code).toBe('TOPIC_MISSING')
    }
  })

  it('refuses a duration of no time (0, 0s, -1s, what rounds to 0 ms) on run, gen and demo as a usage error naming the flag, before any work', async () => {
    const [input, deadLetters] = await services.topics(['zero-duration-in', 'zero-duration-dlq'])
    const groupId = services.groupId('zero-duration')
    const cases = [
      ...['0', '0s', '-1s', '0.0001s'].map((value) => ({args: ['run', 'leaderboard', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, `--duration=${value}`, '--key', `${groupId}-board`], flag: 'duration', value})),
      {args: ['gen', 'scores', '--json', '--topic', input, '--duration=0'], flag: 'duration', value: '0'},
      {args: ['demo', 'leaderboard', '--json', '--duration=0s'], flag: 'duration', value: '0s'},
      {args: ['run', 'analytics', '--json', '--group-id', groupId, '--input-topic', input, '--window=0s'], flag: 'window', value: '0s'},
      {args: ['run', 'leaderboard', '--json', '--group-id', groupId, '--input-topic', input, '--board-interval=0'], flag: 'board-interval', value: '0'},
      {args: ['watch', 'topics', '--json', '--once', '--interval=0'], flag: 'interval', value: '0'},
    ]
    for (const {args, flag, value} of cases) {
      const result = await runCli(args)
      expect(result.code, `${args.join(' ')}: ${result.stdout}`).toBe(2)
      expect(lastJson<{error: {code: string; message: string}}>(result.stdout).error).toMatchObject({code: 'USAGE', message: `--${flag} must be longer than 0, got "${value}".`})
      expect(result.stdout).not.toContain('"type":"started"')
    }
    // Nothing was written or read: the generator sent no record, the processor never joined its group.
    const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
    try {
      expect((await admin.topicOffsets(input)).records).toBe(0)
      expect(await admin.listGroups()).not.toContain(groupId)
    } finally {
      await admin.close()
    }
    // A negative lateness is refused the same way; 0 is a lateness (none).
    const negative = await runCli(['run', 'analytics', '--json', '--group-id', groupId, '--input-topic', input, '--lateness=-1s'])
    expect(negative.code).toBe(2)
    expect(lastJson<{error: {message: string}}>(negative.stdout).error.message).toBe('--lateness can\'t be negative, got "-1s".')
  })

  it('reports kafka, mariadb and redis healthy in stack status', async () => {
    const result = await runCli(['stack', 'status', '--json'])
    expect(result.code).toBe(0)
    const status = lastJson<{healthy: boolean; services: Array<{service: string; healthy: boolean}>}>(result.stdout)
    expect(status.healthy).toBe(true)
    expect(status.services.map((s) => [s.service, s.healthy])).toEqual([
      ['kafka', true],
      ['mariadb', true],
      ['redis', true],
    ])
  })

  it('sets everything up idempotently, and status lists the topics and tables', async () => {
    const first = await runCli(['setup', 'all', '--json'])
    expect(first.code).toBe(0)
    const second = await runCli(['setup', 'all', '--json'])
    expect(second.code).toBe(0)
    const result = lastJson<{kafka: {created: number; topics: Array<{topic: string; partitions: number}>}; db: {migrations: Array<{status: string}>}}>(second.stdout)
    expect(result.kafka.created).toBe(0)
    expect(result.kafka.topics).toHaveLength(9)
    expect(result.kafka.topics.every((t) => t.partitions >= 3)).toBe(true)
    expect(result.db.migrations.every((m) => m.status === 'already applied')).toBe(true)

    const status = await runCli(['status', '--json'])
    expect(status.code).toBe(0)
    const s = lastJson<{topics: Array<{topic: string}>; tables: Array<{table: string; rows: number | null}>}>(status.stdout)
    expect(s.topics.map((t) => t.topic)).toEqual(expect.arrayContaining(['streaming.orders.input', 'streaming.deadletter']))
    expect(s.tables.map((t) => t.table)).toEqual(['order_summary', 'user_view_summary'])
    expect(s.tables.every((t) => typeof t.rows === 'number')).toBe(true)
  })
})
