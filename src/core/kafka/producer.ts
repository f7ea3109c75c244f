/**
 * Transactional producers for the stream engine. Each partition task owns one, with the transactional id
 * `<group-id>-<pipeline>-<topic>-<partition>`: when another process takes the partition over, its
 * producer's initialisation fences this one (kafkajs has no KIP-447 group-metadata fencing), and any
 * transaction this one had open is aborted or completed before the new owner reads the committed offsets.
 */
import type {Kafka, Message, Producer} from 'kafkajs'

import {retry} from '../async.js'
import {SstreamError} from '../errors.js'
import {kafkaErrorKind, toKafkaError, withKafkaDeadline} from './client.js'
import {BATCH_HEADER_BYTES} from './protocol/record-batch.js'

export interface ProducedMessage {
  topic: string
  key: string | null
  /** Written instead of `key` when given (a key that is not UTF-8 text). */
  keyBytes?: Buffer
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


/** The coordinator is still completing this producer's previous transaction. */
export function isConcurrentTransactions(error: unknown): boolean {
  return (error as {type?: string} | undefined)?.type === 'CONCURRENT_TRANSACTIONS'
}

/** Messages per produce request inside a transaction. */
const SEND_CHUNK = 1000

/**
 * Bytes (keys, values, headers) per produce request inside a transaction: the messages of one partition in
 * a request make one record batch, which the broker refuses beyond its `max.message.bytes` (1 MiB by
 * default). A message larger than this goes alone.
 */
const SEND_BYTES = 512 * 1024

/** The bytes of a message's key, value and headers. */
function messageBytes(message: Message): number {
  const {key, value, headers} = message
  let bytes = typeof key === 'string' ? Buffer.byteLength(key) : (key?.length ?? 0)
  bytes += typeof value === 'string' ? Buffer.byteLength(value) : (value?.length ?? 0)
  if (headers) {
    for (const name in headers) {
      const header = headers[name]
      bytes += Buffer.byteLength(name) + (typeof header === 'string' ? Buffer.byteLength(header) : Buffer.isBuffer(header) ? header.length : 0)
    }
  }
  return bytes
}

/** At least a message's bytes (messageBytes), without counting them: a UTF-16 unit takes at most 3 bytes in UTF-8. */
function messageBound(message: Message): number {
  const {key, value, headers} = message
  let bytes = typeof key === 'string' ? key.length * 3 : (key?.length ?? 0)
  bytes += typeof value === 'string' ? value.length * 3 : (value?.length ?? 0)
  if (headers) {
    for (const name in headers) {
      const header = headers[name]
      bytes += name.length * 3 + (typeof header === 'string' ? header.length * 3 : Buffer.isBuffer(header) ? header.length : 0)
    }
  }
  return bytes
}

/**
 * Chunks of at most `maxMessages` messages and `maxBytes` bytes (a larger message alone). A chunk's size is
 * taken from the messages' bounds while they fit (then the exact sizes fit too); once they would not, its
 * exact size is counted: the chunks are those of exact sizes, without counting every message's bytes.
 */
export function chunkMessages(messages: Message[], maxMessages = SEND_CHUNK, maxBytes = SEND_BYTES): Message[][] {
  const chunks: Message[][] = []
  let chunk: Message[] = []
  let bytes = 0
  let exact = false
  for (const message of messages) {
    let size = exact ? messageBytes(message) : messageBound(message)
    if (!exact && bytes + size > maxBytes) {
      exact = true
      bytes = 0
      for (const m of chunk) bytes += messageBytes(m)
      size = messageBytes(message)
    }
    if (chunk.length > 0 && (chunk.length >= maxMessages || bytes + size > maxBytes)) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
      exact = false
    }
    chunk.push(message)
    bytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

/**
 * The most a record adds to its batch besides the bytes of its key, value and headers: its length, attributes,
 * timestamp and offset deltas, key and value lengths and header count as varints, and two lengths per header
 * (for ten headers, as many as a dead letter has).
 */
export const RECORD_OVERHEAD_BYTES = 160

/**
 * How many messages and bytes (keys, values, headers) one request may take for a topic that accepts record
 * batches of at most `limit` bytes (its max.message.bytes): one partition's messages of a request are one
 * batch, which the broker refuses whole beyond the limit, again at every retry. The usual limit (1 MiB) leaves
 * the usual bounds; a smaller one fewer messages and bytes. A single larger message still goes alone (the
 * engine dead-letters an output its topic cannot take, and cuts a dead letter to fit, before the transaction).
 */
export function requestBounds(limit: number | undefined): {maxMessages: number; maxBytes: number} {
  if (limit === undefined) return {maxMessages: SEND_CHUNK, maxBytes: SEND_BYTES}
  const room = limit - BATCH_HEADER_BYTES
  const maxMessages = Math.max(1, Math.min(SEND_CHUNK, Math.floor(room / 2 / RECORD_OVERHEAD_BYTES)))
  return {maxMessages, maxBytes: Math.max(1, Math.min(SEND_BYTES, room - maxMessages * RECORD_OVERHEAD_BYTES))}
}

/**
 * A transaction's messages as the requests it sends: per topic (in the order of their first message), each
 * topic's messages in order, in chunks of bounded size (`chunkMessages`). Requests of a bounded size, in
 * messages (kafkajs's own grouping per partition was quadratic in a request's messages; produce-encoder.ts's
 * is linear) and in bytes (one partition's messages of a request are one record batch, which the broker
 * refuses beyond max.message.bytes: `limitOf` gives a topic's, see requestBounds).
 */
export function sendRequests(messages: readonly ProducedMessage[], limitOf: (topic: string) => number | undefined = () => undefined): Array<{topic: string; messages: Message[]}> {
  const byTopic = new Map<string, Message[]>()
  for (const m of messages) {
    let list = byTopic.get(m.topic)
    if (list === undefined) byTopic.set(m.topic, (list = []))
    const message: Message = {key: m.keyBytes ?? m.key, value: m.value}
    if (m.partition !== undefined) message.partition = m.partition
    if (m.headers) message.headers = m.headers
    list.push(message)
  }
  const requests: Array<{topic: string; messages: Message[]}> = []
  for (const [topic, list] of byTopic) {
    const {maxMessages, maxBytes} = requestBounds(limitOf(topic))
    for (const chunk of chunkMessages(list, maxMessages, maxBytes)) requests.push({topic, messages: chunk})
  }
  return requests
}

export class TransactionalProducer {
  private constructor(
    private readonly producer: Producer,
    private readonly brokers: string[],
    readonly transactionalId: string,
    private readonly messageLimits: ReadonlyMap<string, number>,
  ) {}

  /**
   * Connects and initialises the transactional id, fencing any previous producer with the same id.
   * `messageLimits`: the max.message.bytes of the topics it writes to (its requests stay within them).
   */
  static async connect(
    kafka: Kafka,
    brokers: string[],
    transactionalId: string,
    {timeoutMs = 30_000, messageLimits = new Map<string, number>()}: {timeoutMs?: number; messageLimits?: ReadonlyMap<string, number>} = {},
  ): Promise<TransactionalProducer> {
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
    return new TransactionalProducer(producer, brokers, transactionalId, messageLimits)
  }

  /**
   * Writes the messages and commits the consumed offset (with its metadata) in one transaction. On
   * failure the transaction is aborted if it can be, and a coded error is thrown: KAFKA_FENCED when another
   * producer took this transactional id over.
   */
  async commit(messages: ProducedMessage[], offsets?: TransactionOffsets): Promise<void> {
    if (messages.length === 0 && !offsets) return
    const transaction = await this.producer.transaction().catch((error: unknown) => {
      throw this.translate(error, 'begin a transaction')
    })
    try {
      for (const {topic, messages: chunk} of sendRequests(messages, (topic) => this.messageLimits.get(topic))) await transaction.send({topic, acks: -1, messages: chunk})
      if (offsets) {
        const request = {
          consumerGroupId: offsets.groupId,
          topics: [{topic: offsets.topic, partitions: [{partition: offsets.partition, offset: String(offsets.offset), metadata: offsets.metadata} as {partition: number; offset: string}]}],
        }
        // A transaction of offsets only starts with AddOffsetsToTxn, which kafkajs does not retry: while the
        // previous commit's markers are being written the coordinator answers CONCURRENT_TRANSACTIONS.
        // Nothing changed on the broker, so ask again shortly (as the Java client does).
        await retry(() => transaction.sendOffsets(request), {
          initialMs: 5,
          maxMs: 100,
          retriable: (error, attempt) => isConcurrentTransactions(error) && attempt < CONCURRENT_RETRIES,
        })
      }
      await transaction.commit()
    } catch (error) {
      if (kafkaErrorKind(error) !== 'fenced') await transaction.abort().catch(() => undefined)
      throw this.translate(error, 'commit a transaction')
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined)
  }

  private translate(error: unknown, doing: string): SstreamError {
    if (kafkaErrorKind(error) === 'fenced') {
      return new SstreamError('KAFKA_FENCED', `Another process took over ${this.transactionalId}.`, {cause: error, retriable: false})
    }
    return toKafkaError(error, this.brokers, doing)
  }
}
