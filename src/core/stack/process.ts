import {execFile, spawn} from 'node:child_process'
import {access, constants} from 'node:fs/promises'
import {delimiter, join} from 'node:path'
import {sleep} from '../async.js'

/** The full path of an executable on PATH (or in the usual sbin folders), or undefined. */
export async function findExecutable(name: string, extraDirs: string[] = ['/usr/sbin', '/usr/local/sbin', '/sbin']): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean)
  for (const dir of dirs) {
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a program to completion and captures its output (never throws on a non-zero exit). */
export function runProgram(file: string, args: string[], options: {cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv} = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, {cwd: options.cwd, timeout: options.timeoutMs ?? 600_000, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? ((error as {code: number}).code) : 1) : 0
      resolve({code, stdout: String(stdout), stderr: String(stderr) + (error && code === 1 && !stderr ? error.message : '')})
    })
  })
}

/** Starts a long-running program in the background, detached from this process, its output in a log file descriptor. */
export function spawnDetached(file: string, args: string[], logFd: number, options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): number {
  const child = spawn(file, args, {cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', logFd, logFd]})
  child.unref()
  if (child.pid === undefined) throw new Error(`could not start ${file}`)
  return child.pid
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Sends SIGTERM, waits for the process to exit, then SIGKILL after the grace period. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<'stopped' | 'killed' | 'not running'> {
  if (!isAlive(pid)) return 'not running'
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped'
    await sleep(200)
  }
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
  return 'killed'
}
