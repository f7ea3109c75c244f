/**
 * Where a pipeline's CPU time goes, beside the kafkajs ceiling's:
 * `npx tsx bench/engine-profile.ts analytics|alerts|views|leaderboard|predictions [COUNT]` preloads COUNT
 * records (default 1 M; predictions, with the trained model in-process: 100 k reviews) into a
 * fresh 3-partition topic (with end markers, bench/fixtures.ts), runs the pipeline over it until idle in a
 * process of its own under `node --cpu-prof` — in-process, with no output, as `npm run bench -- pipelines`
 * measures it (`--cli` runs `sstream run <pipeline> --json` instead, its NDJSON output included; `--dist` runs
 * the built code in bench/processor-child.mjs, exactly as the benchmark does, without tsx's start-up) — then the
 * kafkajs consume-and-discard loop over the same topic under `node --cpu-prof`, and prints both profiles'
 * self time by category and the processor's top functions, as markdown (the breakdown in
 * docs/benchmarks.md). Everything it creates is removed.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readConfig} from '../src/core/config/index.js'
import {runGenerator} from '../src/core/generators/index.js'
import {runAlerts} from '../src/core/pipelines/alerts.js'
import {runAnalytics} from '../src/core/pipelines/analytics.js'
import {runLeaderboard} from '../src/core/pipelines/leaderboard.js'
import {runPredictions} from '../src/core/pipelines/predictions.js'
import {runViews} from '../src/core/pipelines/views.js'
import {connectRedis, createRedis, offsetsKeyFor} from '../src/core/redis/index.js'
import {CEILING_LOOP} from './ceiling.js'
import {summariseProfile, type ProfileSummary} from './cpu-profile.js'
import {appendEndMarkers, endMarkerValue, freshDatabase, freshTopics, uniqueId} from './fixtures.js'

const BIN = new URL('../bin/run.js', import.meta.url).pathname
const PROCESSOR_CHILD = new URL('./processor-child.mjs', import.meta.url).pathname
const SELF = new URL(import.meta.url).pathname
const config = readConfig()
const ctx = {brokers: config.kafkaBrokers, mariadbUrl: config.mariadbUrl, redisUrl: config.redisUrl, scale: 1, log: (m: string) => process.stderr.write(`${m}\n`)}

async function profiled(args: string[], env: Record<string, string> = {}): Promise<{profile: ProfileSummary; wallMs: number; stdout: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'sstream-prof-'))
  const started = performance.now()
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...args], {stdio: ['ignore', 'pipe', 'inherit'], env: {...process.env, ...env}})
  let stdout = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  const [code] = (await once(child, 'close')) as [number | null]
  const wallMs = performance.now() - started
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}: ${stdout.slice(-2000)}`)
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error('no CPU profile written')
  const profile = summariseProfile(join(dir, file))
  // SSTREAM_PROFILE_KEEP=1 keeps the .cpuprofile files (for Chrome DevTools or a closer look) and says where.
  if (process.env.SSTREAM_PROFILE_KEEP === '1') ctx.log(`profile kept: ${join(dir, file)}`)
  else rmSync(dir, {recursive: true, force: true})
  return {profile, wallMs, stdout}
}

const pct = (ms: number, total: number): string => `${((ms / total) * 100).toFixed(0)} %`

function report(pipeline: string, count: number, processor: ProfileSummary, ceiling: ProfileSummary, cli: boolean): string {
  const perM = (ms: number): string => `${Math.round((ms * 1_000_000) / count).toLocaleString('en-US')} ms`
  const categories = [...new Set([...processor.categories.map((c) => c.category), ...ceiling.categories.map((c) => c.category)])]
  const lines = [
    `CPU self time of ${cli ? `\`sstream run ${pipeline} --json\`` : `run ${pipeline} in-process with no output`} over ${count.toLocaleString('en-US')} preloaded records (a process of its own, \`node --cpu-prof\`, idle excluded) beside the kafkajs consume-and-discard loop over the same topic; CPU time per million records:`,
    '',
    `| where | run ${pipeline} | share | kafkajs ceiling | share |`,
    '|---|---|---|---|---|',
    ...categories.map((category) => {
      const a = processor.categories.find((c) => c.category === category)?.ms ?? 0
      const b = ceiling.categories.find((c) => c.category === category)?.ms ?? 0
      return `| ${category} | ${perM(a)} | ${pct(a, processor.busyMs)} | ${perM(b)} | ${pct(b, ceiling.busyMs)} |`
    }),
    `| **total (busy)** | **${perM(processor.busyMs)}** | | **${perM(ceiling.busyMs)}** | |`,
    '',
    `Top functions of \`run ${pipeline}\` by self time:`,
    '',
    '| function | where | share |',
    '|---|---|---|',
    ...processor.functions.slice(0, 15).map((f) => `| ${f.name} | ${f.where || f.category} | ${pct(f.ms, processor.busyMs)} |`),
    '',
  ]
  return lines.join('\n')
}

async function main(): Promise<void> {
  const [mode, a1] = process.argv.slice(2)
  if (mode === 'pipeline') {
    // The child of the pipeline's profile: run it in-process until idle, with no output.
    const o = JSON.parse(a1) as {pipeline: string; group: string; input: string; dlq: string; out1: string; out2: string; key: string; mariadbUrl: string}
    const common = {brokers: ctx.brokers, groupId: o.group, inputTopic: o.input, deadLetterTopic: o.dlq, untilIdle: true, idleTimeoutMs: 1000}
    if (o.pipeline === 'analytics') await runAnalytics({...common, mariadbUrl: o.mariadbUrl, table: 'order_summary'})
    else if (o.pipeline === 'alerts') await runAlerts({...common, criticalTopic: o.out1, highVolumeTopic: o.out2})
    else if (o.pipeline === 'leaderboard') await runLeaderboard({...common, redisUrl: ctx.redisUrl, key: o.key, boardIntervalMs: 60_000})
    else if (o.pipeline === 'predictions') await runPredictions({...common, outputTopic: o.out1, local: true, sentimentUrl: 'http://127.0.0.1:1'})
    else await runViews({...common, mariadbUrl: o.mariadbUrl, redisUrl: ctx.redisUrl, key: o.key, boardIntervalMs: 60_000})
    process.exit(0)
  }
  const pipeline = mode as 'analytics' | 'alerts' | 'views' | 'leaderboard' | 'predictions'
  if (!['analytics', 'alerts', 'views', 'leaderboard', 'predictions'].includes(pipeline)) {
    process.stderr.write('npx tsx bench/engine-profile.ts analytics|alerts|views|leaderboard|predictions [COUNT] [--cli|--dist]\n')
    process.exit(2)
  }
  const cli = process.argv.includes('--cli')
  const dist = process.argv.includes('--dist')
  const count = Number(a1 && !a1.startsWith('--') ? a1 : pipeline === 'predictions' ? 100_000 : 1_000_000)
  const id = uniqueId()
  const generator = ({analytics: 'orders', alerts: 'alerts', views: 'views', leaderboard: 'scores', predictions: 'reviews'} as const)[pipeline]
  // Windowed pipelines get end markers (and a repartition topic); the per-record ones need neither.
  const windowed = generator === 'orders' || generator === 'alerts' || generator === 'views'
  const [input, dlq, group, out1, out2, key] = [`prof-${generator}-${id}`, `prof-dlq-${id}`, `prof-${pipeline}-${id}`, `prof-out-${id}`, `prof-high-${id}`, `prof-board-${id}`]
  const db = pipeline === 'analytics' || pipeline === 'views' ? await freshDatabase('prof') : undefined
  const outputs = pipeline === 'alerts' ? [out1, out2] : pipeline === 'predictions' ? [out1] : []
  const topics = await freshTopics(ctx, [input, dlq, ...outputs].map((topic) => ({topic, partitions: 3})))
  const redis = createRedis(ctx.redisUrl)
  await connectRedis(redis, ctx.redisUrl)
  try {
    let last = 0
    await runGenerator({generator, brokers: ctx.brokers, topic: input, rate: 'max', count, seed: 11, startTime: Date.now() - 3600_000, timeStepMs: 1, onRecords: (rs) => rs.forEach((r) => (last = Math.max(last, r.timestamp)))})
    if (windowed) await appendEndMarkers(ctx, input, last + 60_000, endMarkerValue(generator, last + 60_000))
    ctx.log(`preloaded ${count} ${generator}; profiling run ${pipeline}`)
    const args = ['--json', '--until-idle', '--idle-timeout', '1s', '--group-id', group, '--input-topic', input, '--deadletter-topic', dlq]
    if (pipeline === 'alerts') args.push('--critical-topic', out1, '--highvolume-topic', out2)
    if (pipeline === 'views') args.push('--topics-key', key, '--board-interval', '60s')
    if (pipeline === 'leaderboard') args.push('--key', key, '--board-interval', '60s')
    if (pipeline === 'predictions') args.push('--output-topic', out1, '--local')
    const env = {SSTREAM_KAFKA_BROKERS: ctx.brokers.join(','), SSTREAM_MARIADB_URL: db?.url ?? ctx.mariadbUrl, SSTREAM_REDIS_URL: ctx.redisUrl}
    const options = {pipeline, group, input, dlq, out1, out2, key, mariadbUrl: db?.url ?? ctx.mariadbUrl}
    const common = {brokers: ctx.brokers, groupId: group, inputTopic: input, deadLetterTopic: dlq, untilIdle: true, idleTimeoutMs: 1000}
    const childOptions =
      pipeline === 'analytics'
        ? {...common, mariadbUrl: options.mariadbUrl, table: 'order_summary'}
        : pipeline === 'alerts'
          ? {...common, criticalTopic: out1, highVolumeTopic: out2}
          : pipeline === 'leaderboard'
            ? {...common, redisUrl: ctx.redisUrl, key, boardIntervalMs: 60_000}
            : pipeline === 'predictions'
              ? {...common, outputTopic: out1, local: true, sentimentUrl: 'http://127.0.0.1:1'}
              : {...common, mariadbUrl: options.mariadbUrl, redisUrl: ctx.redisUrl, key, boardIntervalMs: 60_000}
    const processor = cli
      ? await profiled([BIN, 'run', pipeline, ...args], env)
      : dist
        ? await profiled([PROCESSOR_CHILD, pipeline, JSON.stringify(childOptions)])
        : await profiled(['--import', 'tsx', SELF, 'pipeline', JSON.stringify(options)])
    ctx.log(`run ${pipeline}${cli ? ' (CLI, --json)' : dist ? ' (built, as the benchmark runs it)' : ' (in-process)'}: ${Math.round(processor.wallMs)} ms wall with start-up and the 1 s idle wait; ${Math.round(processor.profile.busyMs)} ms busy CPU`)
    const ceiling = await profiled([CEILING_LOOP, ctx.brokers.join(','), input, String(count)])
    ctx.log(`ceiling: ${ceiling.stdout.trim()} records/s; ${Math.round(ceiling.profile.busyMs)} ms busy CPU`)
    process.stdout.write(`${report(pipeline, count, processor.profile, ceiling.profile, cli)}\n`)
  } finally {
    await redis.del(key, offsetsKeyFor(key)).catch(() => undefined)
    redis.disconnect()
    await topics.cleanup({topics: windowed ? [`${group}-${pipeline}-repartition`] : [], groups: [group]})
    await db?.drop()
  }
  process.exit(0)
}

await main()
