/**
 * A transaction the broker commits while the processor sees an error: the answer to its EndTxn is lost (the
 * connection is cut after the broker took the request; test/integration/faults/kafka-proxy.ts). Its records
 * are not read again (the committed offset covers them), so the run must count and report that transaction
 * when its task starts again, not lose it from the summary: the summary's counts and the result events equal
 * the input's, and the outputs stay exactly once. One private broker, behind the proxy, serves the file.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KafkaAdmin} from '../../../src/core/kafka/index.js'
import {runAlerts} from '../../../src/core/pipelines/alerts.js'
import type {PipelineEvent} from '../../../src/core/stream/index.js'
import {freePort} from '../../helpers/processes.js'
import {uniqueName} from '../../helpers/names.js'
import {startPrivateBroker, type PrivateBroker} from '../generators/private-broker.js'
import {expectedAlerts, keyValues, seedAlerts} from '../stream/alerts-data.js'
import {feedPaced, readPairs} from './four-pipelines.js'
import {startKafkaProxy, type KafkaProxy} from './kafka-proxy.js'

let proxy: KafkaProxy
let broker: PrivateBroker

beforeAll(async () => {
  proxy = await startKafkaProxy(await freePort())
  broker = await startPrivateBroker({
    advertise: async (port) => {
      proxy.target = port
      return proxy.port
    },
  })
}, 180_000)

afterAll(async () => {
  await broker?.destroy()
  await proxy?.close()
})

describe('a commit whose answer is lost (private broker behind a proxy)', () => {
  it('alerts: the committed transaction is counted once when its task starts again; outputs exactly once', async () => {
    const [input, critical, highVolume, deadLetters] = ['in', 'critical', 'hv', 'dlq'].map((p) => uniqueName(`t-${p}`))
    const admin = await KafkaAdmin.connect(broker.brokers)
    try {
      await admin.ensureTopics([input, critical, highVolume, deadLetters].map((topic) => ({topic, partitions: 3, replicationFactor: 1})))
    } finally {
      await admin.close()
    }
    const records = seedAlerts({count: 3000, seed: 61, start: Date.UTC(2026, 11, 7, 9), malformedEvery: 97})
    await feedPaced(broker.brokers, [{topic: input, records}], 100_000)
    const expected = expectedAlerts(records)

    // The first commit of the run (a source task's first batch, with critical alerts and its offsets).
    proxy.loseCommitAnswers(1)
    const events: PipelineEvent[] = []
    const summary = await runAlerts({
      brokers: broker.brokers,
      groupId: uniqueName('g-lost-answer'),
      inputTopic: input,
      criticalTopic: critical,
      highVolumeTopic: highVolume,
      deadLetterTopic: deadLetters,
      idleTimeoutMs: 2000,
      untilIdle: true,
      onEvent: (e) => events.push(e),
    })
    expect(proxy.lostCommitAnswers).toBe(1)

    // Exactly once in the topics.
    expect(keyValues(await readPairs(broker.brokers, critical))).toEqual(expected.critical)
    expect(keyValues(await readPairs(broker.brokers, highVolume))).toEqual(expected.highVolume)
    // Counted once: every record in, every output and dead letter, as the topics hold them.
    expect(summary.recordsIn).toBe(records.length)
    expect(summary.outputs[critical]).toBe(expected.critical.length)
    expect(summary.outputs[highVolume]).toBe(expected.highVolume.length)
    // Late records are dead-lettered too.
    expect(summary.late).toBe(expected.late)
    expect(summary.deadLettered).toBe(expected.malformed + expected.late)
    // And reported once: a result event per critical alert, a dead-letter event per malformed or late record.
    const results = events.filter((e) => e.type === 'result' && e.output === critical)
    expect(results).toHaveLength(expected.critical.length)
    expect(events.filter((e) => e.type === 'deadletter')).toHaveLength(expected.malformed + expected.late)
  }, 180_000)
})
