/**
 * Seeded alerts over 3 partitions (SPEC §3 quoted CSV, local-time timestamps), keyed by a counter (not by
 * code), with out-of-order and late event times, malformed CSV and unparseable timestamps; and the
 * independent batch recomputation of the critical and high-volume outputs.
 */
import {seeded, type SeedRecord} from './fixtures.js'

const LEVELS = ['CRITICAL', 'HIGH', 'ELEVATED']
const CODES = ['100', '200', '300', '400']

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** java.sql.Timestamp.toString() in local time, written independently of the engine's formatter. */
export function javaTimestamp(ms: number): string {
  const d = new Date(ms)
  const frac = String(d.getMilliseconds()).padStart(3, '0').replace(/0+$/, '') || '0'
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${frac}`
}

export interface AlertsOptions {
  count: number
  seed: number
  start: number
  partitions?: number
  stepMs?: number
  malformedEvery?: number
  badTimestampEvery?: number
}

export interface SeedAlert extends SeedRecord {
  /** Undefined for the malformed and bad-timestamp records. */
  alert?: {time: number; level: string; code: string; message: string}
  broken?: 'malformed-csv' | 'bad-timestamp'
}

export function seedAlerts(options: AlertsOptions): SeedAlert[] {
  const random = seeded(options.seed)
  const partitions = options.partitions ?? 3
  const clocks = Array.from({length: partitions}, () => options.start)
  let key = Math.floor(options.start / 1000)
  const out: SeedAlert[] = []
  for (let i = 0; i < options.count; i++) {
    const partition = Math.floor(random() * partitions)
    clocks[partition] += Math.floor(random() * 2 * (options.stepMs ?? 3000))
    const roll = random()
    const time = roll < 0.01 ? clocks[partition] - 30_000 : roll < 0.09 ? clocks[partition] - Math.floor(random() * 9000) : clocks[partition]
    const level = LEVELS[Math.floor(random() * 3)]
    const code = CODES[Math.floor(random() * 4)]
    key += 1
    const message = `This is a ${level} alert `
    const base = {partition, key: String(key), timestamp: options.start}
    if (options.malformedEvery && i % options.malformedEvery === options.malformedEvery - 1) {
      out.push({...base, value: `"${javaTimestamp(time)}","${level}","${code}`, broken: 'malformed-csv'})
    } else if (options.badTimestampEvery && i % options.badTimestampEvery === options.badTimestampEvery - 1) {
      out.push({...base, value: `"${new Date(time).toISOString()}","${level}","${code}","${message}"`, broken: 'bad-timestamp'})
    } else {
      out.push({...base, value: `"${javaTimestamp(time)}","${level}","${code}","${message}"`, alert: {time, level, code, message}})
    }
  }
  return out
}

export interface ExpectedAlerts {
  critical: Array<{key: string; value: string}>
  highVolume: Array<{key: string; value: string}>
  late: number
  malformed: number
  badTimestamp: number
}

export function expectedAlerts(records: SeedAlert[], {threshold = 2, windowMs = 10_000, latenessMs = 10_000} = {}): ExpectedAlerts {
  const max = new Map<number, number>()
  const counts = new Map<string, {start: number; code: string; count: number}>()
  const critical: ExpectedAlerts['critical'] = []
  let late = 0
  let malformed = 0
  let badTimestamp = 0
  for (const r of records) {
    if (!r.alert) {
      if (r.broken === 'bad-timestamp') badTimestamp += 1
      else malformed += 1
      continue
    }
    const {time, level, code, message} = r.alert
    if (level === 'CRITICAL') critical.push({key: r.key, value: `"${javaTimestamp(time)}","${code}","${message}"`})
    const start = Math.floor(time / windowMs) * windowMs
    const seen = max.get(r.partition) ?? Number.NEGATIVE_INFINITY
    if (start + windowMs <= seen - latenessMs) late += 1
    else {
      const id = `${start}|${code}`
      const c = counts.get(id) ?? {start, code, count: 0}
      c.count += 1
      counts.set(id, c)
    }
    max.set(r.partition, Math.max(seen, time))
  }
  const highVolume = [...counts.values()]
    .filter((c) => c.count > threshold)
    .map((c) => ({key: c.code, value: `"${javaTimestamp(c.start)}","${c.code}","${c.count}"`}))
  const sort = (list: Array<{key: string; value: string}>) => list.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.key.localeCompare(b.key)))
  return {critical: sort(critical), highVolume: sort(highVolume), late, malformed, badTimestamp}
}

export const keyValues = (records: Array<{key: string | null; value: string}>): Array<{key: string; value: string}> =>
  records.map((r) => ({key: r.key ?? '', value: r.value})).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.key.localeCompare(b.key)))
