/**
 * Kafka broker addresses as users write them, through the built CLI: a context must name its brokers (one
 * without would quietly send every command to the local default), a host alone means Kafka's port 9092 for
 * every client (the generators' and the admin's alike), and an address that is no host:port is a usage error
 * naming it, not a broker that "can't be reached".
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {lastJson, runCli} from '../helpers/cli.js'
import {TestServices, testConfig} from '../helpers/services.js'

const services = new TestServices()
let home: string

function sstream(args: string[]) {
  return runCli(args, {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}, timeoutMs: 60_000})
}

describe('broker addresses', () => {
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'sstream-brokers-'))
  })

  afterAll(async () => {
    await services.cleanup()
    if (home) rmSync(home, {recursive: true, force: true})
  })

  it('config add-context without brokers (or with an empty list) is a usage error naming --brokers, and stores nothing', async () => {
    const missing = await sstream(['config', 'add-context', 'nobrokers', '--redis-url', 'redis://127.0.0.1:6379', '--json'])
    expect(missing.code, missing.stdout).toBe(2)
    expect(lastJson<{error: {code: string; message: string}}>(missing.stdout).error).toMatchObject({code: 'USAGE', message: expect.stringContaining('Missing required flag brokers')})
    const empty = await sstream(['config', 'add-context', 'nobrokers', '--brokers', ' , ', '--json'])
    expect(empty.code, empty.stdout).toBe(2)
    const {error} = lastJson<{error: {code: string; message: string; nextSteps: string[]}}>(empty.stdout)
    expect(error).toMatchObject({code: 'USAGE', message: 'The context nobrokers names no Kafka brokers.'})
    expect(error.nextSteps.join(' ')).toContain('--brokers host:port')
    expect(existsSync(join(home, 'sstream', 'config.yaml'))).toBe(false)
    const plain = await sstream(['config', 'add-context', 'nobrokers'])
    expect(plain.code).toBe(2)
    expect(plain.stderr).toContain('Missing required flag brokers')
  })

  it('a broker that is no host:port is a usage error naming it, in a command and in add-context', async () => {
    for (const broker of ['localhost:abc', 'PLAINTEXT://localhost:9092', 'localhost:70000']) {
      const run = await sstream(['setup', 'kafka', '--brokers', broker, '--json'])
      expect(run.code, `${broker}: ${run.stdout}`).toBe(2)
      expect(lastJson<{error: {code: string; message: string}}>(run.stdout).error).toMatchObject({code: 'USAGE', message: `${broker} is not a Kafka broker address.`})
      const add = await sstream(['config', 'add-context', 'bad', '--brokers', broker, '--json'])
      expect(add.code, `${broker}: ${add.stdout}`).toBe(2)
    }
    expect(existsSync(join(home, 'sstream', 'config.yaml'))).toBe(false)
  })

  const [host, port] = testConfig.kafkaBrokers[0].split(':')
  it.skipIf(port !== '9092')('a host alone is the broker on port 9092 for the admin and the consumer, as for the generators', async () => {
    const [topic] = await services.topics(['bare-host'])
    const gen = await sstream(['gen', 'orders', '--brokers', host, '--topic', topic, '--count', '5', '--rate', 'max', '--json'])
    expect(gen.code, gen.stdout).toBe(0)
    const setup = await sstream(['setup', 'kafka', '--brokers', host, '--topic', topic, '--json'])
    expect(setup.code, setup.stdout).toBe(0)
    expect(lastJson<{brokers: string[]; topics: Array<{topic: string; status: string}>}>(setup.stdout)).toMatchObject({brokers: [`${host}:9092`], topics: [{topic, status: 'exists'}]})
    const tail = await sstream(['tail', topic, '--brokers', host, '--from-beginning', '--exit-at-end', '--json'])
    expect(tail.code, tail.stdout).toBe(0)
    expect(tail.stdout.trim().split('\n').filter((line) => line.includes('"type":"record"'))).toHaveLength(5)
  })
})
