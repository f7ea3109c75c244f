import {once} from 'node:events'

import {afterAll, describe, expect, it} from 'vitest'

import {KafkaAdmin} from '../../src/core/kafka/index.js'
import {lastJson, runCli, spawnCli} from '../helpers/cli.js'
import {uniqueName} from '../helpers/names.js'
import {TestServices, testConfig} from '../helpers/services.js'
import {readAll} from '../integration/generators/read-topic.js'
import {checkAlert, checkOrder, checkScore, checkView} from '../unit/generators/formats.js'

const services = new TestServices()
afterAll(() => services.cleanup())

interface GenJson {
  generator: string
  topic: string
  sent: number
  durationMs: number
  ratePerSec: number
  errors: number
}

async function recordsIn(topic: string): Promise<number> {
  const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
  try {
    return (await admin.topicOffsets(topic)).records
  } finally {
    await admin.close()
  }
}

describe('sstream gen', () => {
  it('prints {generator, topic, sent, durationMs, ratePerSec, errors} with --json and writes that many records', async () => {
    const [topic] = await services.topics(['gen-json'])
    const run = await runCli(['gen', 'scores', '--topic', topic, '--count', '300', '--rate', 'max', '--json'])
    expect(run.code).toBe(0)
    const result = lastJson<GenJson>(run.stdout)
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['generator', 'topic', 'sent', 'durationMs', 'ratePerSec', 'errors']))
    expect(result).toMatchObject({generator: 'scores', topic, sent: 300, errors: 0})
    expect(result.durationMs).toBeGreaterThanOrEqual(0)
    expect(result.ratePerSec).toBeGreaterThan(0)
    const records = await readAll(topic)
    expect(records).toHaveLength(300)
    for (const r of records) checkScore({key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp})
  })

  it('echoes each record as the original console did, in purple', async () => {
    const [topic] = await services.topics(['gen-echo'])
    const run = await runCli(['gen', 'orders', '--topic', topic, '--count', '5', '--rate', '50', '--echo'], {env: {NO_COLOR: '', FORCE_COLOR: '1'}})
    expect(run.code).toBe(0)
    const echoed = run.stdout.split('\n').filter((line) => line.includes('Sending Event'))
    expect(echoed).toHaveLength(5)
    const records = await readAll(topic)
    const values = new Set(records.map((r) => r.value))
    for (const line of echoed) {
      // eslint-disable-next-line no-control-regex
      const m = /^\u001B\[35mKafka Orders Stream Generator : Sending Event : (.*)\u001B\[39m$/.exec(line)
      expect(m).not.toBeNull()
      expect(values.has(m?.[1] ?? '')).toBe(true)
      checkOrder({key: JSON.parse(m?.[1] ?? '{}').orderId.toString(), value: m?.[1] ?? '', timestamp: 0})
    }
    // eslint-disable-next-line no-control-regex
    expect(run.stdout.replace(/\u001B\[\d+m/g, '')).toMatch(/Sent 5 orders records to /)
  })

  it('writes identical topics for two runs with --seed, --start-time and --time-step', async () => {
    const [a, b] = await services.topics(['gen-seed-a', 'gen-seed-b'])
    const args = ['--count', '400', '--rate', 'max', '--seed', '99', '--start-time', '2024-05-01T10:00:00Z', '--time-step', '150ms', '--json']
    for (const topic of [a, b]) expect((await runCli(['gen', 'views', '--topic', topic, ...args])).code).toBe(0)
    const first = await readAll(a)
    const second = await readAll(b)
    expect(first).toHaveLength(400)
    expect(second.map((r) => [r.partition, r.offset, r.key, r.value, r.timestamp])).toEqual(first.map((r) => [r.partition, r.offset, r.key, r.value, r.timestamp]))
    for (const r of first) checkView({key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp})
    expect(Math.min(...first.map((r) => r.timestamp))).toBe(Date.parse('2024-05-01T10:00:00Z'))
  })

  it('says when --start-time dates the records earlier than the topic keeps records (its retention.ms), and not otherwise', async () => {
    // A topic as `sstream setup kafka` makes it: the broker's retention (24 h on the local stack), which
    // deletes records timestamped in 2024 at its next check, minutes later.
    const topic = uniqueName('t-gen-expiry')
    const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
    try {
      await admin.ensureTopics([{topic, partitions: 1, replicationFactor: 1}])
      const old = await runCli(['gen', 'views', '--topic', topic, '--count', '5', '--rate', 'max', '--seed', '1', '--start-time', '2024-05-01T10:00:00Z'])
      expect(old.code, old.stderr).toBe(0)
      expect(old.stderr).toContain(`The records are timestamped from 2024-05-01T10:00:00.000Z, earlier than ${topic} keeps records (retention.ms: `)
      expect(old.stderr).toContain('Give a --start-time within the last')
      expect(old.stdout).not.toContain('retention')
      const json = await runCli(['gen', 'views', '--topic', topic, '--count', '5', '--rate', 'max', '--start-time', '2024-05-01T10:00:00Z', '--json'])
      expect(json.code).toBe(0)
      const result = lastJson<GenJson & {warnings?: string[]}>(json.stdout)
      expect(result.warnings).toEqual([expect.stringContaining(`earlier than ${topic} keeps records`)])
      // An hour ago is within the retention: nothing to say.
      const recent = await runCli(['gen', 'views', '--topic', topic, '--count', '5', '--rate', 'max', '--start-time', new Date(Date.now() - 3_600_000).toISOString(), '--json'])
      expect(recent.code).toBe(0)
      expect(lastJson<GenJson & {warnings?: string[]}>(recent.stdout).warnings).toBeUndefined()
    } finally {
      await admin.deleteTopics([topic]).catch(() => undefined)
      await admin.close()
    }
    // A topic that keeps its records forever (retention.ms -1): nothing to say either.
    const [kept] = await services.topics(['gen-kept'])
    const forever = await runCli(['gen', 'views', '--topic', kept, '--count', '5', '--rate', 'max', '--start-time', '2024-05-01T10:00:00Z'])
    expect(forever.code).toBe(0)
    expect(forever.stderr).not.toContain('retention')
  })

  it('keeps the --classic pacing: a 1–3 s pause after each record', async () => {
    const [topic] = await services.topics(['gen-classic'])
    const run = await runCli(['gen', 'alerts', '--topic', topic, '--classic', '--count', '3', '--json'])
    expect(run.code).toBe(0)
    expect(lastJson<GenJson>(run.stdout).sent).toBe(3)
    // Three pauses of 1–3 s: one after each record, the last included.
    expect(run.durationMs).toBeGreaterThanOrEqual(3000)
    const records = await readAll(topic)
    const times = records.map((r) => r.timestamp).sort((x, y) => x - y)
    for (let i = 1; i < times.length; i++) {
      expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000)
      expect(times[i] - times[i - 1]).toBeLessThan(3500)
    }
    for (const r of records) checkAlert({key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp})
  })

  it('on Ctrl-C during --rate 2000 flushes, prints the summary and exits 130; the summary count is what the topic holds', async () => {
    const [topic] = await services.topics(['gen-sigint'])
    const child = spawnCli(['gen', 'orders', '--topic', topic, '--rate', '2000', '--json'])
    let stdout = ''
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
    const exited = once(child, 'close')
    // Interrupt once records are flowing.
    const deadline = Date.now() + 30_000
    while ((await recordsIn(topic)) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    child.kill('SIGINT')
    const [code] = (await exited) as [number | null]
    expect(code).toBe(130)
    const result = lastJson<GenJson & {interrupted: boolean}>(stdout)
    expect(result.interrupted).toBe(true)
    expect(result.sent).toBeGreaterThanOrEqual(2000)
    expect(await recordsIn(topic)).toBe(result.sent)
    // Held at about the rate asked for.
    expect(result.ratePerSec).toBeGreaterThan(1500)
    expect(result.ratePerSec).toBeLessThan(2200)
  })

  it('fails clearly within 10 s when Kafka is unreachable, and names a missing topic', async () => {
    const unreachable = await runCli(['gen', 'orders', '--count', '1', '--json'], {env: {SSTREAM_KAFKA_BROKERS: '127.0.0.1:1'}})
    expect(unreachable.code).toBe(1)
    expect(unreachable.durationMs).toBeLessThan(10_000)
    expect(lastJson<{error: {code: string; message: string}}>(unreachable.stdout).error).toMatchObject({
      code: 'KAFKA_UNREACHABLE',
      message: "Can't reach Kafka at 127.0.0.1:1.",
    })
    const missing = await runCli(['gen', 'views', '--topic', 'sstream-no-such-topic-e2e', '--count', '1'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("doesn't exist")
    expect(missing.stderr).toContain('sstream setup kafka')
  })

  it('rejects bad flag values as usage errors', async () => {
    expect((await runCli(['gen', 'orders', '--rate', 'fast'])).code).toBe(2)
    expect((await runCli(['gen', 'orders', '--classic', '--rate', '5'])).code).toBe(2)
    expect((await runCli(['gen', 'orders', '--time-step', '1s'])).code).toBe(2)
  })
})
