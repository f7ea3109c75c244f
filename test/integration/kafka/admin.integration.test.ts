/**
 * KafkaAdmin against the real broker: a topic created a moment ago answers ListOffsets with
 * NOT_LEADER_OR_FOLLOWER for a while, even once its metadata names a leader; the admin asks again.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {KafkaAdmin} from '../../../src/core/kafka/index.js'
import {TestServices, testConfig} from '../../helpers/services.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe('KafkaAdmin.topicOffsets', () => {
  it('reads the offsets of topics created a moment ago', async () => {
    // Many fresh topics answer the first ListOffsets with a retriable error: twelve in a row all but ensure one.
    for (let round = 0; round < 12; round++) {
      const [topic] = await services.topics([`fresh${round}`])
      const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
      try {
        const offsets = await admin.topicOffsets(topic)
        expect(offsets).toEqual({
          topic,
          partitions: [0, 1, 2].map((partition) => ({partition, low: '0', high: '0'})),
          records: 0,
        })
      } finally {
        await admin.close()
      }
    }
  })
})
