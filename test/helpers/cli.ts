/**
 * Runs the built `sstream` binary as a user would (build first: `npm run build`, which `npm test` does).
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'run.js')

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  durationMs: number
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  input?: string
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1', ...options.env}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, durationMs: Date.now() - started})
    })
    child.stdin.end(options.input ?? '')
  })
}

/** The last JSON object printed on stdout (the command's result with --json). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n')
  // A pretty-printed result spans several lines: parse the whole output first, then fall back to the last line.
  try {
    return JSON.parse(stdout) as T
  } catch {
    return JSON.parse(lines[lines.length - 1]) as T
  }
}

/** Starts the CLI in the background (a processor, a generator) and returns the child process. */
export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1', ...options.env}, stdio: ['ignore', 'pipe', 'pipe']})
}
