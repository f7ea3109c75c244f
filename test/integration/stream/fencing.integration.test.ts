/**
 * Fencing, the ground of exactly-once across processes: once a task's producer has started in the process
 * that takes a partition over, the previous owner's producer (same transactional id) can no longer commit,
 * so the new owner's read of the committed offsets is final. kafkajs fences only on the first transaction,
 * not on connect; sstream's TransactionalProducer fences on connect.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {createKafka, KafkaAdmin} from '../../../src/core/kafka/index.js'
import {TransactionalProducer} from '../../../src/core/kafka/producer.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices} from '../../helpers/services.js'
import {brokers, readCommitted} from './fixtures.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe('TransactionalProducer fencing', () => {
  it('fences the previous owner as soon as the new one has connected, before either commits again', async () => {
    const [output] = await services.topics(['fenced-out'])
    const groupId = services.groupId('fencing')
    const transactionalId = uniqueName('txn-fencing')
    const kafka = createKafka({brokers, clientId: 'sstream-test'})
    const offsets = (offset: number) => ({groupId, topic: output, partition: 0, offset, metadata: ''})

    const previous = await TransactionalProducer.connect(kafka, brokers, transactionalId)
    await previous.commit([{topic: output, key: 'k', value: 'first', partition: 0}], offsets(1))
    // The new owner starts (and then reads the committed offsets): from now on the previous one is fenced.
    const next = await TransactionalProducer.connect(kafka, brokers, transactionalId)
    try {
      const late = await previous.commit([{topic: output, key: 'k', value: 'late', partition: 0}], offsets(2)).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(late, 'the previous owner committed after the new one started').toBeDefined()
      // Classified where it happened, from the error Kafka answered with: fenced, not worth retrying.
      expect(late).toMatchObject({code: 'KAFKA_FENCED', retriable: false})

      const admin = await KafkaAdmin.connect(brokers)
      const committed = await admin.committedOffsets(groupId, output).finally(() => admin.close())
      expect(committed.find((c) => c.partition === 0)?.offset).toBe('1')
      await next.commit([{topic: output, key: 'k', value: 'next', partition: 0}], offsets(2))
      expect((await readCommitted(output)).map((r) => r.value)).toEqual(['first', 'next'])
    } finally {
      await previous.disconnect()
      await next.disconnect()
    }
  })
})
