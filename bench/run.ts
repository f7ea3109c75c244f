/**
 * `npm run bench [-- NAME ...] [--runs N] [--quick]`: runs the benchmarks on the local stack, prints a
 * table, writes bench/results/<date>.json and latest.json (each merged across partial runs), regenerates the
 * figures in docs/benchmarks.md and the throughput plot docs/benchmarks-throughput.svg.
 */
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'

import {readConfig} from '../src/core/config/index.js'
import {renderTable} from '../src/core/output/index.js'
import {BENCHMARKS} from './index.js'
import {describeMachine, median, type BenchContext, type Machine, type Measurement} from './lib.js'
import {renderPlot} from './plot.js'

interface Figure {
  id: string
  benchmark: string
  label: string
  unit: string
  runs: number
  median: number
  min: number
  max: number
  ceiling?: {median: number; min: number; max: number}
  /** Median over runs of value / ceiling, each ratio from one run. */
  ratio?: number
  kcatCeiling?: {median: number; min: number; max: number}
  /** Median over runs of value / kcat ceiling. */
  kcatRatio?: number
  target?: Measurement['target']
  met?: boolean
  ratioTarget?: number
  ratioMet?: boolean
  details?: Record<string, number | string>
  pivot?: Measurement['pivot']
}

/** How one benchmark's runs went: their time, and how busy the machine was when they started. */
interface Section {
  runs: number
  seconds: number
  /** The 1-minute load average when the benchmark started (2 cores: above 2, something else was running). */
  loadAverage: number
  /** The command that measured this section (a partial run re-measures only some). */
  command?: string
  date: string
}

interface Results {
  date: string
  command: string
  machine: Machine
  figures: Figure[]
  sections?: Record<string, Section>
  /** Wall time of this invocation's benchmarks (s). */
  seconds?: number
}

const RESULTS_DIR = new URL('./results/', import.meta.url)
const DOC = new URL('../docs/benchmarks.md', import.meta.url)
const PLOT = new URL('../docs/benchmarks-throughput.svg', import.meta.url)

function readResults(file: URL): Results | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : undefined
}

/** `previous` with the benchmarks that ran (`ran`) replaced by `results`'s; a partial run keeps the whole run's command and time. */
function mergeResults(previous: Results | undefined, results: Results, ran: Set<string>, partial: boolean): Results {
  return {
    ...results,
    // The sections say what re-measured which benchmark.
    command: previous && partial ? previous.command : results.command,
    figures: [...(previous?.figures ?? []).filter((f) => !ran.has(f.benchmark)), ...results.figures].sort(
      (a, b) => BENCHMARKS.findIndex((x) => x.name === a.benchmark) - BENCHMARKS.findIndex((x) => x.name === b.benchmark),
    ),
    sections: {...Object.fromEntries(Object.entries(previous?.sections ?? {}).filter(([name]) => !ran.has(name))), ...results.sections},
    ...(previous && partial ? {seconds: previous.seconds} : {}),
  }
}

function parseArgs(argv: string[]): {names: string[]; runs: number; scale: number} {
  const names: string[] = []
  let runs = 3
  let scale = 1
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--runs') runs = Number(argv[++i])
    else if (arg === '--quick') scale = 0.1
    else if (arg === '--scale') scale = Number(argv[++i])
    else if (arg === '--help') {
      process.stdout.write(`npm run bench [-- NAME ...] [--runs N] [--quick]\n\nBenchmarks:\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.description}`).join('\n')}\n`)
      process.exit(0)
    } else names.push(arg)
  }
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n))
  if (unknown.length > 0) {
    process.stderr.write(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`)
    process.exit(2)
  }
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write('--runs takes a whole number ≥ 1\n')
    process.exit(2)
  }
  return {names, runs, scale}
}

