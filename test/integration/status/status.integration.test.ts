import {afterAll, describe, expect, it} from 'vitest'

import {ProcessorStatsPublisher} from '../../../src/core/redis/index.js'
import {gatherStatus, readTopicOffsets} from '../../../src/core/status/status.js'
import {createKafka, KafkaAdmin} from '../../../src/core/kafka/index.js'
import {runCli} from '../../helpers/cli.js'
import {testConfig, TestServices} from '../../helpers/services.js'

const services = new TestServices()
afterAll(() => services.cleanup())

describe('status', () => {
  it('reports a topic end offsets, a group lag per partition and a live processor', async () => {
    const [topic] = await services.topics(['status'], 2)
    const groupId = services.groupId('sstream-status-test')
    const kafka = createKafka({brokers: testConfig.kafkaBrokers})
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({topic, messages: [0, 0, 0, 1, 1].map((partition, i) => ({partition, key: String(i), value: 'v'}))})
    await producer.disconnect()
    // The group has consumed 2 of partition 0's 3 records and none of partition 1's.
    const admin = kafka.admin()
    await admin.connect()
    await admin.setOffsets({groupId, topic, partitions: [{partition: 0, offset: '2'}]})
    await admin.disconnect()

    const publisher = new ProcessorStatsPublisher(testConfig.redisUrl, groupId)
    services.defer(() => publisher.close())
    await publisher.publish({pipeline: 'analytics', recordsIn: 42, rate: 7, lag: 3})

    const status = await gatherStatus({config: testConfig, all: true})
    expect(status.healthy).toBe(true)
    const t = status.topics.find((x) => x.topic === topic)
    expect(t?.partitions.map((p) => p.high)).toEqual(['3', '2'])
    expect(t?.records).toBe(5)
    const group = status.groups.find((g) => g.groupId === groupId)
    expect(group?.topics[0].partitions).toEqual([
      {partition: 0, currentOffset: '2', logEndOffset: '3', lag: 1, readOffset: null, readLag: null},
      {partition: 1, currentOffset: null, logEndOffset: '2', lag: null, readOffset: null, readLag: null},
    ])
    // Running (a processor publishes live stats), but no positions published or committed: no read lag, no note.
    expect(group).toMatchObject({running: true, readLag: null, readNotCommitted: 0})
    expect(group?.note).toBeUndefined()
    const processor = status.processors.find((p) => p.groupId === groupId)
    expect(processor).toMatchObject({pipeline: 'analytics', recordsIn: 42, lag: 3})

    await publisher.close()
    const after = await gatherStatus({config: testConfig, all: false})
    expect(after.processors.some((p) => p.groupId === groupId)).toBe(false)
    expect(after.topics.some((x) => x.topic === topic)).toBe(false)
  })

  it('shows a live processor\'s open windows and sink and end-to-end latencies in its row (SPEC §4 Observability)', async () => {
    const groupId = services.groupId('sstream-status-row')
    const publisher = new ProcessorStatsPublisher(testConfig.redisUrl, groupId)
    services.defer(() => publisher.close())
    await publisher.publish({pipeline: 'analytics', recordsIn: 42, recordsOut: 6, rate: 7, lag: 3, watermark: null, openWindows: 4, deadLettered: 1, late: 0, sinkLatencyMs: 18.3, endToEndLatencyMs: 9268})
    const plain = await runCli(['status'])
    const lines = plain.stdout.split('\n')
    const header = lines.find((line) => line.includes('instance') && line.includes('rate/s'))!
    const row = lines.find((line) => line.includes(groupId))!
    const cells = (line: string): string[] => line.split('│').slice(1, -1).map((cell) => cell.trim())
    expect(Object.fromEntries(cells(header).map((name, i) => [name, cells(row)[i]]))).toMatchObject({'in': '42', 'out': '6', 'open windows': '4', 'dead letters': '1', 'latency sink / e2e': '18.3 ms / 9.3 s'})
  })

  it('leaves out a topic deleted between the listing of the topics and the reading of their offsets', async () => {
    const [kept, gone] = await services.topics(['status-kept', 'status-gone'], 1)
    const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
    try {
      // As when another client deletes a topic while status runs: listed, then gone before its offsets are read.
      await admin.deleteTopics([gone])
      const topics = await readTopicOffsets(admin, [kept, gone])
      expect(topics.map((t) => t.topic)).toEqual([kept])
      expect(topics[0].partitions).toHaveLength(1)
    } finally {
      await admin.close()
    }
  })
})
