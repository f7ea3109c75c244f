import {afterAll, describe, expect, it} from 'vitest'

import {runGenerator} from '../../src/core/generators/index.js'
import {runCli} from '../helpers/cli.js'
import {TestServices, testConfig} from '../helpers/services.js'

const services = new TestServices()
afterAll(() => services.cleanup())

interface RecordLine {
  type: 'record'
  topic: string
  partition: number
  offset: string
  timestamp: number
  key: string
  value: string
  headers?: Record<string, string>
}

describe('sstream tail', () => {
  it('prints every record as NDJSON with --json and a summary line last', async () => {
    const [topic] = await services.topics(['tail-e2e'])
    await runGenerator({generator: 'alerts', brokers: testConfig.kafkaBrokers, topic, rate: 'max', count: 40, seed: 1, startTime: Date.UTC(2024, 0, 1)})
    const run = await runCli(['tail', topic, '--from-beginning', '--exit-at-end', '--json'])
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as RecordLine | {type: 'summary'; records: number})
    const records = lines.filter((l): l is RecordLine => l.type === 'record')
    expect(records).toHaveLength(40)
    expect(lines.at(-1)).toMatchObject({type: 'summary', topic, records: 40, stoppedBy: 'end'})
    for (const r of records) {
      expect(r).toMatchObject({topic, key: expect.stringMatching(/^\d+$/), value: expect.stringMatching(/^"2024-01-01 /)})
      expect(r.headers).toBeUndefined()
    }
    expect(new Set(records.map((r) => r.partition))).toEqual(new Set([0, 1, 2]))
  })

  it('prints one plain line per record, one partition, at most --max records', async () => {
    const [topic] = await services.topics(['tail-plain'])
    await runGenerator({generator: 'scores', brokers: testConfig.kafkaBrokers, topic, rate: 'max', count: 60, seed: 2, startTime: Date.UTC(2024, 0, 1)})
    const run = await runCli(['tail', topic, '--from-beginning', '--partition', '1', '--max', '4', '--headers', '--exit-at-end'], {timeoutMs: 60_000})
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(lines).toHaveLength(4)
    for (const line of lines) expect(line).toMatch(/^p1:\d+ {2}2024-01-01 \d{2}:\d{2}:\d{2}\.\d+ {2}(Bob|Mike|Kathy|Sam) → ([1-9]|10) {2}\[\]$/)
  })

  it('takes --partition before the topic too (one value per --partition), and a missing topic gets no note saying otherwise', async () => {
    const [topic] = await services.topics(['tail-partition-first'])
    await runGenerator({generator: 'scores', brokers: testConfig.kafkaBrokers, topic, rate: 'max', count: 60, seed: 2, startTime: Date.UTC(2024, 0, 1)})
    const run = await runCli(['tail', '--partition', '1', '--partition', '2', topic, '--from-beginning', '--exit-at-end', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as RecordLine | {type: 'summary'; records: number})
    const records = lines.filter((l): l is RecordLine => l.type === 'record')
    expect(records.length).toBeGreaterThan(0)
    expect(new Set(records.map((r) => r.partition))).toEqual(new Set([1, 2]))
    expect(lines.at(-1)).toMatchObject({type: 'summary', topic, partitions: [1, 2], stoppedBy: 'end'})
    const missing = await runCli(['tail'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('Missing 1 required arg')
    expect(missing.stderr).not.toContain('Note:')
  })

  it('takes the short names of the sstream topics', async () => {
    // From the end with --exit-at-end reads nothing: the default topic is named, never consumed.
    const run = await runCli(['tail', 'orders.input', '--exit-at-end', '--json'])
    const last = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {type: string; topic?: string; records?: number; error?: {message: string}}
    if (run.code === 0) expect(last).toMatchObject({type: 'summary', topic: 'streaming.orders.input', records: 0})
    else expect(last.error?.message).toContain('streaming.orders.input')
  })

  it('names a missing topic', async () => {
    const run = await runCli(['tail', 'sstream-no-such-topic-tail-e2e', '--exit-at-end'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain("doesn't exist")
  })

  it('says a configuration error alone, without announcing that it reads', async () => {
    const run = await runCli(['tail', 'sstream-tail-config-error', '--security-protocol', 'SASL_SSL'], {env: {SSTREAM_CONTEXT: '', SSTREAM_KAFKA_SASL_MECHANISM: ''}})
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toMatch(/^Error: The security protocol SASL_SSL needs a SASL mechanism\.\n {2}→ Use --sasl-mechanism/)
    expect(run.stderr).not.toContain('Reading')
  })
})
