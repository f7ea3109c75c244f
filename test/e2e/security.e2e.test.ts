/**
 * A secured cluster as a user meets it, through the built CLI and a context: a broker whose SASL_SSL
 * listener wants SCRAM-SHA-512 and a private CA, a Redis that speaks TLS only and wants an ACL user, and a
 * MariaDB database of the test's own. `config add-context` stores it (password by variable name, never in the
 * file); then setup, every generator, every pipeline, tail, status, stack status, watch and demo run through
 * it with --context or SSTREAM_CONTEXT. Nothing any command prints, in any mode, contains a password.
 */
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {GENERATORS, PIPELINES, TABLES, TOPICS} from '../../src/core/names.js'
import {clusterLayout, clusterNodeProperties} from '../../src/core/stack/kafka-cluster.js'
import {startSecureBroker, type SecureBroker} from '../integration/security/secure-broker.js'
import {startTlsRedis, type TlsRedis} from '../integration/security/tls-redis.js'
import {lastJson, runCli, type CliResult} from '../helpers/cli.js'
import {adminUrl, createTestDatabase, TestServices, type TestDatabase} from '../helpers/services.js'

const PASSWORD_VAR = 'SSTREAM_TEST_KAFKA_PASSWORD'

let broker: SecureBroker
let redis: TlsRedis
let db: TestDatabase
let configHome: string
const services = new TestServices()
/** Every output of every command, for the secret check at the end. */
const outputs: string[] = []

