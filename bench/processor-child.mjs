/**
 * One processor in a process of its own, the code `sstream run <pipeline>` runs, without the CLI's output:
 * `node --import bench/memory-probe.mjs bench/processor-child.mjs PIPELINE OPTIONS_JSON`, from the built
 * code (dist/, `npm run bench` builds first). Prints one JSON line per engine event of interest — `assigned`
 * with the time and the process's CPU time so far, `first-result` likewise at the first result reported
 * (its transaction committed) — and, once stopped by SIGTERM, a `summary` line. The
 * benchmark decides when the sinks hold every record, reads the CPU time from /proc at that moment and
 * stops the process; the memory probe reports its peak RSS.
 */
const [pipeline, optionsJson] = process.argv.slice(2)
const RUNNERS = {
  analytics: ['../dist/core/pipelines/analytics.js', 'runAnalytics'],
  alerts: ['../dist/core/pipelines/alerts.js', 'runAlerts'],
  views: ['../dist/core/pipelines/views.js', 'runViews'],
  leaderboard: ['../dist/core/pipelines/leaderboard.js', 'runLeaderboard'],
  predictions: ['../dist/core/pipelines/predictions.js', 'runPredictions'],
}
if (!RUNNERS[pipeline] || !optionsJson) {
  process.stderr.write(`node bench/processor-child.mjs ${Object.keys(RUNNERS).join('|')} OPTIONS_JSON\n`)
  process.exit(2)
}
const cpuMs = () => {
  const {user, system} = process.cpuUsage()
  return (user + system) / 1000
}
const line = (event) => process.stdout.write(`${JSON.stringify(event)}\n`)
const [file, name] = RUNNERS[pipeline]
const run = (await import(new URL(file, import.meta.url).href))[name]
const stop = new AbortController()
process.on('SIGTERM', () => stop.abort())
let assigned = false
let firstResult = false
const startupCpuMs = cpuMs()
try {
  const summary = await run({
    ...JSON.parse(optionsJson),
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type === 'assigned' && !assigned) {
        assigned = true
        line({type: 'assigned', at: Date.now(), cpuMs: cpuMs(), startupCpuMs})
      } else if (event.type === 'result' && !firstResult) {
        firstResult = true
        line({type: 'first-result', at: Date.now(), cpuMs: cpuMs()})
      }
    },
  })
  line({type: 'summary', recordsIn: summary.recordsIn, outputs: summary.outputs ?? {}, stoppedBy: summary.stoppedBy, cpuMs: cpuMs()})
} catch (error) {
  line({type: 'error', message: error instanceof Error ? error.message : String(error)})
  process.exitCode = 1
}
// Whatever a driver left open, the process is done.
process.exit()
