/**
 * The raw ceiling of a pipeline benchmark: stock kafkajs reading the whole topic and discarding it, in the
 * same run, in a process of its own (bench/ceiling-loop.mjs: sstream changes how kafkajs decodes fetched
 * records once its client factory installs its patches, and the ceiling is kafkajs as it comes). Timed like the pipelines, from
 * the partitions' assignment (the group join) to the last record read.
 */
import {execFile, spawn, spawnSync} from 'node:child_process'
import {once} from 'node:events'
import {promisify} from 'node:util'

import type {BenchContext} from './lib.js'

const LOOP = new URL('./ceiling-loop.mjs', import.meta.url).pathname
const run = promisify(execFile)

/**
 * Records per second of the loop over `topic` (its first `count` records). `sstreamDecoder`: the same loop
 * with sstream's fetch decoder loaded first (what sstream's own reading costs, for comparison).
 */
export async function kafkajsConsumeCeiling(ctx: BenchContext, topic: string, count: number, {sstreamDecoder = false} = {}): Promise<number> {
  const args = [...(sstreamDecoder ? ['--import', 'tsx'] : []), LOOP, ctx.brokers.join(','), topic, String(count)]
  const {stdout} = await run(process.execPath, args, {env: {...process.env, SSTREAM_CEILING_DECODER: sstreamDecoder ? '1' : ''}, maxBuffer: 1024 * 1024})
  const rate = Number(stdout.trim().split('\n').pop())
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`the ceiling loop printed ${JSON.stringify(stdout)}`)
  return rate
}

/** The loop's script, for a caller that runs it under a profiler. */
export const CEILING_LOOP = LOOP

let kcatChecked = false

/** kcat (librdkafka's command-line client), installed from the Debian packages when missing. */
function ensureKcat(ctx: BenchContext): void {
  if (kcatChecked) return
  const found = spawnSync('kcat', ['-V'], {stdio: 'ignore'})
  if (found.error) {
    ctx.log('kcat is missing: apt-get install -y kcat')
    let install = spawnSync('apt-get', ['install', '-y', 'kcat'], {stdio: 'ignore'})
    if (install.status !== 0) {
      spawnSync('apt-get', ['update'], {stdio: 'ignore'})
      install = spawnSync('apt-get', ['install', '-y', 'kcat'], {stdio: 'ignore'})
    }
    if (install.status !== 0) throw new Error('The kcat ceiling needs kcat: `apt-get install -y kcat` failed (run it as root, or install kcat).')
  }
  kcatChecked = true
}

/**
 * Records per second of `kcat -C -e -o beginning -q` over `topic` into /dev/null (librdkafka reads
 * read_committed by default, like sstream): the fastest consume-and-discard a user gets from this broker on
 * this machine, a lower-level ceiling than kafkajs. Timed from the start of the process to its exit (it
 * exits at the end of every partition), so it includes kcat's connection and metadata round trips; `count`
 * is the number of records the topic holds.
 */
export async function kcatConsumeCeiling(ctx: BenchContext, topic: string, count: number): Promise<number> {
  ensureKcat(ctx)
  const started = performance.now()
  const child = spawn('kcat', ['-C', '-b', ctx.brokers.join(','), '-t', topic, '-e', '-o', 'beginning', '-q'], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
  const [code] = (await once(child, 'exit')) as [number | null]
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`kcat exited with ${code}: ${stderr}`)
  return count / seconds
}
