/**
 * The contexts file when it is wrong, through the built CLI: bad YAML, a JSON document with a mistake, a
 * file that holds a password and others can read, a context that does not exist. Each is a CONFIG_ERROR
 * that names the file and what to do, exit 1, before any connection, and nothing prints the password.
 */
import {chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {lastJson, runCli} from '../helpers/cli.js'

const PASSWORD = 'stored-pw-7f3a91'

let home: string
let file: string

function write(text: string, mode = 0o600): void {
  writeFileSync(file, text, {mode})
  chmodSync(file, mode)
}

async function configError(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{message: string; nextSteps: string[]}> {
  const result = await runCli([...args, '--json'], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: '', ...env}, timeoutMs: 30_000})
  expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD)
  expect(result.code, result.stdout + result.stderr).toBe(1)
  const {error} = lastJson<{error: {code: string; message: string; nextSteps: string[]}}>(result.stdout)
  expect(error.code).toBe('CONFIG_ERROR')
  return error
}

describe('a contexts file that is wrong', () => {
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'sstream-contexts-'))
    mkdirSync(join(home, 'sstream'))
    file = join(home, 'sstream', 'config.yaml')
  })

  afterAll(() => {
    rmSync(home, {recursive: true, force: true})
  })

  it('bad YAML: names the file and the line', async () => {
    write('contexts:\n  prod:\n    brokers: [kafka1:9093\n')
    for (const args of [['status'], ['config', 'list']]) {
      const error = await configError(args)
      expect(error.message).toContain(`${file} is not valid YAML`)
      expect(error.message).toMatch(/line \d+, column \d+\.$/)
      // The way out is the file: `sstream config …` reads it too and fails the same way.
      expect(error.nextSteps.join(' ')).not.toMatch(/sstream config (add-context|remove)/)
      expect(error.nextSteps.join(' ')).toContain(`mv ${file} ${file}.bak`)
    }
    for (const args of [['config', 'remove', 'prod'], ['config', 'add-context', 'prod', '--brokers', 'kafka1:9093']]) {
      expect((await configError(args)).message).toContain(`${file} is not valid YAML`)
    }
  })

  it('the way out that a wrong file names works: moved aside, config commands work again', async () => {
    write('contexts:\n  prod: 5\n')
    const {nextSteps} = await configError(['config', 'list'])
    const move = /`mv (\S+) (\S+)`/.exec(nextSteps.join(' '))
    expect(move?.[1]).toBe(file)
    renameSync(move![1], move![2])
    const added = await runCli(['config', 'add-context', 'prod', '--brokers', 'kafka1:9093', '--json'], {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: ''}, timeoutMs: 30_000})
    expect(added.code, added.stdout + added.stderr).toBe(0)
    expect(lastJson<{context: {name: string; current: boolean}}>(added.stdout).context).toMatchObject({name: 'prod', current: true})
  })

  it('JSON (a YAML document too) with a brace missing, and one with a setting sstream does not know', async () => {
    write('{"contexts": {"prod": {"brokers": "kafka1:9093"}}')
    expect((await configError(['status'])).message).toContain('is not valid YAML')
    write('{"current-context": "prod", "contexts": {"prod": {"brokers": "kafka1:9093", "sasl_password": "x"}}}')
    expect((await configError(['status'])).message).toContain('unknown setting sasl_password in context prod')
  })

  it('a stored password in a file others can read: refused, the password never printed', async () => {
    write(`current-context: prod\ncontexts:\n  prod:\n    brokers: kafka1:9093\n    sasl-password: ${PASSWORD}\n`, 0o644)
    for (const args of [['status'], ['config', 'show'], ['config', 'list']]) {
      const error = await configError(args)
      expect(error.message).toContain(`${file} holds a secret and can be read by other users (mode 0644)`)
      expect(error.nextSteps.join(' ')).toContain(`chmod 600 ${file}`)
    }
  })

  it('a context that does not exist, by --context and by SSTREAM_CONTEXT: the known ones listed', async () => {
    write('current-context: prod\ncontexts:\n  prod:\n    brokers: kafka1:9093\n  staging:\n    brokers: kafka2:9093\n')
    for (const [args, env] of [
      [['status', '--context', 'nope'], {}],
      [['gen', 'orders', '--count', '1'], {SSTREAM_CONTEXT: 'nope'}],
    ] as const) {
      const error = await configError([...args], env)
      expect(error.message).toBe(`There is no context named nope in ${file}.`)
      expect(error.nextSteps.join(' ')).toContain('Known contexts: prod, staging')
    }
  })
})
