/**
 * `sstream run analytics --metrics-port` as an operator runs it: Prometheus scrapes /metrics during the run,
 * the counters reach the run's own summary (records in, dead letters by reason, results per output), the
 * lag of every partition goes to 0, and the latency histograms are filled. Through the built CLI.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {createServer} from 'node:net'

import {describe, expect, it} from 'vitest'

import {runCli, spawnCli} from '../../helpers/cli.js'
import {startPrivateRedis} from '../pipelines/leaderboard-redis-server.js'
import {createTopics, produce, useFileServices, waitFor} from '../stream/fixtures.js'
import {expectedSummaries, seedOrders} from '../stream/orders-data.js'

const file = useFileServices()
const {services} = file

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Prometheus' text format, the lines that are samples. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`Not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!
    samples.push({name: match[1]!, labels, value: Number(match[3])})
  }
  return samples
}

function sum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0)
}

describe('run analytics --metrics-port', () => {
  it('serves counters that match the summary, lag that goes to 0, and latency histograms', async () => {
    const groupId = services.groupId('metrics')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const records = seedOrders({count: 900, seed: 18, start: Date.UTC(2024, 2, 3, 9), stepMs: 50, malformedEvery: 90})
    const expected = expectedSummaries(records)
    await produce(input, records)

    const child = spawnCli(
      ['run', 'analytics', '--json', '--metrics-port', '0', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--idle-timeout', '1s'],
      {env: {SSTREAM_MARIADB_URL: file.db.url}},
    )
    services.defer(async () => void child.kill('SIGKILL'))
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const closed = once(child, 'close')

    const url = await waitFor(
      () => /"type":"metrics".*"url":"([^"]+)"/.exec(stdout)?.[1],
      (found) => found !== undefined,
      {what: `the metrics event (stderr: ${stderr})`},
    )
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)

    const scrape = async (): Promise<Sample[]> => parseMetrics(await (await fetch(url!)).text())
    const labels = {pipeline: 'analytics', group: groupId}
    // Everything read, every partition caught up (the input's and the repartition topic's), every window closed.
    const last = await waitFor(scrape, (s) =>
      sum(s, 'sstream_records_in_total', labels) === records.length &&
      s.filter((x) => x.name === 'sstream_consumer_lag_records' && x.labels.group === groupId).length === 6 &&
      sum(s, 'sstream_consumer_lag_records', labels) === 0 &&
      s.some((x) => x.name === 'sstream_open_windows' && x.labels.group === groupId && x.value === 0) &&
      sum(s, 'sstream_results_total', labels) === expected.windows.length,
    {timeoutMs: 120_000, intervalMs: 1000, what: 'the run to catch up in the metrics'})

    child.kill('SIGINT')
    await closed
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as {type: string; recordsIn: number; deadLettered: number; late: number; recordsOut: number; outputs: Record<string, number>}
    expect(summary.type).toBe('summary')

    // The counters say what the summary says.
    expect(sum(last, 'sstream_records_in_total', labels)).toBe(summary.recordsIn)
    expect(sum(last, 'sstream_dead_letters_total', labels)).toBe(summary.deadLettered)
    expect(sum(last, 'sstream_dead_letters_total', {...labels, reason: 'malformed-json'})).toBe(expected.malformed)
    expect(sum(last, 'sstream_late_records_total', labels)).toBe(summary.late)
    expect(sum(last, 'sstream_dead_letters_total', {...labels, reason: 'late'})).toBe(expected.late)
    expect(sum(last, 'sstream_results_total', labels)).toBe(summary.recordsOut)
    expect(sum(last, 'sstream_results_total', {...labels, output: 'order_summary'})).toBe(summary.outputs.order_summary)
    expect(summary.recordsIn).toBe(records.length)

    // The lag series name every partition read, input and repartition.
    const lagSeries = last.filter((s) => s.name === 'sstream_consumer_lag_records' && s.labels.group === groupId)
    expect(new Set(lagSeries.map((s) => s.labels.topic))).toEqual(new Set([input, `${groupId}-analytics-repartition`]))
    expect(sum(last, 'sstream_watermark_seconds', labels)).toBeGreaterThan(Date.UTC(2024, 2, 3, 9) / 1000)
    expect(sum(last, 'sstream_watermark_delay_seconds', labels)).toBeGreaterThan(0)

    // Histograms: cumulative buckets, +Inf = count, a positive sum; one end-to-end sample per closed window at least.
    for (const name of ['sstream_sink_write_seconds', 'sstream_end_to_end_latency_seconds']) {
      const buckets = last.filter((s) => s.name === `${name}_bucket` && s.labels.group === groupId)
      expect(buckets.length).toBeGreaterThan(5)
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value)
      const count = sum(last, `${name}_count`, labels)
      expect(count).toBeGreaterThan(0)
      expect(buckets.at(-1)).toMatchObject({labels: expect.objectContaining({le: '+Inf'}), value: count})
      expect(sum(last, `${name}_sum`, labels)).toBeGreaterThan(0)
    }
    // Node's process metrics come along.
    expect(last.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true)

    // The endpoint ends with the run.
    await expect(fetch(url!)).rejects.toThrow()
  })

  it('drops the lag series of a partition that moved to another member of the group (a sum over the group counts each partition once)', async () => {
    const groupId = services.groupId('metrics-moved')
    const [input, critical, high, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high', 'dlq'], {groups: [groupId]})
    expect((await runCli(['gen', 'alerts', '--topic', input, '--count', '60', '--rate', 'max'])).code).toBe(0)
    const args = ['run', 'alerts', '--json', '--metrics-port', '0', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', high, '--deadletter-topic', deadLetters]
    const start = (): {stdout: () => string; closed: Promise<unknown>; stop: () => void} => {
      const child = spawnCli(args)
      services.defer(async () => void child.kill('SIGKILL'))
      let out = ''
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
      return {stdout: () => out, closed: once(child, 'close'), stop: () => void child.kill('SIGINT')}
    }
    type Assigned = {type: string; partitions: Array<{topic: string; partition: number}>}
    const lastAssigned = (stdout: string): string[] | undefined => {
      const events = stdout.split('\n').filter((l) => l.includes('"type":"assigned"')).map((l) => JSON.parse(l) as Assigned)
      return events.at(-1)?.partitions.map((p) => `${p.topic}/${p.partition}`).sort()
    }
    const first = start()
    const url = await waitFor(() => /"type":"metrics".*"url":"([^"]+)"/.exec(first.stdout())?.[1], (found) => found !== undefined, {what: 'the metrics event'})
    const lagSeries = async (): Promise<string[]> =>
      parseMetrics(await (await fetch(url!)).text())
        .filter((s) => s.name === 'sstream_consumer_lag_records' && s.labels.group === groupId)
        .map((s) => `${s.labels.topic}/${s.labels.partition}`)
        .sort()
    // Alone, it reads the three input partitions and the three of its repartition topic.
    await waitFor(lagSeries, (series) => series.length === 6, {timeoutMs: 60_000, intervalMs: 500, what: 'a lag series for each of the six partitions'})

    const second = start()
    // Once the second member took some, the first one's series are those it still reads, and only those.
    const settled = await waitFor(
      async () => ({assigned: lastAssigned(first.stdout()), series: await lagSeries()}),
      ({assigned, series}) => assigned !== undefined && assigned.length < 6 && JSON.stringify(series) === JSON.stringify(assigned),
      {timeoutMs: 90_000, intervalMs: 500, what: "the first member's lag series to follow its assignment"},
    )
    expect(settled.series.length).toBeGreaterThan(0)
    expect(settled.series.length).toBeLessThan(6)
    first.stop()
    second.stop()
    await Promise.all([first.closed, second.closed])
  })

  it('counts one outage of a private Redis that stays down for two reasons (not reached, then back without its data)', async () => {
    const redis = await startPrivateRedis()
    services.defer(() => redis.stop())
    const groupId = services.groupId('metrics-outage')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {groups: [groupId]})
    expect((await runCli(['gen', 'scores', '--topic', input, '--count', '30', '--rate', 'max'])).code).toBe(0)
    const child = spawnCli(['run', 'leaderboard', '--json', '--metrics-port', '0', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--key', `${groupId}-board`, '--redis-url', redis.url])
    services.defer(async () => void child.kill('SIGKILL'))
    let stdout = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    const closed = once(child, 'close')
    const url = await waitFor(() => /"type":"metrics".*"url":"([^"]+)"/.exec(stdout)?.[1], (found) => found !== undefined, {what: 'the metrics event'})
    const outages = async (): Promise<Sample[]> => parseMetrics(await (await fetch(url!)).text())
    await waitFor(outages, (s) => sum(s, 'sstream_results_total', {group: groupId}) === 30, {timeoutMs: 60_000, intervalMs: 500, what: 'the 30 scores on the board'})

    // Redis goes away without saving (its data is lost), while scores keep coming.
    spawn('redis-cli', ['-p', String(redis.port), 'shutdown', 'nosave'], {stdio: 'ignore'})
    await waitFor(() => stdout.includes('"state":"down"'), (down) => down, {timeoutMs: 60_000, what: 'the run to report Redis down'})
    expect((await runCli(['gen', 'scores', '--topic', input, '--count', '30', '--rate', 'max'])).code).toBe(0)
    await redis.start()
    await waitFor(() => stdout.includes('are gone'), (gone) => gone, {timeoutMs: 60_000, what: 'the run to report the stored offsets gone'})
    const downs = stdout.split('\n').filter((l) => l.includes('"type":"status"') && l.includes('"state":"down"'))
    expect(downs.length).toBeGreaterThanOrEqual(2)
    expect(stdout).not.toContain('"state":"ok"')

    const scraped = await outages()
    expect(sum(scraped, 'sstream_outages_total', {group: groupId, service: 'redis'})).toBe(1)
    expect(sum(scraped, 'sstream_service_up', {group: groupId, service: 'redis'})).toBe(0)
    child.kill('SIGINT')
    await closed
  })

  it('fails with PORT_IN_USE before the run starts when the port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    services.defer(async () => void taken.close())
    const port = (taken.address() as {port: number}).port
    const result = await runCli(['run', 'alerts', '--json', '--metrics-port', String(port), '--group-id', services.groupId('metrics-port')])
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({error: {code: 'PORT_IN_USE', message: `Can't serve metrics on 127.0.0.1:${port}: the port is already in use.`}})
    expect(result.stdout).not.toContain('"type":"started"')
  })
})
