/**
 * A real terminal for end-to-end tests of the live views: the built CLI runs in a tmux pane (a
 * pseudo-terminal, so stdout is a TTY and ink draws in place), the test reads the screen and presses keys.
 * tmux must be installed (the CI script installs it).
 */
import {execFile, execFileSync} from 'node:child_process'
import {readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {uniqueName} from './names.js'

const run = promisify(execFile)

/** Throws a clear error when tmux is missing. */
export function requireTmux(): void {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'ignore'})
  } catch {
    throw new Error('tmux is not installed: install it (apt-get install -y tmux) to run the real-terminal tests.')
  }
}

/** One tmux server of our own (its own socket), one pane of `columns`×`rows`. */
export class TmuxPane {
  private readonly socket = uniqueName('sstream-tui')
  /** Where the pane's shell writes the command's exit status. */
  private readonly statusFile = join(tmpdir(), `${this.socket}.status`)

  constructor(
    private readonly columns = 100,
    private readonly rows = 30,
  ) {}

  /** The pane's environment: a terminal, and no CI variables (CI switches ink to non-interactive output). */
  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8'}
    for (const [name, value] of Object.entries(process.env)) if (name.startsWith('SSTREAM_')) env[name] = value
    return env
  }

  async tmux(...args: string[]): Promise<string> {
    const {stdout} = await run('tmux', ['-L', this.socket, '-f', '/dev/null', '-u', ...args], {env: this.env()})
    return stdout
  }

  /**
   * Starts `node <command...>` in the pane. A shell waits for it and writes its exit status to a file:
   * tmux itself sometimes never reaps a pane's process (a zombie with no status), so its pane status is
   * not relied on.
   */
  async start(command: string[]): Promise<void> {
    const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`
    const shellCommand = `${[process.execPath, ...command].map(quote).join(' ')}; echo $? > ${quote(this.statusFile)}`
    // remain-on-exit keeps the pane (and the last screen) after the process ends.
    await this.tmux('new-session', '-d', '-s', 'main', '-x', String(this.columns), '-y', String(this.rows), shellCommand, ';', 'set-option', '-t', 'main', 'remain-on-exit', 'on')
  }

  /** The visible screen, as text. */
  async capture(): Promise<string> {
    return this.tmux('capture-pane', '-p', '-t', 'main')
  }

  async press(key: string): Promise<void> {
    await this.tmux('send-keys', '-t', 'main', key)
  }

  /** null while the process runs, its exit status once it has ended (128 + n when killed by signal n). */
  async exitStatus(): Promise<number | null> {
    const text = await readFile(this.statusFile, 'utf8').catch(() => '')
    return /^\d+\s*$/.test(text) ? Number(text.trim()) : null
  }

  async kill(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined)
    await rm(this.statusFile, {force: true})
  }
}

/** Polls `read` until `ok`, with a deadline; the error shows the last value (the screen). */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen:\n${String(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The board rows on a screen: rank, name, score, bar length in cells. */
export function boardRows(screen: string): Array<{rank: number; name: string; score: number; bar: number}> {
  return screen
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\S+)\s+([\d,.]+)\s+(█*[▏▎▍▌▋▊▉]?)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({rank: Number(m[1]), name: m[2], score: Number(m[3]), bar: [...m[4]].length}))
}
