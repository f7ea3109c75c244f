/**
 * `sstream stack up --security sasl-ssl` as a user runs it, on a stack of the test's own (its own home, so
 * its own broker, ports and data; the jars are the cached ones): the broker gains a SASL_SSL listener with a
 * SCRAM user, and a context that reaches it, which `status` then uses. The shared stack is never touched.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {brokerPaths, ensureBrokerJars} from '../../src/core/stack/index.js'
import {freePorts} from '../helpers/processes.js'
import {lastJson, runCli} from '../helpers/cli.js'

const home = mkdtempSync(join(tmpdir(), 'sstream-stack-home-'))
const configHome = mkdtempSync(join(tmpdir(), 'sstream-config-'))

afterAll(() => {
  try {
    const pid = Number(readFileSync(join(home, 'kafka.pid'), 'utf8').trim())
    if (pid > 0) process.kill(pid, 'SIGKILL')
  } catch {
    // not started
  }
  rmSync(home, {recursive: true, force: true})
  rmSync(configHome, {recursive: true, force: true})
})

describe('stack up --security sasl-ssl', () => {
  it('starts a broker with a SASL_SSL listener and writes the context local-sasl-ssl, which status uses', async () => {
    const shared = await brokerPaths()
    await ensureBrokerJars(shared)
    const jars = join(home, `kafka-${shared.version}`)
    if (!existsSync(jars)) symlinkSync(join(shared.home, `kafka-${shared.version}`), jars)
    // The broker listens on port (PLAINTEXT), port + 1 (controller) and port + 2 (SASL_SSL).
    const [port] = await freePorts(3)
    const env = {SSTREAM_HOME: home, XDG_CONFIG_HOME: configHome}
    const up = await runCli(['stack', 'up', '--security', 'sasl-ssl', '--brokers', `localhost:${port}`, '--json'], {env, timeoutMs: 170_000})
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0)
    const result = lastJson<{healthy: boolean; secure: {brokers: string; context: string; passwordFile: string; username: string}}>(up.stdout)
    expect(result.secure).toMatchObject({brokers: `localhost:${port + 2}`, context: 'local-sasl-ssl', username: 'sstream'})
    expect(statSync(result.secure.passwordFile).mode & 0o777).toBe(0o600)
    const password = readFileSync(result.secure.passwordFile, 'utf8').trim()
    expect(up.stdout + up.stderr).not.toContain(password)

    const status = await runCli(['status', '--context', 'local-sasl-ssl', '--json'], {env})
    expect(status.code, status.stderr).toBe(0)
    const kafka = lastJson<{services: Array<{service: string; healthy: boolean; tls: boolean; auth: string | null; address: string}>}>(status.stdout).services.find(
      (s) => s.service === 'kafka',
    )
    expect(kafka).toMatchObject({healthy: true, tls: true, auth: 'SCRAM-SHA-512 as sstream', address: `localhost:${port + 2}`})
    expect(status.stdout + status.stderr).not.toContain(password)

    // A second run finds it running, with its listener, and says so.
    const again = await runCli(['stack', 'up', '--security', 'sasl-ssl', '--brokers', `localhost:${port}`, '--json'], {env})
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0)
    expect(lastJson<{services: Array<{service: string; action: string}>}>(again.stdout).services.find((s) => s.service === 'kafka')?.action).toBe('already running')
  })
})
