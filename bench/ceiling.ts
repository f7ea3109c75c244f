/**
 * The raw ceiling of a pipeline benchmark: stock kafkajs reading the whole topic and discarding it, in the
 * same run, in a process of its own (bench/ceiling-loop.mjs: sstream changes how kafkajs decodes fetched
 * records when src/core/kafka loads, and the ceiling is kafkajs as it comes). Timed like the pipelines, from
 * the partitions' assignment (the group join) to the last record read.
 */
import {execFile} from 'node:child_process'
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
