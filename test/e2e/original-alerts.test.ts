/**
 * `sstream run alerts --output-format spark|kstreams` on real topics, through the built CLI: the records
 * read back are byte for byte what the original Spark and Kafka Streams jobs write for the same alerts
 * (recomputed here independently), and `watch alerts` and `tail` read them. The CLI runs in the time zone
 * of the reference examples (UTC+2 in June), so the Spark job's example value comes out exactly.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {lastJson, runCli} from '../helpers/cli.js'
import {TestServices} from '../helpers/services.js'
import {createTopics, produce, readCommitted, seeded, type SeedRecord} from '../integration/stream/fixtures.js'

const services = new TestServices()
afterAll(() => services.cleanup())

/** The reference examples' zone; in June it is UTC+2. */
const ZONE = {TZ: 'Europe/Berlin'}
const OFFSET_MS = 2 * 3600_000

/** 2021-06-30 12:11:15.123 in that zone: the time of the reference example. */
const BASE = Date.UTC(2021, 5, 30, 10, 11, 15, 123)

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** Java's Timestamp.toString() in UTC+2, written here from the epoch value alone. */
function zoneText(ms: number): string {
  const d = new Date(ms + OFFSET_MS)
  const fraction = pad(d.getUTCMilliseconds(), 3).replace(/0+$/, '') || '0'
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${fraction}`
}

interface Alert {
  key: string
  time: number
  level: string
  code: string
}

/** 80 alerts 700 ms apart on one partition (in order: none late); the first is the reference example. */
function makeAlerts(): Alert[] {
  const random = seeded(17)
  const levels = ['CRITICAL', 'HIGH', 'ELEVATED']
  const codes = ['100', '200', '300', '400']
  return Array.from({length: 80}, (_, i) => ({
    key: String(1625047876 + i),
    time: BASE + i * 700,
    level: i === 0 ? 'CRITICAL' : levels[Math.floor(random() * 3)],
    code: i === 0 ? '300' : codes[Math.floor(random() * 4)],
  }))
}

const message = (level: string) => `This is a ${level} alert `

/** The high-volume windows of a batch recomputation: 10 s tumbling windows by code, more than 2 alerts. */
function windows(alerts: Alert[]): Array<{start: number; code: string; count: number}> {
  const counts = new Map<string, {start: number; code: string; count: number}>()
  for (const a of alerts) {
    const start = Math.floor(a.time / 10_000) * 10_000
    const entry = counts.get(`${start}|${a.code}`) ?? {start, code: a.code, count: 0}
    entry.count += 1
    counts.set(`${start}|${a.code}`, entry)
  }
  return [...counts.values()].filter((w) => w.count > 2)
}

const sorted = (records: Array<{key: string | null; value: string}>) =>
  records.map((r) => ({key: r.key, value: r.value})).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : String(a.key).localeCompare(String(b.key))))

async function runAlertsCli(format: 'spark' | 'kstreams', input: string) {
  const groupId = services.groupId(`alerts-${format}`)
  const [critical, high, dlq] = await createTopics(services, [`${format}-critical`, `${format}-high`, `${format}-dlq`], {groups: [groupId]})
  const run = await runCli(
    [
      'run', 'alerts', '--output-format', format, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', high,
      '--deadletter-topic', dlq, '--group-id', groupId, '--until-idle', '--idle-timeout', '2s', '--json',
    ],
    {env: ZONE},
  )
  expect(run.code, run.stderr).toBe(0)
  return {critical, high, dlq, summary: lastJson<{outputs: Record<string, number>; deadLettered: number}>(run.stdout)}
}

interface WatchAlertsJson {
  critical: number
  highVolume: number
  alerts: Array<{kind: string; ts: string; code: string; message?: string; count?: number; key?: string; format?: string}>
}

describe('run alerts in the original jobs’ output formats', () => {
  const alerts = makeAlerts()
  const criticals = alerts.filter((a) => a.level === 'CRITICAL')
  const expectedWindows = windows(alerts)
  let input = ''

  it('has input with CRITICAL alerts and high-volume windows', async () => {
    expect(criticals.length).toBeGreaterThan(10)
    expect(expectedWindows.length).toBeGreaterThan(3)
    ;[input] = await createTopics(services, ['alerts-original'], {partitions: 1})
    const records: SeedRecord[] = alerts.map((a) => ({partition: 0, key: a.key, timestamp: a.time, value: `"${zoneText(a.time)}","${a.level}","${a.code}","${message(a.level)}"`}))
    expect(records[0].value).toBe('"2021-06-30 12:11:15.123","CRITICAL","300","This is a CRITICAL alert "')
    await produce(input, records)
  })

  it('spark: null keys, epoch-microsecond times, nothing quoted, on both topics; watch alerts and tail read them', async () => {
    const {critical, high, summary} = await runAlertsCli('spark', input)
    expect(summary.outputs).toEqual({[critical]: criticals.length, [high]: expectedWindows.length})
    expect(summary.deadLettered).toBe(0)

    const criticalRecords = await readCommitted(critical)
    // The reference example of the Spark job, byte for byte.
    expect(criticalRecords.map((r) => r.value)).toContain('1625047875123000,300,This is a CRITICAL alert ')
    expect(sorted(criticalRecords)).toEqual(sorted(criticals.map((a) => ({key: null, value: `${a.time}000,${a.code},${message(a.level)}`}))))
    expect(sorted(await readCommitted(high))).toEqual(sorted(expectedWindows.map((w) => ({key: null, value: `${w.start}000,${w.code},${w.count}`}))))

    const watch = await runCli(['watch', 'alerts', '--once', '--json', '--critical-topic', critical, '--high-volume-topic', high], {env: ZONE})
    expect(watch.code, watch.stderr).toBe(0)
    const seen = lastJson<WatchAlertsJson>(watch.stdout)
    expect({critical: seen.critical, highVolume: seen.highVolume}).toEqual({critical: criticals.length, highVolume: expectedWindows.length})
    expect(new Set(seen.alerts.map((a) => a.format))).toEqual(new Set(['spark']))
    expect(seen.alerts.filter((a) => a.kind === 'critical').map((a) => `${a.ts} ${a.code}`).sort()).toEqual(criticals.map((a) => `${zoneText(a.time)} ${a.code}`).sort())
    expect(seen.alerts.filter((a) => a.kind === 'high-volume').map((a) => `${a.ts} ${a.code} ${a.count}`).sort()).toEqual(
      expectedWindows.map((w) => `${zoneText(w.start)} ${w.code} ${w.count}`).sort(),
    )

    const tail = await runCli(['tail', high, '--from-beginning', '--exit-at-end', '--json', '--alerts', 'high-volume'], {env: ZONE})
    expect(tail.code, tail.stderr).toBe(0)
    const lines = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as {type: string; key?: string | null; alert?: {format: string; time: string; code: string; count: number}})
    const records = lines.filter((l) => l.type === 'record')
    expect(records).toHaveLength(expectedWindows.length)
    expect(records.every((r) => r.key === null && r.alert?.format === 'spark')).toBe(true)
    expect(records.map((r) => `${r.alert?.time} ${r.alert?.code} ${r.alert?.count}`).sort()).toEqual(
      expectedWindows.map((w) => `${new Date(w.start).toISOString()} ${w.code} ${w.count}`).sort(),
    )
  })

  it('kstreams: critical as the Kafka Streams job writes it, high volume keyed by the window with an ISO start; watch alerts reads them', async () => {
    const {critical, high, summary} = await runAlertsCli('kstreams', input)
    expect(summary.outputs).toEqual({[critical]: criticals.length, [high]: expectedWindows.length})

    expect(sorted(await readCommitted(critical))).toEqual(sorted(criticals.map((a) => ({key: a.key, value: `"${zoneText(a.time)}","${a.code}","${message(a.level)}"`}))))
    const highRecords = await readCommitted(high)
    expect(sorted(highRecords)).toEqual(
      sorted(expectedWindows.map((w) => ({key: `[${w.code}@${w.start}/${w.start + 10_000}]`, value: `"${new Date(w.start).toISOString().slice(0, 19)}Z","${w.code}","${w.count}"`}))),
    )

    const watch = await runCli(['watch', 'alerts', '--once', '--json', '--critical-topic', critical, '--high-volume-topic', high], {env: ZONE})
    expect(watch.code, watch.stderr).toBe(0)
    const seen = lastJson<WatchAlertsJson>(watch.stdout)
    expect({critical: seen.critical, highVolume: seen.highVolume}).toEqual({critical: criticals.length, highVolume: expectedWindows.length})
    const highSeen = seen.alerts.filter((a) => a.kind === 'high-volume')
    expect(new Set(highSeen.map((a) => a.format))).toEqual(new Set(['kstreams']))
    expect(highSeen.map((a) => `${a.ts} ${a.code} ${a.count}`).sort()).toEqual(expectedWindows.map((w) => `${zoneText(w.start)} ${w.code} ${w.count}`).sort())
  })
})
