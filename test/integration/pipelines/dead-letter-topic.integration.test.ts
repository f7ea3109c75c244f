/**
 * The dead-letter topic itself: a record too large for it is dead-lettered with its value cut to fit and a
 * header giving the original size (never a stall), and a missing dead-letter topic is a clear start-up error.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {isSstreamError, type SstreamError} from '../../../src/core/errors.js'
import {runLeaderboard} from '../../../src/core/pipelines/leaderboard.js'
import {offsetsKeyFor} from '../../../src/core/redis/index.js'
import {DEAD_LETTER_HEADERS, MAX_DEAD_LETTER_BYTES} from '../../../src/core/stream/task-output.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices, testConfig} from '../../helpers/services.js'
import {brokers, createTopics, kafkaClient, produce, readCommitted} from '../stream/fixtures.js'
import {boardScores, deleteKeys} from './leaderboard-data.js'

const services = new TestServices()
const redisKeys: string[] = []

afterAll(async () => {
  await deleteKeys(redisKeys)
  await services.cleanup()
})

describe('the dead-letter topic', {timeout: 120_000}, () => {
  it('a record larger than a dead letter may be is dead-lettered with its value cut and sstream-truncated giving its size; the others go on', async () => {
    const groupId = services.groupId('huge-record')
    const [input, deadLetters] = await createTopics(services, ['scores', 'dlq'], {partitions: 1, groups: [groupId]})
    // The input topic takes records of up to 4 MB (a producer's choice sstream cannot prevent).
    const admin = kafkaClient().admin()
    await admin.connect()
    try {
      await admin.alterConfigs({validateOnly: false, resources: [{type: 2, name: input, configEntries: [{name: 'max.message.bytes', value: String(4 * 1024 * 1024)}]}]})
    } finally {
      await admin.disconnect()
    }
    const key = uniqueName('huge-record-board')
    redisKeys.push(key, offsetsKeyFor(key))
    const huge = '7'.repeat(1_500_000)
    await produce(input, [{partition: 0, key: 'Bob', value: '1', timestamp: Date.now()}])
    await produce(input, [{partition: 0, key: 'Bob', value: huge, timestamp: Date.now()}])
    await produce(input, [{partition: 0, key: 'Bob', value: '2', timestamp: Date.now()}])
    const summary = await runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true})
    expect(summary.recordsIn).toBe(3)
    expect(await boardScores(key)).toEqual({Bob: 3})
    const dead = await readCommitted(deadLetters, {timeoutMs: 20_000})
    expect(dead).toHaveLength(1)
    expect(dead[0].headers[DEAD_LETTER_HEADERS.reason]).toBe('bad-value')
    expect(dead[0].headers[DEAD_LETTER_HEADERS.sourceOffset]).toBe('1')
    expect(dead[0].headers[DEAD_LETTER_HEADERS.truncated]).toBe('1500000')
    expect(dead[0].key).toBe('Bob')
    expect(dead[0].value?.length).toBe(MAX_DEAD_LETTER_BYTES - 3)
    expect(huge.startsWith(String(dead[0].value))).toBe(true)
  })

  it('a missing dead-letter topic is a start-up error naming it and `sstream setup kafka`, before anything is read', async () => {
    const groupId = services.groupId('missing-dlq')
    const [input] = await createTopics(services, ['scores'], {partitions: 1, groups: [groupId]})
    const missing = uniqueName('t-no-such-dlq')
    const key = uniqueName('missing-dlq-board')
    redisKeys.push(key, offsetsKeyFor(key))
    await produce(input, [{partition: 0, key: 'Bob', value: '1', timestamp: Date.now()}])
    const error = await runLeaderboard({brokers, groupId, inputTopic: input, deadLetterTopic: missing, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 2000, untilIdle: true}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isSstreamError(error)).toBe(true)
    const coded = error as SstreamError
    expect(coded.code).toBe('TOPIC_MISSING')
    expect(coded.message).toBe(`The dead-letter topic ${missing} does not exist on Kafka at ${brokers.join(',')}.`)
    expect(coded.nextSteps.join(' ')).toMatch(/`sstream setup kafka`/)
    expect(await boardScores(key)).toEqual({})
  })
})
