/**
 * Crash test for the Kafka outputs: `run alerts` as a child process, killed with SIGKILL at random points
 * (6 times) and restarted; the critical and high-volume topics, read with isolation read_committed, hold
 * exactly the records of the batch recomputation — none missing, none twice.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {TestServices} from '../../helpers/services.js'
import {expectedAlerts, keyValues, seedAlerts} from './alerts-data.js'
import {createTopics, produce, readCommitted, seeded} from './fixtures.js'
import {startProcessor} from './processor.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe('alerts survive kill -9', () => {
  it('commits every critical and high-volume record exactly once through 6 SIGKILLs and restarts', async () => {
    const groupId = services.groupId('crash-alerts')
    const [input, critical, high, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high', 'dlq'], {groups: [groupId]})
    const records = seedAlerts({count: 48_000, seed: 31, start: new Date(2024, 5, 1, 9, 0, 0).getTime(), stepMs: 1500, malformedEvery: 1301, badTimestampEvery: 1709})
    const expected = expectedAlerts(records)
    const args = ['run', 'alerts', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', high, '--deadletter-topic', deadLetters]
    const random = seeded(77)
    const chunk = records.length / 6
    const kills: string[] = []
    for (let run = 0; run < 6; run++) {
      await produce(input, records.slice(run * chunk, (run + 1) * chunk))
      // Never idle while killed runs come and go (idleness moves the watermark to the wall clock).
      const processor = startProcessor([...args, '--idle-timeout', '60s'])
      services.defer(async () => processor.kill('SIGKILL'))
      await processor.waitForEvent((e) => e.type === 'result')
      const delay = Math.floor(random() * 1500)
      await new Promise((resolve) => setTimeout(resolve, delay))
      processor.kill('SIGKILL')
      expect((await processor.exited).signal).toBe('SIGKILL')
      kills.push(`run ${run}: killed ${delay} ms after its first result (${processor.events.filter((e) => e.type === 'result').length} results seen)`)
    }
    const last = startProcessor([...args, '--idle-timeout', '2s', '--until-idle'])
    services.defer(async () => last.kill('SIGKILL'))
    const exit = await last.exited
    expect(exit.code, last.stderr()).toBe(0)

    expect(keyValues(await readCommitted(critical)), kills.join('\n')).toEqual(expected.critical)
    expect(keyValues(await readCommitted(high)), kills.join('\n')).toEqual(expected.highVolume)
    const dead = await readCommitted(deadLetters)
    expect(dead).toHaveLength(expected.late + expected.malformed + expected.badTimestamp)
  })
})
