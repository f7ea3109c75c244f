/**
 * The tests' topics keep their records: the tests produce synthetic event times (2024) as record timestamps,
 * which the broker's time-based retention (24 h on the local stack) would delete at its next check, every
 * five minutes — under a running test, whose consumers then find their positions gone.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {createKafka, installKafkajsPatches} from '../../../src/core/kafka/index.js'

import {TestServices} from '../../helpers/services.js'
import {brokers, createTopics} from '../stream/fixtures.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

describe("the tests' topics", () => {
  it('never expire records by time, whichever helper created them', async () => {
    const topics = [...(await services.topics(['kept-a', 'kept-b'])), ...(await createTopics(services, ['kept-c']))]
    const admin = createKafka({brokers, clientId: 'sstream-test'}).admin()
    await admin.connect()
    try {
      const {resources} = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({type: installKafkajsPatches().ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms']})),
      })
      const retention = Object.fromEntries(resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue]))
      expect(retention).toEqual(Object.fromEntries(topics.map((t) => [t, '-1'])))
    } finally {
      await admin.disconnect()
    }
  })
})