function aggregate(benchmark: string, perRun: Measurement[][]): Figure[] {
  const byId = new Map<string, Measurement[]>()
  for (const run of perRun) for (const m of run) byId.set(m.id, [...(byId.get(m.id) ?? []), m])
  return [...byId.entries()].map(([id, ms]) => {
    const values = ms.map((m) => m.value)
    const ceilings = ms.map((m) => m.ceiling).filter((c): c is number => c !== undefined)
    const ratios = ms.filter((m) => m.ceiling).map((m) => m.value / (m.ceiling as number))
    const last = ms[ms.length - 1]
    const med = median(values)
    const figure: Figure = {id, benchmark, label: last.label, unit: last.unit, runs: ms.length, median: med, min: Math.min(...values), max: Math.max(...values)}
    if (ceilings.length > 0) figure.ceiling = {median: median(ceilings), min: Math.min(...ceilings), max: Math.max(...ceilings)}
    if (ratios.length > 0) figure.ratio = median(ratios)
    const kcats = ms.map((m) => m.kcatCeiling).filter((c): c is number => c !== undefined)
    if (kcats.length > 0) {
      figure.kcatCeiling = {median: median(kcats), min: Math.min(...kcats), max: Math.max(...kcats)}
      figure.kcatRatio = median(ms.filter((m) => m.kcatCeiling).map((m) => m.value / (m.kcatCeiling as number)))
    }
    if (last.target) {
      figure.target = last.target
      figure.met = last.target.op === '>=' ? med >= last.target.value : med <= last.target.value
    }
    if (last.ratioTarget !== undefined && figure.ratio !== undefined) {
      figure.ratioTarget = last.ratioTarget
      figure.ratioMet = figure.ratio >= last.ratioTarget
    }
    if (last.details) figure.details = last.details
    if (last.pivot) figure.pivot = last.pivot
    return figure
  })
}

function fmt(value: number, unit: string): string {
  if (unit === 'records/s' || unit === 'req/s') return `${Math.round(value).toLocaleString('en-US')}`
  if (unit === 'ms') return Math.round(value).toLocaleString('en-US')
  if (unit === 'MiB') return value.toFixed(0)
  if (unit === 'CPU s per million records') return value.toFixed(2)
  return String(Math.round(value * 100) / 100)
}

const TABLE_HEAD = ['what', 'median', 'min – max', 'kafkajs ceiling', 'ratio', 'kcat ceiling', 'ratio', 'target']

