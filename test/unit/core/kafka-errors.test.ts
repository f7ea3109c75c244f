/**
 * The Kafka adapter classifies a failure once, where it happens, from the error type Kafka answered with:
 * a code (fenced, rebalancing, unreachable, refused) and whether asking again may help.
 */
import {KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError} from 'kafkajs'
import {describe, expect, it} from 'vitest'

import {toKafkaError} from '../../../src/core/kafka/client.js'

const BROKERS = ['127.0.0.1:9092']
const protocolError = (type: string, code: number, retriable: boolean, message = `${type} from the broker`) =>
  new KafkaJSProtocolError({type, code, retriable, message} as unknown as string)

describe('Kafka errors', () => {
  it('are fenced when a newer producer with the same transactional id took over, whatever wraps them', () => {
    for (const type of ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']) {
      const raw = protocolError(type, 90, false)
      expect(toKafkaError(raw, BROKERS, 'commit a transaction')).toMatchObject({code: 'KAFKA_FENCED', retriable: false})
      // As kafkajs's retrier and transaction manager wrap them.
      const wrapped = new KafkaJSNumberOfRetriesExceeded(Object.assign(new KafkaJSNonRetriableError(raw), {cause: raw}), {retryCount: 3, retryTime: 100})
      expect(toKafkaError(wrapped, BROKERS, 'commit a transaction')).toMatchObject({code: 'KAFKA_FENCED', retriable: false})
    }
  })

  it('are a rebalance when the group asks its member to rejoin, and retriable', () => {
    for (const type of ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']) {
      expect(toKafkaError(protocolError(type, 27, true), BROKERS, 'heartbeat')).toMatchObject({code: 'KAFKA_REBALANCE', retriable: true})
    }
  })

  it('are not classified by their message: a refusal that mentions fencing is a refusal', () => {
    const error = toKafkaError(new Error('the producer was fenced, says the text'), BROKERS, 'commit a transaction')
    expect(error).toMatchObject({code: 'KAFKA_ERROR', retriable: false})
  })

  it("carry kafkajs's retriable flag for other refusals, and unreachable brokers are retriable", () => {
    expect(toKafkaError(protocolError('NOT_LEADER_FOR_PARTITION', 6, true), BROKERS)).toMatchObject({code: 'KAFKA_ERROR', retriable: true})
    expect(toKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false), BROKERS)).toMatchObject({code: 'KAFKA_ERROR', retriable: false})
    const refused = new KafkaJSConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}))
    expect(toKafkaError(refused, BROKERS)).toMatchObject({code: 'KAFKA_UNREACHABLE', retriable: true})
  })
})
