/**
 * A service URL with a password that is not a valid URL (a typo in the port, a password with an unencoded
 * `/`), through the built CLI: no command prints the password, whether the URL comes from a flag, the
 * environment or a context; `config add-context` refuses it, naming the flag; `config show` masks it in a
 * file written by hand, and such a file is a secret that others must not read; status says what is wrong
 * instead of failing as a bug.
 */
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {lastJson, runCli, type CliResult} from '../helpers/cli.js'

const SECRET = 'Pw7/kq-secret'
const MARIADB = `mariadb://app:${SECRET}@db.example.com:3306/streaming`
const REDIS = `rediss://app:${SECRET}@redis.example.com:6380`
const SENTIMENT = `http://app:${SECRET}@sentiment.example.com:8001/sentiment`
const BAD_PORT = 'mariadb://app:TypoPort-secret@db.example.com:33o6/streaming'

let home: string

async function sstream(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await runCli(args, {env: {XDG_CONFIG_HOME: home, SSTREAM_CONTEXT: '', ...env}, timeoutMs: 60_000})
  const printed = `${result.stdout}${result.stderr}`
  expect(printed, args.join(' ')).not.toContain(SECRET)
  expect(printed, args.join(' ')).not.toContain(encodeURIComponent(SECRET))
  expect(printed, args.join(' ')).not.toContain('TypoPort-secret')
  expect(printed, args.join(' ')).not.toContain('hit a bug')
  return result
}

describe('a URL with a password that does not parse', () => {
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'sstream-url-secrets-'))
  })

  afterAll(() => {
    if (home) rmSync(home, {recursive: true, force: true})
  })

  it('commands say the URL is wrong, with the password as ****', async () => {
    const runs: Array<[string[], NodeJS.ProcessEnv]> = [
      [['watch', 'orders', '--once', '--mariadb-url', MARIADB], {}],
      [['watch', 'orders', '--once'], {SSTREAM_MARIADB_URL: BAD_PORT}],
      [['setup', 'redis', '--redis-url', REDIS], {}],
      [['watch', 'leaderboard', '--once'], {SSTREAM_REDIS_URL: REDIS}],
      [['run', 'predictions', '--sentiment-url', SENTIMENT], {}],
      [['status'], {SSTREAM_MARIADB_URL: BAD_PORT}],
      [['stack', 'status'], {SSTREAM_REDIS_URL: REDIS}],
    ]
    for (const [args, env] of runs) {
      const result = await sstream([...args, '--json'], env)
      expect(result.code, `${args.join(' ')}: ${result.stdout}`).toBe(2)
      const {error} = lastJson<{error: {code: string; message: string}}>(result.stdout)
      expect(error.code, args.join(' ')).toBe('USAGE')
      expect(error.message, args.join(' ')).toMatch(/:\*\*\*\*@.* is not a (MariaDB |Redis )?URL\.$/)
    }
  })

  it('config add-context refuses it, naming the flag', async () => {
    for (const [flag, url] of [['--mariadb-url', BAD_PORT], ['--redis-url', REDIS], ['--sentiment-url', SENTIMENT]]) {
      const result = await sstream(['config', 'add-context', 'typo', '--brokers', 'kafka1:9093', flag, url, '--json'])
      expect(result.code, result.stdout).toBe(2)
      expect(lastJson<{error: {message: string}}>(result.stdout).error.message).toContain(`${flag} "`)
    }
  })

  it('a file written by hand: config show and list mask it, and a file others can read is refused', async () => {
    mkdirSync(join(home, 'sstream'), {recursive: true})
    const file = join(home, 'sstream', 'config.yaml')
    writeFileSync(file, `current-context: typo\ncontexts:\n  typo:\n    brokers: kafka1:9093\n    redis-url: "${REDIS}"\n    mariadb-url: "${BAD_PORT}"\n`, {mode: 0o600})
    chmodSync(file, 0o600)
    const show = await sstream(['config', 'show', '--json'])
    expect(show.code, show.stdout).toBe(0)
    const {settings} = lastJson<{context: {settings: Record<string, string>}}>(show.stdout).context
    expect(settings['redis-url']).toBe('rediss://app:****@redis.example.com:6380')
    expect(settings['mariadb-url']).toBe('mariadb://app:****@db.example.com:33o6/streaming')
    expect((await sstream(['config', 'show'])).code).toBe(0)
    expect((await sstream(['config', 'list'])).code).toBe(0)
    chmodSync(file, 0o644)
    const open = await sstream(['config', 'show', '--json'])
    expect(open.code).toBe(1)
    expect(lastJson<{error: {code: string; message: string}}>(open.stdout).error).toMatchObject({code: 'CONFIG_ERROR', message: expect.stringContaining('holds a secret')})
  })
})
