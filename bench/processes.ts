/**
 * Processors as separate processes, as a user runs them: `node bin/run.js run <pipeline> --json ...` with
 * bench/memory-probe.mjs loaded, so that each reports its peak RSS and heap. The NDJSON events on stdout are
 * read line by line; `result` lines (one per output record for some pipelines) are only counted, not parsed.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import type {BenchContext} from './lib.js'

const BIN = new URL('../bin/run.js', import.meta.url).pathname
const PROBE = new URL('./memory-probe.mjs', import.meta.url).pathname

export interface MemoryPeak {
  /** Peak resident set size (the kernel's high-water mark where available), bytes. */
  rss: number
  /** Sampled peak of V8's used heap, bytes. */
  heapUsed: number
  /** Sampled peak of V8's total heap, bytes. */
  heapTotal: number
  external: number
  /** The process's CPU time (ms) when the probe last wrote; after the exit, its total. */
  cpuMs?: number
}

export interface ProcessorEvent {
  type: string
  time?: string
  /** When the bench read the line (epoch ms). */
  receivedAt: number
  [field: string]: unknown
}

export interface Processor {
  readonly pid: number
  /** Result lines seen so far. */
  readonly results: number
  /** Every event but results, in order. */
  readonly events: ProcessorEvent[]
  /** Resolves with the first event of this type (already seen or still to come). */
  waitFor(type: string, timeoutMs?: number): Promise<ProcessorEvent>
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>
  /** Whether it has exited. */
  readonly hasExited: boolean
  /** SIGTERM (a graceful stop), then waits for the exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
  /** The peaks written by the probe (after the exit, the final ones). */
  memory(): MemoryPeak | undefined
  /** The tail of stderr, for error messages. */
  stderr(): string
}

export function startProcessor(ctx: BenchContext, pipeline: string, args: string[], connections: {mariadbUrl?: string} = {}): Processor {
  const memoryFile = join(tmpdir(), `sstream-bench-memory-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.json`)
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', PROBE, BIN, 'run', pipeline, '--json', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Connections through the environment: every command reads the variables of the services it uses.
      env: {
        ...process.env,
        SSTREAM_KAFKA_BROKERS: ctx.brokers.join(','),
        SSTREAM_MARIADB_URL: connections.mariadbUrl ?? ctx.mariadbUrl,
        SSTREAM_REDIS_URL: ctx.redisUrl,
        SSTREAM_BENCH_MEMORY_FILE: memoryFile,
        NO_COLOR: '1',
      },
    },
  )
  const events: ProcessorEvent[] = []
  const waiters: Array<{type: string; resolve: (e: ProcessorEvent) => void}> = []
  let results = 0
  let stderrTail = ''
  let exitCode: number | null | undefined
  const exited = once(child, 'exit').then(([code]) => {
    exitCode = code as number | null
    return exitCode
  })
  createInterface({input: child.stdout!}).on('line', (line) => {
    if (line.startsWith('{"type":"result"')) {
      results++
      return
    }
    let event: ProcessorEvent
    try {
      const parsed = JSON.parse(line) as {type?: string; error?: {code?: string; message?: string}}
      // A failed command prints {"error": {...}} with --json.
      if (parsed.error) stderrTail = `${stderrTail}\n${parsed.error.code}: ${parsed.error.message}`.slice(-4000)
      event = {...parsed, type: parsed.type ?? (parsed.error ? 'error' : 'unknown'), receivedAt: Date.now()}
    } catch {
      return
    }
    events.push(event)
    for (const w of waiters.filter((x) => x.type === event.type)) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve(event)
    }
  })
  child.stderr!.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-4000)))
  const memory = (): MemoryPeak | undefined => {
    try {
      return existsSync(memoryFile) ? (JSON.parse(readFileSync(memoryFile, 'utf8')) as MemoryPeak) : undefined
    } catch {
      return undefined
    }
  }
  let finalMemory: MemoryPeak | undefined
  void exited.then(() => {
    finalMemory = memory()
    rmSync(memoryFile, {force: true})
  })
  return {
    pid: child.pid ?? -1,
    get results() {
      return results
    },
    events,
    exited,
    get hasExited() {
      return exitCode !== undefined
    },
    waitFor(type, timeoutMs = 60_000) {
      const seen = events.find((e) => e.type === type)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`run ${pipeline}: no ${type} event within ${timeoutMs} ms. ${stderrTail}`)), timeoutMs)
        waiters.push({type, resolve: (e) => (clearTimeout(timer), resolve(e))})
        void exited.then((code) => {
          clearTimeout(timer)
          reject(new Error(`run ${pipeline} exited (${code}) before a ${type} event. ${stderrTail}`))
        })
      })
    },
    async stop(graceMs = 20_000) {
      if (exitCode === undefined) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      }
      // Let the exit handler above read the probe's final figures.
      await new Promise((resolve) => setImmediate(resolve))
    },
    memory: () => finalMemory ?? memory(),
    stderr: () => stderrTail,
  }
}

