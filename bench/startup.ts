/**
 * Start-up, as a user meets it: `sstream --help`, and `sstream run leaderboard --until-idle` over a small
 * topic (1,000 scores, 3 partitions, `--idle-timeout 1s`) into a fresh Redis board, each a fresh process
 * (`node bin/run.js`, with bench/memory-probe.mjs loaded for its CPU time and peak RSS). For the run: the
 * wall time from the spawn to the partitions' assignment (module loading, connections, the group join), the
 * wall time to the exit (which includes the 1 s idle wait) and the process's whole CPU time. Every run checks
 * that the board holds every score.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {runGenerator} from '../src/core/generators/index.js'
import {connectRedis, createRedis, offsetsKeyFor, readBoard} from '../src/core/redis/index.js'
import {freshTopics, uniqueId} from './fixtures.js'
import type {Benchmark, BenchContext, Measurement} from './lib.js'
import type {MemoryPeak} from './processes.js'

const BIN = new URL('../bin/run.js', import.meta.url).pathname
const PROBE = new URL('./memory-probe.mjs', import.meta.url).pathname
const RECORDS = 1000

interface Started {
  wallMs: number
  /** Wall time from the spawn to the first line starting with `{"type":"assigned"` (with --json). */
  assignedMs?: number
  cpuMs: number
  rssMiB: number
  code: number | null
  stderr: string
}

async function timeCommand(ctx: BenchContext, args: string[]): Promise<Started> {
  const memoryFile = join(tmpdir(), `sstream-bench-startup-${process.pid}-${uniqueId()}.json`)
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', PROBE, BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {...process.env, SSTREAM_KAFKA_BROKERS: ctx.brokers.join(','), SSTREAM_REDIS_URL: ctx.redisUrl, SSTREAM_BENCH_MEMORY_FILE: memoryFile, NO_COLOR: '1'},
  })
  let assignedMs: number | undefined
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
  createInterface({input: child.stdout}).on('line', (line) => {
    if (assignedMs === undefined && line.startsWith('{"type":"assigned"')) assignedMs = performance.now() - started
  })
  const [code] = (await once(child, 'close')) as [number | null]
  const wallMs = performance.now() - started
  let memory: MemoryPeak | undefined
  try {
    memory = existsSync(memoryFile) ? (JSON.parse(readFileSync(memoryFile, 'utf8')) as MemoryPeak) : undefined
  } finally {
    rmSync(memoryFile, {force: true})
  }
  return {wallMs, assignedMs, cpuMs: memory?.cpuMs ?? Number.NaN, rssMiB: (memory?.rss ?? 0) / 2 ** 20, code, stderr}
}

export const startupBenchmark: Benchmark = {
  name: 'startup',
  description: 'sstream --help, and sstream run leaderboard --until-idle over 1,000 scores: wall and CPU time of a fresh process',
  async run(ctx) {
    const help = await timeCommand(ctx, ['--help'])
    if (help.code !== 0) throw new Error(`sstream --help exited ${help.code}: ${help.stderr}`)
    const id = uniqueId()
    const [input, dlq, group, key] = [`bench-startup-${id}`, `bench-startup-dlq-${id}`, `bench-startup-${id}`, `bench-startup-${id}`]
    const topics = await freshTopics(ctx, [input, dlq].map((topic) => ({topic, partitions: 3})))
    const redis = createRedis(ctx.redisUrl)
    await connectRedis(redis, ctx.redisUrl)
    try {
      let expected = 0
      await runGenerator({generator: 'scores', brokers: ctx.brokers, topic: input, rate: 'max', count: RECORDS, seed: 5, onRecords: (records) => records.forEach((r) => (expected += Number(r.value)))})
      const run = await timeCommand(ctx, ['run', 'leaderboard', '--json', '--until-idle', '--idle-timeout', '1s', '--group-id', group, '--input-topic', input, '--deadletter-topic', dlq, '--key', key])
      if (run.code !== 0) throw new Error(`sstream run leaderboard exited ${run.code}: ${run.stderr}`)
      const points = (await readBoard(redis, key)).reduce((sum, row) => sum + row.score, 0)
      if (points !== expected) throw new Error(`the board holds ${points} points, ${expected} expected`)
      const label = `sstream run leaderboard --until-idle --idle-timeout 1s (${RECORDS.toLocaleString('en-US')} scores)`
      const figures: Measurement[] = [
        {id: 'startup.help.wall', label: 'sstream --help: wall time', unit: 'ms', value: help.wallMs, details: {rssMiB: Math.round(help.rssMiB)}},
        {id: 'startup.help.cpu', label: 'sstream --help: CPU time', unit: 'ms', value: help.cpuMs},
        {id: 'startup.run.assigned', label: `${label}: spawn to partitions assigned`, unit: 'ms', value: run.assignedMs ?? Number.NaN},
        {id: 'startup.run.wall', label: `${label}: spawn to exit`, unit: 'ms', value: run.wallMs, details: {rssMiB: Math.round(run.rssMiB)}},
        {id: 'startup.run.cpu', label: `${label}: CPU time`, unit: 'ms', value: run.cpuMs},
      ]
      ctx.log(`sstream --help ${Math.round(help.wallMs)} ms (${Math.round(help.cpuMs)} ms CPU); run leaderboard assigned after ${Math.round(run.assignedMs ?? -1)} ms, done after ${Math.round(run.wallMs)} ms (${Math.round(run.cpuMs)} ms CPU)`)
      return figures
    } finally {
      await redis.del(key, offsetsKeyFor(key)).catch(() => undefined)
      redis.disconnect()
      await topics.cleanup({groups: [group]})
    }
  },
}