function figureRows(figures: Figure[]): string[][] {
  return figures.map((f) => [
    f.label,
    `${fmt(f.median, f.unit)} ${f.unit}`,
    `${fmt(f.min, f.unit)} – ${fmt(f.max, f.unit)}`,
    f.ceiling ? `${fmt(f.ceiling.median, f.unit)}` : '',
    f.ratio !== undefined ? f.ratio.toFixed(2) : '',
    f.kcatCeiling ? `${fmt(f.kcatCeiling.median, f.unit)}` : '',
    f.kcatRatio !== undefined ? f.kcatRatio.toFixed(2) : '',
    [
      f.target ? `${f.target.op} ${fmt(f.target.value, f.unit)}${f.met ? ' ✓' : ' ✗ not met'}` : '',
      f.ratioTarget !== undefined ? `ratio >= ${f.ratioTarget}${f.ratioMet ? ' ✓' : ' ✗ not met'}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  ])
}

/** Figures with a pivot as tables of their own: a row per `row`, a column per `column`, each cell "median (min – max)". */
function pivotTables(figures: Figure[]): string[] {
  const tables = new Map<string, Figure[]>()
  for (const f of figures) tables.set(f.pivot!.table, [...(tables.get(f.pivot!.table) ?? []), f])
  const lines: string[] = []
  for (const [title, cells] of tables) {
    const columns = [...new Set(cells.map((f) => f.pivot!.column))]
    const rows = [...new Set(cells.map((f) => f.pivot!.row))]
    const cell = (row: string, column: string): string => {
      const f = cells.find((c) => c.pivot!.row === row && c.pivot!.column === column)
      return f ? `${fmt(f.median, f.unit)} (${fmt(f.min, f.unit)} – ${fmt(f.max, f.unit)})` : ''
    }
    lines.push(`${title}, median (min – max) of ${Math.max(...cells.map((f) => f.runs))} runs:`, '', markdownTable(['', ...columns], rows.map((row) => [row, ...columns.map((c) => cell(row, c))])), '')
  }
  return lines
}

function markdownTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

function renderDocBlock(results: Results): string {
  const m = results.machine
  const lines = [
    `Measured on ${results.date.slice(0, 10)} with \`${results.command}\` on: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, ${m.os}, Node.js ${m.node}, Apache Kafka ${m.kafka} (the local single-node KRaft broker of \`sstream stack up\`, on the same machine), MariaDB and Redis local.`,
    '',
    'Each figure is the median of the runs, with the smallest and largest; a ratio is the median of the per-run ratios to the ceiling measured in the same run (the kafkajs consume-and-discard loop, and kcat consuming into /dev/null).',
    '',
    ...(results.seconds !== undefined ? [`The benchmarks took ${(results.seconds / 60).toFixed(1)} min in all (without the build).`, ''] : []),
  ]
  const groups = new Map<string, Figure[]>()
  for (const f of results.figures) groups.set(f.benchmark, [...(groups.get(f.benchmark) ?? []), f])
  for (const [benchmark, figures] of groups) {
    lines.push(`### ${benchmark}`, '')
    const section = results.sections?.[benchmark]
    if (section) {
      const by = section.command && section.command !== results.command ? ` with \`${section.command}\`` : ''
      lines.push(`_${section.runs} run${section.runs === 1 ? '' : 's'} in ${Math.round(section.seconds)} s on ${section.date.slice(0, 10)}${by}; 1-minute load average at the start ${section.loadAverage.toFixed(2)}._`, '')
    }
    const plain = figures.filter((f) => !f.pivot)
    if (plain.length > 0) lines.push(markdownTable(TABLE_HEAD, figureRows(plain)), '')
    lines.push(...pivotTables(figures.filter((f) => f.pivot)))
    const details = figures.filter((f) => f.details && Object.keys(f.details).length > 0)
    for (const f of details) lines.push(`- ${f.pivot?.row ?? f.label}: ${Object.entries(f.details ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    if (details.length > 0) lines.push('')
  }
  lines.push('![Throughput per pipeline beside its ceiling](benchmarks-throughput.svg)', '')
  return lines.join('\n')
}

function writeDoc(results: Results): void {
  const begin = '<!-- bench:begin (generated by `npm run bench`; edit outside these markers) -->'
  const end = '<!-- bench:end -->'
  const block = `${begin}\n${renderDocBlock(results)}\n${end}`
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`
  const from = doc.indexOf(begin)
  const to = doc.indexOf(end)
  doc = from >= 0 && to > from ? doc.slice(0, from) + block + doc.slice(to + end.length) : `${doc.trimEnd()}\n\n${block}\n`
  writeFileSync(DOC, doc)
}

async function main(): Promise<void> {
  const {names, runs, scale} = parseArgs(process.argv.slice(2))
  const config = readConfig()
  const ctx: BenchContext = {
    brokers: config.kafkaBrokers,
    mariadbUrl: config.mariadbUrl,
    redisUrl: config.redisUrl,
    scale,
    log: (message) => process.stderr.write(`  ${message}\n`),
  }
  const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  const figures: Figure[] = []
  const sections: Record<string, Section> = {}
  const started = performance.now()
  for (const benchmark of selected) {
    const perRun: Measurement[][] = []
    const section = {runs, seconds: 0, loadAverage: loadavg()[0], date: new Date().toISOString(), command}
    const t0 = performance.now()
    for (let run = 1; run <= runs; run++) {
      process.stderr.write(`${benchmark.name}: run ${run}/${runs} (load average ${loadavg()[0].toFixed(2)})\n`)
      perRun.push(await benchmark.run(ctx))
    }
    section.seconds = (performance.now() - t0) / 1000
    sections[benchmark.name] = section
    process.stderr.write(`${benchmark.name}: ${runs} run${runs === 1 ? '' : 's'} in ${Math.round(section.seconds)} s\n`)
    figures.push(...aggregate(benchmark.name, perRun))
  }
  const seconds = (performance.now() - started) / 1000
  const results: Results = {date: new Date().toISOString(), command, machine: describeMachine(), figures, sections, seconds}
  mkdirSync(RESULTS_DIR, {recursive: true})
  const ran = new Set(selected.map((b) => b.name))
  // The day's file and latest.json keep the newest figure of every benchmark, so that a partial run does not
  // drop the others.
  const dayFile = new URL(`${results.date.slice(0, 10)}.json`, RESULTS_DIR)
  writeFileSync(dayFile, `${JSON.stringify(mergeResults(readResults(dayFile), results, ran, names.length > 0), null, 2)}\n`)
  const latestFile = new URL('latest.json', RESULTS_DIR)
  const merged = mergeResults(readResults(latestFile), results, ran, names.length > 0)
  writeFileSync(latestFile, `${JSON.stringify(merged, null, 2)}\n`)
  writeDoc(merged)
  writeFileSync(PLOT, renderPlot(merged.figures))
  process.stdout.write(`${renderTable(TABLE_HEAD, figureRows(figures))}\n`)
  process.stdout.write(`${selected.length} benchmark${selected.length === 1 ? '' : 's'} in ${Math.round(seconds)} s\n`)
  process.stdout.write(`Results: bench/results/${results.date.slice(0, 10)}.json, docs/benchmarks.md, docs/benchmarks-throughput.svg\n`)
  process.exit(0)
}

await main()
