import {afterAll, describe, expect, it} from 'vitest'

import {runAlerts} from '../../../src/core/pipelines/alerts.js'
import {DEAD_LETTER_HEADERS} from '../../../src/core/stream/index.js'
import {TestServices} from '../../helpers/services.js'
import {expectedAlerts, keyValues, seedAlerts} from '../stream/alerts-data.js'
import {brokers, createTopics, produce, readCommitted} from '../stream/fixtures.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe('run alerts against Kafka', () => {
  it('sends every CRITICAL alert once and exactly the high-volume windows of a batch recomputation', async () => {
    const groupId = services.groupId('alerts')
    const [input, critical, high, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high', 'dlq'], {groups: [groupId]})
    const records = seedAlerts({count: 30_000, seed: 7, start: new Date(2024, 4, 1, 8, 0, 0).getTime(), malformedEvery: 1009, badTimestampEvery: 1213})
    await produce(input, records)
    const expected = expectedAlerts(records)
    expect(expected.highVolume.length).toBeGreaterThan(1000)
    expect(expected.late).toBeGreaterThan(50)

    const summary = await runAlerts({
      brokers,
      groupId,
      inputTopic: input,
      criticalTopic: critical,
      highVolumeTopic: high,
      deadLetterTopic: deadLetters,
      idleTimeoutMs: 2000,
      untilIdle: true,
    })
    expect(summary.stoppedBy).toBe('until-idle')
    expect(summary.outputs[critical]).toBe(expected.critical.length)
    expect(summary.outputs[high]).toBe(expected.highVolume.length)

    expect(keyValues(await readCommitted(critical))).toEqual(expected.critical)
    expect(keyValues(await readCommitted(high))).toEqual(expected.highVolume)
    const dead = await readCommitted(deadLetters)
    const byReason = (reason: string) => dead.filter((d) => d.headers[DEAD_LETTER_HEADERS.reason] === reason).length
    expect(byReason('malformed-csv')).toBe(expected.malformed)
    expect(byReason('bad-timestamp')).toBe(expected.badTimestamp)
    expect(byReason('late')).toBe(expected.late)
    expect(dead).toHaveLength(expected.malformed + expected.badTimestamp + expected.late)
    for (const d of dead) {
      expect(d.headers).toMatchObject({[DEAD_LETTER_HEADERS.pipeline]: 'alerts', [DEAD_LETTER_HEADERS.sourceTopic]: input})
      const partition = Number(d.headers[DEAD_LETTER_HEADERS.sourcePartition])
      const offset = Number(d.headers[DEAD_LETTER_HEADERS.sourceOffset])
      expect(records.filter((r) => r.partition === partition)[offset].value).toBe(d.value)
    }
  })
})
