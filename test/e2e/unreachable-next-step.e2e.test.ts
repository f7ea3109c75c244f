/**
 * A service that does not answer, through the built CLI: the next step fits where the user pointed sstream.
 * `sstream stack up` starts the local stack, so it is the step only for the default addresses; an address
 * that --brokers / --redis-url / --mariadb-url, an SSTREAM_* variable, --context, SSTREAM_CONTEXT or the
 * current context gave is the user's own service, and the step names that setting. Every kind of command
 * that talks to the service: setup, gen, run, tail, watch and status. Nothing listens on port 1.
 */
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {lastJson, runCli} from '../helpers/cli.js'
import {uniqueName} from '../helpers/names.js'

const NOWHERE = '127.0.0.1:1'
const CONTEXT = 'faraway'

let home: string

interface ErrorJson {
  code: string
  message: string
  nextSteps: string[]
}

async function failure(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ErrorJson> {
  const result = await runCli([...args, '--json'], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: '', ...env}, timeoutMs: 60_000})
  expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(1)
  return lastJson<{error: ErrorJson}>(result.stdout).error
}

describe('the next step when a service does not answer', () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sstream-unreachable-'))
    // Not the current context: the tests name it, except the one that makes it current.
    const other = await runCli(['config', 'add-context', 'other', '--brokers', 'localhost:9092'], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}})
    expect(other.code, other.stderr).toBe(0)
    const added = await runCli(['config', 'add-context', CONTEXT, '--brokers', NOWHERE, '--redis-url', `redis://${NOWHERE}`, '--mariadb-url', `mariadb://app:pw@${NOWHERE}/streaming`], {
      env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''},
    })
    expect(added.code, added.stderr).toBe(0)
  })

  afterAll(() => {
    if (home) rmSync(home, {recursive: true, force: true})
  })

  it('a context (--context) pointing at Kafka that does not answer: every Kafka command names the context, not `stack up`', async () => {
    const topic = uniqueName('unreachable')
    const commands = [
      ['setup', 'kafka'],
      ['gen', 'orders', '--count', '1'],
      ['gen', 'reviews', '--count', '1'],
      ['tail', topic],
      ['run', 'analytics'],
      ['run', 'leaderboard', '--redis-url', 'redis://127.0.0.1:6379'],
      ['watch', 'alerts', '--once'],
    ]
    for (const command of commands) {
      const error = await failure([...command, '--context', CONTEXT])
      expect(error.code, command.join(' ')).toBe('KAFKA_UNREACHABLE')
      expect(error.message, command.join(' ')).toContain(NOWHERE)
      const steps = error.nextSteps.join(' ')
      expect(steps, command.join(' ')).not.toContain('stack up')
      expect(steps, command.join(' ')).toContain(`the context ${CONTEXT}`)
      expect(steps, command.join(' ')).toContain(`sstream config show ${CONTEXT}`)
    }
  })

  it('Redis and MariaDB of a context that do not answer: watch and setup name the context', async () => {
    for (const [command, code] of [
      [['watch', 'leaderboard', '--once'], 'REDIS_UNREACHABLE'],
      [['setup', 'redis'], 'REDIS_UNREACHABLE'],
      [['watch', 'orders', '--once'], 'MARIADB_UNREACHABLE'],
    ] as const) {
      const error = await failure([...command, '--context', CONTEXT])
      expect(error.code, command.join(' ')).toBe(code)
      expect(error.nextSteps.join(' '), command.join(' ')).not.toContain('stack up')
      expect(error.nextSteps.join(' '), command.join(' ')).toContain(`the context ${CONTEXT}`)
    }
  })

  it('SSTREAM_CONTEXT and the current context are named like --context', async () => {
    const byVariable = await failure(['setup', 'kafka'], {SSTREAM_CONTEXT: CONTEXT})
    expect(byVariable.nextSteps.join(' ')).not.toContain('stack up')
    expect(byVariable.nextSteps.join(' ')).toContain(`the context ${CONTEXT}`)
    const use = await runCli(['config', 'use-context', CONTEXT], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}})
    expect(use.code, use.stderr).toBe(0)
    try {
      const current = await failure(['gen', 'scores', '--count', '1'])
      expect(current.nextSteps.join(' ')).not.toContain('stack up')
      expect(current.nextSteps.join(' ')).toContain(`the context ${CONTEXT}`)
    } finally {
      await runCli(['config', 'use-context', 'other'], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}})
    }
  })

  it('a flag or an SSTREAM_* variable is named as the place to correct', async () => {
    const flag = await failure(['tail', uniqueName('unreachable'), '--brokers', NOWHERE])
    expect(flag.nextSteps.join(' ')).not.toContain('stack up')
    expect(flag.nextSteps.join(' ')).toContain('correct --brokers')
    const variable = await failure(['run', 'alerts'], {SSTREAM_KAFKA_BROKERS: NOWHERE})
    expect(variable.nextSteps.join(' ')).not.toContain('stack up')
    expect(variable.nextSteps.join(' ')).toContain('correct SSTREAM_KAFKA_BROKERS')
    const redis = await failure(['watch', 'leaderboard', '--once'], {SSTREAM_REDIS_URL: `redis://${NOWHERE}`})
    expect(redis.nextSteps.join(' ')).toContain('correct SSTREAM_REDIS_URL')
    const maria = await failure(['watch', 'orders', '--once', '--mariadb-url', `mariadb://app:pw@${NOWHERE}/streaming`])
    expect(maria.nextSteps.join(' ')).toContain('correct --mariadb-url')
  })

  it('plain output says it on stderr too, and status says it under the table for each service down', async () => {
    const plain = await runCli(['setup', 'kafka', '--context', CONTEXT], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}, timeoutMs: 60_000})
    expect(plain.code).toBe(1)
    expect(plain.stderr).toContain(`The address comes from the context ${CONTEXT}`)
    expect(plain.stderr).not.toContain('stack up')
    const status = await runCli(['status', '--context', CONTEXT], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}, timeoutMs: 60_000})
    expect(status.code).toBe(1)
    for (const service of ['Kafka', 'MariaDB', 'Redis']) expect(status.stderr).toContain(`${service} is not healthy (its detail is above). The address comes from the context ${CONTEXT}`)
    expect(status.stderr).not.toContain('stack up')
    const flag = await runCli(['stack', 'status', '--brokers', NOWHERE], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}, timeoutMs: 60_000})
    expect(flag.code).toBe(1)
    expect(flag.stderr).toContain('Kafka is not healthy (its detail is above). The address comes from --brokers')
    expect(flag.stderr).not.toContain('stack up')
  })

  it('stack up and demo do not start a local broker for brokers of another machine that do not answer', async () => {
    const stackHome = mkdtempSync(join(tmpdir(), 'sstream-unreachable-home-'))
    try {
      const remote = 'kafka.example.invalid:9093'
      for (const args of [['stack', 'up', '--brokers', remote], ['demo', 'leaderboard', '--brokers', remote, '--duration', '5s']]) {
        const error = await failure(args, {SSTREAM_HOME: stackHome})
        expect(error.code, args.join(' ')).toBe('STACK_ERROR')
        expect(error.message, args.join(' ')).toBe(`Kafka at ${remote} does not answer, and it is not on this machine: the local stack starts brokers on this machine only.`)
        // Nothing of a local broker was made: no jars fetched, no configuration or storage written.
        expect(readdirSync(stackHome), args.join(' ')).toEqual([])
      }
    } finally {
      rmSync(stackHome, {recursive: true, force: true})
    }
  })
})
