/**
 * The benchmark harness's contracts. A benchmark measures one thing on the local stack and returns figures;
 * the runner repeats it, takes the median with min and max, and writes the results and docs/benchmarks.md.
 * Speed is measured here only, never asserted in tests.
 */
import {execFileSync} from 'node:child_process'
import {cpus, totalmem} from 'node:os'
import {readFileSync} from 'node:fs'

export interface BenchContext {
  brokers: string[]
  mariadbUrl: string
  redisUrl: string
  /** Scale factor: 1 for the documented sizes, smaller for a quick run (`--quick`). */
  scale: number
  log(message: string): void
}

/** One measured quantity of one run, e.g. the records/s of `run analytics`, and optionally its ceiling from the same run. */
export interface Measurement {
  /** Stable id, e.g. "pipeline.analytics.throughput". */
  id: string
  /** Human label, e.g. "run analytics (1 M orders)". */
  label: string
  unit: string
  value: number
  /** The raw ceiling measured in the same run (e.g. a kafkajs consume-and-discard loop), same unit. */
  ceiling?: number
  /** A second, lower-level ceiling from the same run: kcat (librdkafka) consuming the same topic into /dev/null. */
  kcatCeiling?: number
  /** The target from the issues, e.g. {op: '>=', value: 150000}. */
  target?: {op: '>=' | '<='; value: number}
  /** A target on the ratio to the ceiling, e.g. 0.8 (at least). */
  ratioTarget?: number
  /** Free-form details: records, partitions, processes, p50/p95/p99, RSS... */
  details?: Record<string, number | string>
  /** Shown in a table of its own, one row per `row` and one column per `column` (e.g. latency p50, p95, p99). */
  pivot?: {table: string; row: string; column: string}
}

export interface Benchmark {
  name: string
  description: string
  /** One run; the runner calls it `runs` times. */
  run(ctx: BenchContext): Promise<Measurement[]>
}

export interface Machine {
  cores: number
  cpu: string
  memoryGiB: number
  node: string
  kafka: string
  os: string
}

export function describeMachine(): Machine {
  const pom = readFileSync(new URL('../resources/kafka/pom.xml', import.meta.url), 'utf8')
  let os: string = process.platform
  try {
    os = execFileSync('uname', ['-sr']).toString().trim()
  } catch {
    // keep the platform name
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kafka: /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown',
    os,
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]
}