export const MiB = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10

const CHILD = new URL('./processor-child.mjs', import.meta.url).pathname
/** SSTREAM_BENCH_NODE_ARGS: extra flags for node in the processor processes (e.g. V8's GC flags, to try them). */
const NODE_ARGS = (process.env.SSTREAM_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)

/** A processor run by bench/processor-child.mjs: in a process of its own, without the CLI's output. */
export interface ProcessorRun {
  readonly pid: number
  /** When the partitions were assigned (epoch ms) and the process's CPU time then (ms). */
  readonly assigned: Promise<{at: number; cpuMs: number; startupCpuMs: number}>
  /** When the first result was reported (its transaction committed, epoch ms) and the process's CPU time then (ms). */
  readonly firstResult: Promise<{at: number; cpuMs: number}>
  /** The process's CPU time so far (ms), from /proc (10 ms ticks). */
  cpuMs(): number
  /** Whether it has exited (a failed run). */
  readonly hasExited: boolean
  /** SIGTERM, then the summary line and the probe's peaks. */
  stop(): Promise<{recordsIn: number; outputs: Record<string, number>; memory?: MemoryPeak}>
  stderr(): string
}

/** The CPU time (user + system, ms) of a running process, from /proc/PID/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces) in parentheses: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

/** Starts `pipeline` with `options` (its run function's, as JSON) in a process of its own with the memory probe. */
export function startProcessorRun(pipeline: string, options: Record<string, unknown>): ProcessorRun {
  const memoryFile = join(tmpdir(), `sstream-bench-memory-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.json`)
  const child = spawn(process.execPath, [...NODE_ARGS, '--import', PROBE, CHILD, pipeline, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {...process.env, SSTREAM_BENCH_MEMORY_FILE: memoryFile, NO_COLOR: '1'},
  })
  let stderrTail = ''
  let exitCode: number | null | undefined
  child.stderr.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-4000)))
  const exited = once(child, 'exit').then(([code]) => (exitCode = code as number | null))
  const lines: Array<Record<string, unknown>> = []
  const waiters: Array<() => void> = []
  createInterface({input: child.stdout}).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>)
    } catch {
      return
    }
    for (const w of waiters.splice(0)) w()
  })
  const waitLine = (type: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find((l) => l.type === type || l.type === 'error')
        if (found?.type === 'error') reject(new Error(`${pipeline}: ${String(found.message)}`))
        else if (found) resolve(found)
        else waiters.push(check)
      }
      check()
      void exited.then(() => setImmediate(() => reject(new Error(`${pipeline} exited (${exitCode}) before a ${type} line. ${stderrTail}`))))
    })
  const assigned = waitLine('assigned').then((l) => ({at: Number(l.at), cpuMs: Number(l.cpuMs), startupCpuMs: Number(l.startupCpuMs)}))
  assigned.catch(() => undefined)
  const firstResult = waitLine('first-result').then((l) => ({at: Number(l.at), cpuMs: Number(l.cpuMs)}))
  firstResult.catch(() => undefined)
  return {
    pid: child.pid ?? -1,
    assigned,
    firstResult,
    cpuMs: () => processCpuMs(child.pid ?? -1),
    get hasExited() {
      return exitCode !== undefined
    },
    async stop() {
      if (exitCode === undefined) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
        await exited
        clearTimeout(timer)
      }
      const summary = lines.find((l) => l.type === 'summary')
      let memory: MemoryPeak | undefined
      try {
        memory = existsSync(memoryFile) ? (JSON.parse(readFileSync(memoryFile, 'utf8')) as MemoryPeak) : undefined
      } finally {
        rmSync(memoryFile, {force: true})
      }
      if (!summary) throw new Error(`${pipeline} stopped without a summary (exit ${exitCode}). ${stderrTail}`)
      return {recordsIn: Number(summary.recordsIn), outputs: (summary.outputs ?? {}) as Record<string, number>, memory}
    },
    stderr: () => stderrTail,
  }
}
