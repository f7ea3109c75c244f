/**
 * `sstream status` after a bounded run, as a user reads it: the processor read everything (read lag 0 on
 * every partition), and the committed offset that trails by the windows still open when it stopped is
 * explained as such, not shown as a backlog; after `--until-idle` nothing trails at all. Through the built
 * CLI.
 */
import {describe, expect, it} from 'vitest'

import type {StatusResult} from '../../../src/core/status/status.js'
import {lastJson, runCli} from '../../helpers/cli.js'
import {createTopics, produce, useFileServices} from '../stream/fixtures.js'
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
