/**
 * Transactional producers for the stream engine. Each partition task owns one, with the transactional id
 * `<group-id>-<pipeline>-<topic>-<partition>`: when another process takes the partition over, its
 * producer's initialisation fences this one (kafkajs has no KIP-447 group-metadata fencing), and any
 * transaction this one had open is aborted or completed before the new owner reads the committed offsets.
 */
import type {Kafka, Message, Producer} from 'kafkajs'

import {BugError, SstreamError} from '../errors.js'
import {toKafkaError, withKafkaDeadline} from './client.js'
import {fastProduceInstalled} from './produce-encoder.js'

export interface ProducedMessage {
  topic: string
  key: string | null
  value: string | Buffer
  partition?: number
  headers?: Record<string, string>
}

export interface TransactionOffsets {
  groupId: string
  topic: string
  partition: number
  offset: number
  metadata: string
}

/** Transactions retry CONCURRENT_TRANSACTIONS quickly: the previous commit's markers are still being written. */
const TRANSACTION_RETRY = {initialRetryTime: 20, maxRetryTime: 1000, retries: 10, factor: 0.2, multiplier: 1.6}

/** How often a commit asks again while the previous transaction completes (about 2 s in all). */
const CONCURRENT_RETRIES = 25

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The coordinator is still completing this producer's previous transaction. */
export function isConcurrentTransactions(error: unknown): boolean {
  return (error as {type?: string} | undefined)?.type === 'CONCURRENT_TRANSACTIONS'
}

/** Messages per produce request inside a transaction. */
const SEND_CHUNK = 1000

export class TransactionalProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly brokers: string[],
    readonly transactionalId: string,
  ) {}

  /** Connects and initialises the transactional id, fencing any previous producer with the same id. */
  static async connect(kafka: Kafka, brokers: string[], transactionalId: string, timeoutMs = 30_000): Promise<TransactionalProducer> {
    if (!fastProduceInstalled()) throw new BugError('kafkajs was loaded before src/core/kafka/produce-encoder.ts.')
    const producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      allowAutoTopicCreation: false,
      retry: TRANSACTION_RETRY,
    })
    try {
      await withKafkaDeadline(
        brokers,
        async () => {
          await producer.connect()
          // kafkajs's connect() initialises an idempotent producer id only; the transactional InitProducerId,
          // which fences the previous owner of this id (and completes or aborts its open transaction), waits
          // for the first transaction(). Fence now, before the caller reads the committed offsets: an empty
          // transaction begun and aborted sends nothing else.
          const fence = await producer.transaction()
          await fence.abort()
        },
        {timeoutMs, doing: 'start a transactional producer'},
      )
    } catch (error) {
      await producer.disconnect().catch(() => undefined)
      throw error
    }
    return new TransactionalProducer(producer, brokers, transactionalId)
  }

  /**
   * Writes the messages and commits the consumed offset (with its metadata) in one transaction. On
   * failure the transaction is aborted if it can be, and a coded error is thrown; `isFenced(error)` says
   * whether another producer took this transactional id over.
   */
  async commit(messages: ProducedMessage[], offsets?: TransactionOffsets): Promise<void> {
    if (messages.length === 0 && !offsets) return
    const transaction = await this.producer.transaction().catch((error: unknown) => {
      throw this.translate(error, 'begin a transaction')
    })
    try {
      if (messages.length > 0) {
        const byTopic = new Map<string, Message[]>()
        for (const m of messages) {
          const list = byTopic.get(m.topic) ?? []
          list.push({key: m.key, value: m.value, ...(m.partition === undefined ? {} : {partition: m.partition}), ...(m.headers ? {headers: m.headers} : {})})
          byTopic.set(m.topic, list)
        }
        // Requests of a bounded size (kafkajs's own grouping per partition was quadratic in a request's
        // messages; produce-encoder.ts's is linear).
        for (const [topic, list] of byTopic) {
          for (let i = 0; i < list.length; i += SEND_CHUNK) await transaction.send({topic, acks: -1, messages: list.slice(i, i + SEND_CHUNK)})
        }
      }
      if (offsets) {
        const request = {
          consumerGroupId: offsets.groupId,
          topics: [{topic: offsets.topic, partitions: [{partition: offsets.partition, offset: String(offsets.offset), metadata: offsets.metadata} as {partition: number; offset: string}]}],
        }
        // A transaction of offsets only starts with AddOffsetsToTxn, which kafkajs does not retry: while the
        // previous commit's markers are being written the coordinator answers CONCURRENT_TRANSACTIONS.
        // Nothing changed on the broker, so ask again shortly (as the Java client does).
        for (let attempt = 0; ; attempt++) {
          try {
            await transaction.sendOffsets(request)
            break
          } catch (error) {
            if (!isConcurrentTransactions(error) || attempt >= CONCURRENT_RETRIES) throw error
            await sleep(Math.min(100, 5 * 2 ** attempt))
          }
        }
      }
      await transaction.commit()
    } catch (error) {
      if (!isFenced(error)) await transaction.abort().catch(() => undefined)
      throw this.translate(error, 'commit a transaction')
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined)
  }

  private translate(error: unknown, doing: string): SstreamError {
    if (isFenced(error)) {
      return new SstreamError('KAFKA_ERROR', `Another process took over ${this.transactionalId}.`, {cause: error})
    }
    return toKafkaError(error, this.brokers, doing)
  }
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'INVALID_PRODUCER_ID_MAPPING'])

/** Whether a transaction failed because a newer producer with the same transactional id fenced this one. */
export function isFenced(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = current as {type?: string; message?: string; cause?: unknown; originalError?: unknown}
    if (e.type && FENCED.has(e.type)) return true
    if (typeof e.message === 'string' && /fenced|producer epoch|Another process took over/i.test(e.message)) return true
    current = e.cause ?? e.originalError
  }
  return false
}
