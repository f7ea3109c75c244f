/**
 * KafkaAdmin asks again when Kafka answers with a retriable protocol error (a topic created a moment ago), for a
 * few seconds, and fails at once when no broker can be reached; on a cluster of several nodes it waits for a node
 * that does not answer to be replaced, up to NODE_FAILOVER_RETRY's budget over all its requests.
 */
import {KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError} from 'kafkajs'
import type {Kafka} from 'kafkajs'
import {afterEach, describe, expect, it, vi} from 'vitest'

import {isRetriableProtocolError, KafkaAdmin, NODE_FAILOVER_RETRY, PROTOCOL_RETRY, retryProtocolErrors} from '../../../src/core/kafka/admin.js'

/** The errors as kafkajs builds them from a broker's error code (protocol/error.js). */
function protocolError(type: string, code: number, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError({type, code, retriable, message: `${type} from the broker`} as unknown as string)
}
const notLeader = (): KafkaJSProtocolError => protocolError('NOT_LEADER_FOR_PARTITION', 6, true)
const leaderNotAvailable = (): KafkaJSProtocolError => protocolError('LEADER_NOT_AVAILABLE', 5, true)
const unknownTopic = (): KafkaJSProtocolError => protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3, true)
const connectionRefused = (): KafkaJSConnectionError =>
  new KafkaJSConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}))

describe('isRetriableProtocolError', () => {
  it('says yes to the retriable protocol errors of a new topic, raw or as the cause of a wrapper', () => {
    expect(isRetriableProtocolError(notLeader())).toBe(true)
    expect(isRetriableProtocolError(leaderNotAvailable())).toBe(true)
    expect(isRetriableProtocolError(unknownTopic())).toBe(true)
    expect(isRetriableProtocolError(Object.assign(new KafkaJSNonRetriableError(notLeader()), {cause: notLeader()}))).toBe(true)
  })

  it('says no to refusals that do not pass, to unreachable brokers, and to errors the client already retried', () => {
    expect(isRetriableProtocolError(protocolError('TOPIC_ALREADY_EXISTS', 36, false))).toBe(false)
    expect(isRetriableProtocolError(protocolError('INVALID_REPLICATION_FACTOR', 38, false))).toBe(false)
    expect(isRetriableProtocolError(connectionRefused())).toBe(false)
    expect(isRetriableProtocolError(new KafkaJSNumberOfRetriesExceeded(connectionRefused(), {retryCount: 4, retryTime: 2000}))).toBe(false)
    expect(isRetriableProtocolError(new KafkaJSNumberOfRetriesExceeded(unknownTopic(), {retryCount: 4, retryTime: 2000}))).toBe(false)
    expect(isRetriableProtocolError(new Error('Closed connection'))).toBe(false)
    expect(isRetriableProtocolError(undefined)).toBe(false)
  })
})

/** A clock that moves only when the loop sleeps, plus a record of the pauses. */
function fakeTime(): {now: () => number; sleep: (ms: number) => Promise<void>; pauses: number[]} {
  let t = 1_000_000
  const pauses: number[] = []
  return {
    now: () => t,
    sleep: async (ms) => {
      pauses.push(ms)
      t += ms
    },
    pauses,
  }
}

