/**
 * `sstream help`, shell completion and the suggestion for a mistyped command, through the built binary
 * (no services needed). Completion caches go to a private XDG_CACHE_HOME, apart from the local stack's.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'

const cache = mkdtempSync(join(tmpdir(), 'sstream-completion-'))
const env = {XDG_CACHE_HOME: cache, SSTREAM_HOME: join(cache, 'stack-home')}

afterAll(() => rmSync(cache, {recursive: true, force: true}))

describe('sstream help', () => {
  it('lists the topics and commands', async () => {
    const result = await runCli(['help'], {env})
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^TOPICS$/m)
    for (const topic of ['run', 'gen', 'setup', 'watch', 'stack']) expect(result.stdout).toMatch(new RegExp(`^ {2}${topic} `, 'm'))
    expect(result.stdout).toMatch(/^ {2}status /m)
    expect(result.stdout).toMatch(/^ {2}autocomplete /m)
  })

  it('shows one command\'s help, the same as --help', async () => {
    const [help, flag] = await Promise.all([runCli(['help', 'run', 'analytics'], {env}), runCli(['run', 'analytics', '--help'], {env})])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('$ sstream run analytics')
    expect(help.stdout).toContain('--metrics-port')
    expect(help.stdout).toBe(flag.stdout)
  })
})

describe('a mistyped command', () => {
  it('suggests the closest command and exits 2', async () => {
    const result = await runCli(['statsu'], {env})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('Did you mean `sstream status`?')
  })

  it('suggests within a topic', async () => {
    const result = await runCli(['run', 'analytcs', '--until-idle'], {env})
    expect(result.code).toBe(2)
    expect(result.stderr.replace(/\s*›\s*/g, ' ')).toContain('Did you mean `sstream run analytics`?')
    expect(result.stderr).toContain('sstream help run')
  })

  it('points kubectl, kafkactl and kaf users from `completion` to `autocomplete`', async () => {
    const result = await runCli(['completion', 'bash'], {env})
    expect(result.code).toBe(2)
    expect(result.stderr.replace(/\s*›\s*/g, ' ')).toContain('Did you mean `sstream autocomplete bash`?')
  })

  it('suggests nothing for a word far from every command', async () => {
    const result = await runCli(['xyzzyplugh'], {env})
    expect(result.code).toBe(2)
    expect(result.stderr).not.toContain('Did you mean')
  })
})

describe('sstream autocomplete', () => {
  it('explains the bash set-up and builds its cache outside the stack home', async () => {
    const result = await runCli(['autocomplete', 'bash'], {env})
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('sstream autocomplete script bash')
    expect(existsSync(join(cache, 'sstream-cli', 'autocomplete', 'bash_setup'))).toBe(true)
    expect(existsSync(join(cache, 'sstream'))).toBe(false)
    expect(existsSync(env.SSTREAM_HOME)).toBe(false)
  })

  it('completes the commands and their flags in bash and zsh', async () => {
    const script = await runCli(['autocomplete', 'script', 'bash'], {env})
    expect(script.code).toBe(0)
    expect(script.stdout).toContain(join(cache, 'sstream-cli', 'autocomplete', 'bash_setup'))
    const functions = readdirSync(join(cache, 'sstream-cli', 'autocomplete', 'functions'))
    expect(functions).toEqual(expect.arrayContaining(['bash', 'zsh']))
    const bash = readFileSync(join(cache, 'sstream-cli', 'autocomplete', 'functions', 'bash', 'sstream.bash'), 'utf8')
    expect(bash).toMatch(/run:analytics .*--until-idle.*--metrics-port/)
    expect(bash).toContain('complete -F _sstream_autocomplete sstream')
    const zsh = await runCli(['autocomplete', 'zsh'], {env})
    expect(zsh.code).toBe(0)
    expect(zsh.stdout).toContain('sstream autocomplete script zsh')
  })
})