async function sstream(args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliResult> {
  const result = await runCli(args, {env: {XDG_CONFIG_HOME: configHome, [PASSWORD_VAR]: broker.user.password, SSTREAM_CONTEXT: '', ...extraEnv}, timeoutMs})
  // What sstream printed (not the command line: the test itself passes the Redis URL, password included, to add-context).
  outputs.push(`${result.stdout}\n${result.stderr}`)
  return result
}

describe('a secured cluster through a context', () => {
  beforeAll(async () => {
    broker = await startSecureBroker()
    redis = await startTlsRedis({
      caFile: broker.tls.caFile,
      certFile: broker.tls.serverCertFile,
      keyFile: broker.tls.serverKeyFile,
      caPem: readFileSync(broker.tls.caFile, 'utf8'),
    })
    db = await createTestDatabase(services, 'sec')
    configHome = mkdtempSync(join(tmpdir(), 'sstream-config-'))
  })

  afterAll(async () => {
    await broker?.destroy()
    await redis?.stop()
    await services.cleanup()
    if (configHome) rmSync(configHome, {recursive: true, force: true})
  })

  it('config add-context stores the cluster privately, and show / list mask every password', async () => {
    const add = await sstream([
      'config', 'add-context', 'secure',
      '--brokers', broker.saslSsl,
      '--security-protocol', 'SASL_SSL',
      '--sasl-mechanism', 'SCRAM-SHA-512',
      '--sasl-username', broker.user.username,
      '--sasl-password-env', PASSWORD_VAR,
      '--tls-ca', broker.tls.caFile,
      '--redis-url', redis.url,
      '--mariadb-url', `${adminUrl.replace(/\/$/, '')}/${db.name}`,
    ])
    expect(add.code, add.stderr).toBe(0)
    const file = join(configHome, 'sstream', 'config.yaml')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).not.toContain(broker.user.password)
    const show = await sstream(['config', 'show', 'secure', '--json'])
    expect(show.code, show.stderr).toBe(0)
    const shown = lastJson<{context: {settings: Record<string, string>}}>(show.stdout)
    expect(shown.context.settings['redis-url']).toContain(`${redis.user}:****@`)
    expect(shown.context.settings['sasl-password-env']).toBe(PASSWORD_VAR)
    const list = await sstream(['config', 'list'])
    expect(list.stdout).toMatch(/\*\s+│ secure/)
    // No name and an empty SSTREAM_CONTEXT (the env of every command here): the current context.
    const current = await sstream(['config', 'show', '--json'])
    expect(current.code, current.stdout).toBe(0)
    expect(lastJson<{context: {name: string; current: boolean}}>(current.stdout).context).toMatchObject({name: 'secure', current: true})
  })

  it('setup kafka creates the topics through SASL_SSL (--context)', async () => {
    const result = await sstream(['setup', 'kafka', '--context', 'secure', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(lastJson<{created: number; brokers: string[]}>(result.stdout)).toMatchObject({created: 9, brokers: [broker.saslSsl]})
  })

  it('every generator writes through it (SSTREAM_CONTEXT)', async () => {
    for (const generator of GENERATORS) {
      const result = await sstream(['gen', generator, '--count', '300', '--rate', 'max', '--seed', '3', '--json'], {SSTREAM_CONTEXT: 'secure'})
      expect(result.code, `${generator}: ${result.stderr}`).toBe(0)
      expect(lastJson<{sent: number}>(result.stdout).sent, generator).toBe(300)
    }
  })

  it('every pipeline runs through it to idle, into MariaDB and the TLS Redis of the context', async () => {
    for (const pipeline of PIPELINES) {
      const extra = pipeline === 'predictions' ? ['--model', 'local'] : []
      const result = await sstream(['run', pipeline, '--context', 'secure', '--until-idle', '--idle-timeout', '2s', '--json', ...extra], {}, 150_000)
      expect(result.code, `${pipeline}: ${result.stderr}`).toBe(0)
      const summary = lastJson<{type: string; recordsIn: number; outputs: Record<string, number>}>(result.stdout)
      expect(summary.type, pipeline).toBe('summary')
      expect(summary.recordsIn, pipeline).toBe(300)
      expect(Object.values(summary.outputs).reduce((a, b) => a + b, 0), pipeline).toBeGreaterThan(0)
    }
  })

  it('tail reads the labels, watch shows the alerts and the leaderboard, through the context', async () => {
    const tail = await sstream(['tail', TOPICS.sentimentOutput, '--context', 'secure', '--from-beginning', '--exit-at-end', '--json'])
    expect(tail.code, tail.stderr).toBe(0)
    expect(tail.stdout.trim().split('\n').filter((line) => line.includes('"value"')).length).toBe(300)
    const alerts = await sstream(['watch', 'alerts', '--context', 'secure', '--once', '--json'])
    expect(alerts.code, alerts.stderr).toBe(0)
    expect(alerts.stdout).toContain('CRITICAL')
    const board = await sstream(['watch', 'leaderboard', '--context', 'secure', '--once', '--json'])
    expect(board.code, board.stderr).toBe(0)
    for (const player of ['Bob', 'Mike', 'Kathy', 'Sam']) expect(board.stdout).toContain(player)
  })

  it('status and stack status say which connections are secured', async () => {
    const status = await sstream(['status', '--context', 'secure', '--json'])
    expect(status.code, status.stderr).toBe(0)
    const result = lastJson<{services: Array<{service: string; healthy: boolean; tls: boolean; auth: string | null}>; topics: Array<{topic: string}>; tables: Array<{table: string; rows: number}>}>(status.stdout)
    const byName = Object.fromEntries(result.services.map((s) => [s.service, s]))
    expect(byName.kafka).toMatchObject({healthy: true, tls: true, auth: `SCRAM-SHA-512 as ${broker.user.username}`})
    expect(byName.redis).toMatchObject({healthy: true, tls: true, auth: `ACL user ${redis.user}`})
    expect(byName.mariadb).toMatchObject({healthy: true, tls: false})
    expect(result.topics.map((t) => t.topic)).toContain(TOPICS.ordersInput)
    expect(result.tables.find((t) => t.table === TABLES.orderSummary)?.rows).toBeGreaterThan(0)
    const stack = await sstream(['stack', 'status', '--context', 'secure'])
    expect(stack.stdout).toMatch(/kafka .*tls, SCRAM-SHA-512 as/)
    expect(stack.stdout).toMatch(/redis .*tls, ACL user/)
  })

  it('status checks the cluster of the context, not the local stack’s broker nor a local cluster that is stopped', async () => {
    // A stack home where `stack up --nodes 3` once ran and was stopped: its nodes' files, no process.
    const home = mkdtempSync(join(tmpdir(), 'sstream-stopped-cluster-'))
    try {
      const layout = clusterLayout(home, {host: 'localhost', port: 9092}, 3)
      for (const node of layout.nodes) {
        mkdirSync(node.dir, {recursive: true})
        writeFileSync(node.configFile, clusterNodeProperties(node, layout.voters))
      }
      for (const env of [{}, {SSTREAM_HOME: home}]) {
        const status = await sstream(['status', '--context', 'secure', '--json'], env)
        expect(status.code, status.stdout).toBe(0)
        const kafka = lastJson<{services: Array<{service: string; address: string; healthy: boolean; managed: boolean; detail: string}>}>(status.stdout).services.filter(
          (s) => s.service === 'kafka',
        )
        // One broker, the context's: healthy, and not the one `stack up` started (whether or not the local stack runs).
        expect(kafka, JSON.stringify(env)).toEqual([expect.objectContaining({address: broker.saslSsl, healthy: true, managed: false})])
        expect(kafka[0].detail).not.toMatch(/pid/)
      }
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  })

  it('demo runs the leaderboard pattern through it', async () => {
    const result = await sstream(['demo', 'leaderboard', '--context', 'secure', '--duration', '6', '--rate', '50', '--admin-url', adminUrl, '--json'], {}, 150_000)
    expect(result.code, result.stderr).toBe(0)
    const summary = lastJson<{pipelines: Array<{pipeline: string; processed: number}>}>(result.stdout)
    expect(summary.pipelines[0]).toMatchObject({pipeline: 'leaderboard'})
    expect(summary.pipelines[0].processed).toBeGreaterThan(0)
  })

  it('a wrong password through the context: a clear error within 10 s, and the password is named by variable only', async () => {
    const result = await sstream(['setup', 'kafka', '--context', 'secure', '--json'], {[PASSWORD_VAR]: 'wrong-password'})
    expect(result.code).toBe(1)
    const {error} = lastJson<{error: {code: string; message: string}}>(result.stdout)
    expect(error.code).toBe('KAFKA_AUTH')
    expect(error.message).toContain(broker.saslSsl)
    expect(result.durationMs).toBeLessThan(10_000 + 5_000) // the bound plus the CLI's own start-up
  })

  it('no output of any command contains a password', () => {
    expect(outputs.length).toBeGreaterThan(15)
    const all = outputs.join('\n')
    expect(all).not.toContain(broker.user.password)
    expect(all).not.toContain(redis.password)
    expect(all).not.toContain('wrong-password')
  })
})
