/**
 * A group member whose fetch Kafka answers with OFFSET_OUT_OF_RANGE — the records below its position were
 * deleted, or its position lies past the log's end — goes on from the nearest offset the log holds, and the
 * group's committed offset (the engine's checkpoint, committed in a transaction with its metadata) stays as
 * it was: kafkajs commits no placeholder of its own (src/core/kafka/kafkajs/offset-reset.ts).
 */
import {afterAll, describe, expect, it} from 'vitest'

import {createKafka, KafkaAdmin} from '../../../src/core/kafka/index.js'
import {GroupConsumer} from '../../../src/core/kafka/consumer.js'
import {TransactionalProducer} from '../../../src/core/kafka/producer.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices} from '../../helpers/services.js'
import {brokers, produce, waitFor} from '../stream/fixtures.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

const kafka = createKafka({brokers, clientId: 'sstream-test'})

const records = (from: number, count: number) =>
  Array.from({length: count}, (_, i) => ({partition: 0, key: `k${from + i}`, value: `record ${from + i}`, timestamp: Date.now()}))

/** Commits the group's offset of partition 0 the way the engine does: in a transaction, with metadata. */
async function commitCheckpoint(groupId: string, topic: string, offset: number, metadata: string): Promise<void> {
  const producer = await TransactionalProducer.connect(kafka, brokers, uniqueName('txn-out-of-range'))
  try {
    await producer.commit([], {groupId, topic, partition: 0, offset, metadata})
  } finally {
    await producer.disconnect()
  }
}

async function committed(groupId: string, topic: string): Promise<{offset: string; metadata: string | null} | undefined> {
  const admin = await KafkaAdmin.connect(brokers)
  try {
    const found = (await admin.committedOffsets(groupId, topic)).find((c) => c.partition === 0)
    return found && {offset: found.offset, metadata: found.metadata}
  } finally {
    await admin.close()
  }
}

/** A member that resolves every batch (as the engine does) and keeps the offsets it was given. */
async function startMember(groupId: string, topic: string, fromBeginning: boolean) {
  const offsets: number[] = []
  const consumer = await GroupConsumer.start({
    kafka,
    brokers,
    groupId,
    topics: [{topic, fromBeginning}],
    onAssignment: () => undefined,
    onBatch: async (batch, control) => {
      offsets.push(...batch.records.map((r) => r.offset))
      control.resolve(batch.lastOffset)
    },
  })
  return {consumer, offsets}
}

describe('a group member whose fetch is out of range', () => {
  it('goes on from the first record left after the records below its position were deleted, and commits nothing', async () => {
    const [topic] = await services.topics(['out-of-range-low'], 1)
    const groupId = services.groupId('out-of-range-low')
    await produce(topic, records(0, 10))
    await commitCheckpoint(groupId, topic, 4, 'checkpoint at 4')
    const admin = createKafka({brokers, clientId: 'sstream-test'}).admin()
    await admin.connect()
    try {
      await admin.fetchTopicMetadata({topics: [topic]})
      await admin.deleteTopicRecords({topic, partitions: [{partition: 0, offset: '7'}]})
    } finally {
      await admin.disconnect()
    }

    // Not from the beginning (as with --from latest): kafkajs's own reset would jump to the end.
    const member = await startMember(groupId, topic, false)
    try {
      // Compared below: a member sent to the end of the log never gets them.
      await waitFor(() => member.offsets, (offsets) => offsets.includes(9), {what: 'the records left in the log', timeoutMs: 20_000}).catch(() => undefined)
    } finally {
      await member.consumer.stop()
    }
    expect(await committed(groupId, topic)).toEqual({offset: '4', metadata: 'checkpoint at 4'})
    expect(member.offsets).toEqual([7, 8, 9])
  })

  it('goes on from the end of the log after a seek past it, and commits nothing', async () => {
    const [topic] = await services.topics(['out-of-range-high'], 1)
    const groupId = services.groupId('out-of-range-high')
    await produce(topic, records(0, 5))
    await commitCheckpoint(groupId, topic, 2, 'checkpoint at 2')

    const member = await startMember(groupId, topic, true)
    try {
      await waitFor(() => member.offsets, (offsets) => offsets.includes(4), {what: 'the records after the checkpoint'})
      expect(member.offsets).toEqual([2, 3, 4])
      member.consumer.seek(topic, 0, 50)
      // New records until the member gets one: it fetches from where the log ended when it was put back.
      let next = 5
      await waitFor(
        async () => {
          if (member.offsets.length === 3) await produce(topic, records(next++, 1))
          return member.offsets.length
        },
        (count) => count > 3,
        {what: 'a record after the seek', intervalMs: 300},
      )
    } finally {
      await member.consumer.stop()
    }
    expect(member.offsets[3]).toBeGreaterThanOrEqual(5)
    expect(member.offsets.slice(3)).toEqual(member.offsets.slice(3).sort((a, b) => a - b))
    expect(await committed(groupId, topic)).toEqual({offset: '2', metadata: 'checkpoint at 2'})
  })
})
