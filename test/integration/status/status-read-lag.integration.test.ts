/**
 * `sstream status` after a bounded run, as a user reads it: the processor read everything (read lag 0 on
 * every partition), and the committed offset that trails by the windows still open when it stopped is
 * explained as such, not shown as a backlog; after `--until-idle` nothing trails at all. Through the built
 * CLI.
 */
import {once} from 'node:events'

import {describe, expect, it} from 'vitest'

import {createLexiconModel, startSentimentServer} from '../../../src/core/sentiment/index.js'

import type {StatusResult} from '../../../src/core/status/status.js'
import {lastJson, runCli, spawnCli} from '../../helpers/cli.js'
import {freePort} from '../../helpers/processes.js'
import {createTopics, produce, useFileServices, waitFor} from '../stream/fixtures.js'
import {seedOrders} from '../stream/orders-data.js'

const file = useFileServices()
const {services} = file

describe('status after a bounded run', () => {
  it('shows read lag 0 beside the committed lag, and says the difference is open windows', async () => {
    const groupId = services.groupId('sstream-status-read')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    const records = seedOrders({count: 600, seed: 21, start: Date.UTC(2024, 4, 5, 8), stepMs: 100})
    await produce(input, records)
    // Stopped by --duration while no partition has gone idle: the last windows are still open.
    const run = await runCli(
      ['run', 'analytics', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--idle-timeout', '60s', '--duration', '8s'],
      {env: {SSTREAM_MARIADB_URL: file.db.url}},
    )
    expect(run.code, run.stderr).toBe(0)
    expect(lastJson<{recordsIn: number}>(run.stdout).recordsIn).toBe(records.length)

    const status = await runCli(['status', '--json'])
    expect(status.code, status.stderr).toBe(0)
    const group = lastJson<StatusResult>(status.stdout).groups.find((g) => g.groupId === groupId)!
    expect(group).toBeDefined()
    expect(group.running).toBe(false)
    const inputTopic = group.topics.find((t) => t.topic === input)!
    expect(inputTopic.partitions).toHaveLength(3)
    for (const p of inputTopic.partitions) {
      expect(p.readOffset).toBe(p.logEndOffset)
      expect(p.readLag).toBe(0)
    }
    expect(group.readLag).toBe(0)
    // The committed offsets trail where windows are still open (a restart replays from there): all of the
    // committed lag is records already read.
    expect(group.lag).toBeGreaterThan(0)
    expect(group.readNotCommitted).toBe(group.lag)
    expect(group.note).toBe(`${groupId}: every record is read; ${group.lag} of the committed lag ${group.lag} are records already read, held in open windows and committed when they close: not a backlog.`)
    // Read from the run's last stats, kept after it stopped.
    expect(group.stoppedAt).toEqual(expect.any(String))

    const plain = await runCli(['status'])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toMatch(/committed\s*│\s*read\s*│\s*log-end-offset\s*│\s*lag\s*│\s*read lag/)
    const rows = plain.stdout.split('\n').filter((line) => line.includes(input))
    expect(rows).toHaveLength(3)
    for (const row of rows) expect(row).toMatch(/not running/)
    expect(plain.stdout).toContain(group.note)
  })

  it('a run stopped during an outage: the records its held-up batch fetched are lag (stats and status), not read', async () => {
    const groupId = services.groupId('sstream-status-outage')
    const [input, labels, deadLetters] = await createTopics(services, ['reviews', 'labels', 'dlq'], {groups: [groupId]})
    expect((await runCli(['gen', 'reviews', '--topic', input, '--count', '20', '--rate', 'max'])).code).toBe(0)
    const server = await startSentimentServer({port: await freePort(), model: createLexiconModel()})
    services.defer(() => server.close())
    const child = spawnCli(['run', 'predictions', '--json', '--group-id', groupId, '--input-topic', input, '--output-topic', labels, '--deadletter-topic', deadLetters, '--sentiment-url', server.url])
    services.defer(async () => void child.kill('SIGKILL'))
    let stdout = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    const closed = once(child, 'close')
    const lastStats = (): {recordsIn: number; lag: number | null} | undefined => {
      const line = stdout.split('\n').filter((l) => l.includes('"type":"stats"')).at(-1)
      return line ? (JSON.parse(line) as {recordsIn: number; lag: number | null}) : undefined
    }
    await waitFor(lastStats, (stats) => stats?.recordsIn === 20, {timeoutMs: 60_000, what: 'the first 20 reviews labelled'})

    // The service goes away; 30 more reviews come, fetched in a batch that waits for it.
    await server.close()
    expect((await runCli(['gen', 'reviews', '--topic', input, '--count', '30', '--rate', 'max'])).code).toBe(0)
    await waitFor(() => stdout.includes('"state":"down"'), Boolean, {timeoutMs: 60_000, what: 'the outage reported'})
    const during = await waitFor(lastStats, (stats) => stats?.lag === 30, {timeoutMs: 60_000, what: 'a stats event counting the 30 reviews waiting as lag'})
    expect(during!.recordsIn).toBe(20)
    child.kill('SIGINT')
    await closed

    // After the stop: 30 reviews to label, as status tells it; no note calls them read or held in windows.
    const status = await runCli(['status', '--json'])
    const group = lastJson<StatusResult>(status.stdout).groups.find((g) => g.groupId === groupId)!
    expect(group).toMatchObject({running: false, lag: 30, readLag: 30, readNotCommitted: 0})
    expect(group.note).toBeUndefined()
  })

  it('after --until-idle shows no lag at all, on the input and on the re-keying topic, even on a partition that got only markers', async () => {
    const groupId = services.groupId('sstream-status-idle')
    const [input, deadLetters] = await createTopics(services, ['orders', 'dlq'], {groups: [groupId]})
    // One product: every partial goes to one partition of the re-keying topic, the other two get only the
    // watermark markers (which produce nothing to commit with).
    const records = seedOrders({count: 300, seed: 22, start: Date.UTC(2024, 4, 5, 8), stepMs: 100}).map((r) => ({...r, value: r.value.replace(/"product":"[^"]*"/, '"product":"Keyboard"')}))
    expect(records.every((r) => r.value.includes('"product":"Keyboard"'))).toBe(true)
    await produce(input, records)
    const run = await runCli(
      ['run', 'analytics', '--json', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--idle-timeout', '1s', '--until-idle'],
      {env: {SSTREAM_MARIADB_URL: file.db.url}},
    )
    expect(run.code, run.stderr).toBe(0)
    expect(lastJson<{recordsIn: number}>(run.stdout).recordsIn).toBe(records.length)

    const status = await runCli(['status', '--all', '--json'])
    expect(status.code, status.stderr).toBe(0)
    const group = lastJson<StatusResult>(status.stdout).groups.find((g) => g.groupId === groupId)!
    const partitions = group.topics.flatMap((t) => t.partitions.map((p) => ({topic: t.topic, ...p})))
    expect(partitions).toHaveLength(6)
    for (const p of partitions) expect({topic: p.topic, partition: p.partition, committed: p.currentOffset}).toEqual({topic: p.topic, partition: p.partition, committed: p.logEndOffset})
    expect(group.lag).toBe(0)
    expect(group.readLag).toBe(0)
    expect(group.note).toBeUndefined()
  })
})