describe('retryProtocolErrors', () => {
  it('asks again after short, growing pauses until Kafka answers', async () => {
    const time = fakeTime()
    const errors = [notLeader(), leaderNotAvailable(), notLeader()]
    let attempts = 0
    const result = await retryProtocolErrors(async () => {
      attempts++
      const error = errors.shift()
      if (error) throw error
      return 'offsets'
    }, time)
    expect(result).toBe('offsets')
    expect(attempts).toBe(4)
    expect(time.pauses).toEqual([100, 200, 400])
  })

  it('gives up with the last error once the budget is spent', async () => {
    const time = fakeTime()
    let attempts = 0
    const last = notLeader()
    const failing = retryProtocolErrors(async () => {
      attempts++
      throw last
    }, time)
    await expect(failing).rejects.toBe(last)
    // Seven pauses, 4500 ms in all: an eighth would end 5500 ms after the first attempt, past the 5000 ms budget.
    expect(time.pauses).toEqual([100, 200, 400, 800, 1000, 1000, 1000])
    expect(time.pauses.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(PROTOCOL_RETRY.budgetMs)
    expect(attempts).toBe(8)
  })

  it('counts the time the attempts take against the budget', async () => {
    const time = fakeTime()
    let attempts = 0
    const failing = retryProtocolErrors(async () => {
      attempts++
      // A request that times out after a while on the broker.
      await time.sleep(3000)
      throw protocolError('REQUEST_TIMED_OUT', 7, true)
    }, time)
    await expect(failing).rejects.toMatchObject({type: 'REQUEST_TIMED_OUT'})
    expect(attempts).toBe(2)
  })

  it('fails at once on an unreachable broker and on a refusal that does not pass', async () => {
    for (const error of [connectionRefused(), new KafkaJSNumberOfRetriesExceeded(connectionRefused(), {retryCount: 4, retryTime: 2000}), protocolError('TOPIC_ALREADY_EXISTS', 36, false)]) {
      const time = fakeTime()
      let attempts = 0
      await expect(
        retryProtocolErrors(async () => {
          attempts++
          throw error
        }, time),
      ).rejects.toBe(error)
      expect(attempts).toBe(1)
      expect(time.pauses).toEqual([])
    }
  })
})

describe('KafkaAdmin requests', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  /** A kafkajs client of a cluster of `nodes` whose admin answers fetchTopicOffsets with the given outcomes, one per call. */
  function clientAnswering(outcomes: Array<Error | Array<{partition: number; offset: string; high: string; low: string}>>, nodes = 1): {kafka: Kafka; calls: () => number; log: string[]} {
    let calls = 0
    const log: string[] = []
    const admin = {
      fetchTopicMetadata: async ({topics}: {topics: string[]} = {topics: []}) => {
        log.push(`metadata ${topics.join(',')}`)
        return {topics: []}
      },
      connect: async () => undefined,
      describeCluster: async () => ({brokers: Array.from({length: nodes}, (_, i) => ({nodeId: i + 1, host: 'localhost', port: 9092 + i})), controller: 1, clusterId: 'test'}),
      disconnect: async () => undefined,
      fetchTopicOffsets: async () => {
        calls++
        log.push('offsets')
        const outcome = outcomes.shift()
        if (!outcome) throw new Error('no more answers')
        if (outcome instanceof Error) throw outcome
        return outcome
      },
    }
    return {kafka: {admin: () => admin} as unknown as Kafka, calls: () => calls, log}
  }

  it('reads the offsets of a topic whose leader is not known yet at the first ask', async () => {
    vi.useFakeTimers()
    const {kafka, calls} = clientAnswering([notLeader(), leaderNotAvailable(), [{partition: 0, offset: '5', high: '5', low: '2'}]])
    const admin = await KafkaAdmin.connect(['localhost:9092'], kafka)
    const reading = admin.topicOffsets('fresh')
    await vi.advanceTimersByTimeAsync(1000)
    await expect(reading).resolves.toEqual({topic: 'fresh', partitions: [{partition: 0, low: '2', high: '5'}], records: 3})
    expect(calls()).toBe(3)
  })

  it('asks for the leaders again before each new ask, so that a leader that moved is found', async () => {
    vi.useFakeTimers()
    const {kafka, log} = clientAnswering([notLeader(), [{partition: 0, offset: '5', high: '5', low: '2'}]])
    const admin = await KafkaAdmin.connect(['localhost:9092'], kafka)
    const reading = admin.topicOffsets('moved')
    await vi.advanceTimersByTimeAsync(1000)
    await expect(reading).resolves.toMatchObject({records: 3})
    expect(log).toEqual(['offsets', 'metadata moved', 'offsets'])
  })

  it('takes kafkajs failing on a topic without any leader (an election under way) for LEADER_NOT_AVAILABLE, and asks again', async () => {
    vi.useFakeTimers()
    // What kafkajs 2.2.4 throws when its metadata names no leader for the topic's partitions.
    const leaderless = new TypeError("Cannot destructure property 'partitions' of 'high.pop(...)' as it is undefined.")
    const {kafka, calls} = clientAnswering([leaderless, [{partition: 0, offset: '4', high: '4', low: '0'}]])
    const admin = await KafkaAdmin.connect(['localhost:9092'], kafka)
    const reading = admin.topicOffsets('electing')
    await vi.advanceTimersByTimeAsync(1000)
    await expect(reading).resolves.toMatchObject({records: 4})
    expect(calls()).toBe(2)
  })

  it('says KAFKA_ERROR with the broker\'s reason when the error outlasts the retries', async () => {
    vi.useFakeTimers()
    const {kafka, calls} = clientAnswering(Array.from({length: 20}, () => notLeader()))
    const admin = await KafkaAdmin.connect(['localhost:9092'], kafka)
    const reading = admin.topicOffsets('fresh')
    const settled = expect(reading).rejects.toMatchObject({code: 'KAFKA_ERROR', message: expect.stringContaining('NOT_LEADER_FOR_PARTITION')})
    await vi.advanceTimersByTimeAsync(PROTOCOL_RETRY.budgetMs + 1000)
    await settled
    expect(calls()).toBe(8)
  })

  it('says KAFKA_UNREACHABLE at the first failure when no broker answers', async () => {
    vi.useFakeTimers()
    const {kafka, calls} = clientAnswering([new KafkaJSNumberOfRetriesExceeded(connectionRefused(), {retryCount: 4, retryTime: 2000}), [{partition: 0, offset: '0', high: '0', low: '0'}]])
    const admin = await KafkaAdmin.connect(['localhost:9092'], kafka)
    await expect(admin.topicOffsets('any')).rejects.toMatchObject({code: 'KAFKA_UNREACHABLE'})
    expect(calls()).toBe(1)
  })

  /** A node of the cluster refusing connections, as kafkajs reports it after its own retries. */
  const nodeDown = (): KafkaJSNumberOfRetriesExceeded =>
    new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9093', {broker: 'localhost:9093'}), {retryCount: 4, retryTime: 2000})

  it('on a cluster of several nodes, waits for a node that does not answer to be replaced, asking for the leaders again', async () => {
    vi.useFakeTimers()
    const {kafka, calls, log} = clientAnswering([nodeDown(), nodeDown(), [{partition: 0, offset: '5', high: '5', low: '2'}]], 3)
    const admin = await KafkaAdmin.connect(['localhost:9092'], kafka)
    const reading = admin.topicOffsets('moving')
    await vi.advanceTimersByTimeAsync(5000)
    await expect(reading).resolves.toMatchObject({records: 3})
    expect(calls()).toBe(3)
    expect(log).toEqual(['offsets', 'metadata moving', 'offsets', 'metadata moving', 'offsets'])
  })

  it('on a cluster of several nodes, fails naming the node once it has not been replaced within the wait, counted over every request', async () => {
    vi.useFakeTimers()
    const {kafka, calls} = clientAnswering(Array.from({length: 60}, () => nodeDown()), 3)
    const admin = await KafkaAdmin.connect(['localhost:9092'], kafka)
    const reading = admin.topicOffsets('stuck')
    const settled = expect(reading).rejects.toMatchObject({code: 'KAFKA_UNREACHABLE', message: expect.stringContaining('its node at localhost:9093 does not')})
    await vi.advanceTimersByTimeAsync(NODE_FAILOVER_RETRY.budgetMs + 5000)
    await settled
    const first = calls()
    expect(first).toBeGreaterThan(2)
    // The wait is spent: the next request fails at its first refusal.
    await expect(admin.topicOffsets('stuck')).rejects.toMatchObject({code: 'KAFKA_UNREACHABLE'})
    expect(calls()).toBe(first + 1)
  })
})
