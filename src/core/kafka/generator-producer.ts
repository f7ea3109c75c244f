/**
 * The generators' producer: idempotent, acks from all in-sync replicas, one topic, keys partitioned as
 * Kafka's default partitioner does. It speaks the Kafka protocol itself (record batches encoded straight
 * into buffers) because kafkajs's per-record encoding caps a generator far below what the broker takes.
 *
 * Delivery: records are appended to one open batch per partition; a single sender sends, per partition
 * leader, one request at a time holding the oldest batch of each partition. A batch's producer id and
 * sequence are stamped when it is first sent and never change, so a retry after a lost connection or a
 * broker restart is deduplicated by the broker: no loss, no duplicates. A record counts as acknowledged only
 * once the broker said so. Errors that retries cannot fix (or retries beyond the delivery timeout) fail the
 * producer: every pending send is rejected with a coded SstreamError.
 */
import {DEFAULT_KAFKA_PORT, parseHostPort} from '../address.js'
import {Backoff, backoffDelay, sleep} from '../async.js'
import type {KafkaSecurity} from '../config/index.js'
import {SstreamError} from '../errors.js'
import {diagnoseKafkaError, toKafkaError} from './client.js'
import {
  API,
  decodeInitProducerIdResponse,
  decodeMetadataResponse,
  decodeProduceResponse,
  DUPLICATE_SEQUENCE_NUMBER,
  encodeInitProducerIdRequest,
  encodeMetadataRequest,
  encodeProduceRequest,
  errorName,
  RETRIABLE_ERRORS,
  UNKNOWN_TOPIC_OR_PARTITION,
  type ClusterMetadata,
} from './protocol/protocol.js'
import {nextSequence, partitionForKey, RecordBatchBuilder, stampRecordBatch} from './protocol/record-batch.js'
import {kafkaClientSettings} from './settings.js'
import {BrokerConnection, KafkaConnectionError, type BrokerConnectionOptions} from './protocol/wire.js'
import {createTopicsCommand} from '../names.js'

export interface ProducerRecord {
  key: string
  value: string
  /** Epoch ms, the record's CreateTime. */
  timestamp: number
}

export interface GeneratorProducerOptions {
  brokers: string[]
  /** TLS and SASL, as for every Kafka client (kafkaClientSettings); plaintext when absent. */
  security?: KafkaSecurity
  topic: string
  clientId?: string
  /** How long start-up may take before an unreachable broker is reported (default 6 s). */
  startupTimeoutMs?: number
  connectTimeoutMs?: number
  requestTimeoutMs?: number
  /** How long a batch may keep failing before the producer gives up (default DELIVERY_TIMEOUT_MS). */
  deliveryTimeoutMs?: number
  /** Upper bound of one record batch (default 1,000,000 bytes, under Kafka's default max.message.bytes). */
  maxBatchBytes?: number
  /** Aborts start-up. */
  signal?: AbortSignal
}

/** How long a batch may keep failing before the producer gives up, by default: 2 min. */
export const DELIVERY_TIMEOUT_MS = 120_000

export interface GeneratorProducerStats {
  /** Records the broker acknowledged. */
  acked: number
  /** Records accepted by send() and not acknowledged yet. */
  buffered: number
  /** Failed attempts that were retried (lost connections, leader changes, broker restarts). */
  retries: number
}

export interface GeneratorProducer {
  readonly topic: string
  readonly partitions: number
  readonly stats: GeneratorProducerStats
  /** Appends records; resolves once all of them are acknowledged, rejects if the producer fails. */
  send(records: readonly ProducerRecord[]): Promise<void>
  /** Resolves once everything sent so far is acknowledged. */
  flush(): Promise<void>
  /** Closes the connections; sends that are still pending are rejected. */
  close(): Promise<void>
}

interface Delivery {
  remaining: number
  resolve(): void
  reject(error: Error): void
}

interface QueuedBatch {
  builder: RecordBatchBuilder
  /** The sealed and stamped bytes, once the batch has been sent. */
  bytes?: Buffer
  firstAttemptAt?: number
  deliveries: Array<{delivery: Delivery; count: number}>
}

const ACKS_ALL = -1
/** Between attempts to reach the cluster at start: 200 ms doubling to 3.2 s, within the connect deadline. */
const CONNECT_BACKOFF = {initialMs: 200, maxMs: 3200}
/** Between rounds of the sender that had something to retry (a leader moved, a broker is down). */
const SEND_BACKOFF = {initialMs: 100, maxMs: 5000}

export async function createGeneratorProducer(options: GeneratorProducerOptions): Promise<GeneratorProducer> {
  const producer = new IdempotentProducer(options)
  await producer.start()
  return producer
}

class IdempotentProducer implements GeneratorProducer {
  readonly topic: string
  partitions = 0
  readonly stats: GeneratorProducerStats = {acked: 0, buffered: 0, retries: 0}

  private readonly clientId: string
  private readonly startupTimeoutMs: number
  private readonly connectTimeoutMs: number
  private readonly requestTimeoutMs: number
  private readonly deliveryTimeoutMs: number
  private readonly maxBatchBytes: number
  /** TLS and SASL for every connection. */
  private readonly connectionSettings: Pick<BrokerConnectionOptions, 'tls' | 'sasl'>

  private metadata: ClusterMetadata = {brokers: new Map(), topicError: 0, leaders: new Map()}
  private readonly connections = new Map<number, Promise<BrokerConnection>>()
  private producerId = -1n
  private producerEpoch = 0
  private sequences: number[] = []
  private queues: QueuedBatch[][] = []
  private keyScratch = Buffer.allocUnsafe(1024)
  private senderRunning = false
  private failure: SstreamError | undefined
  private closed = false
  private idleWaiters: Array<{resolve(): void; reject(error: Error): void}> = []
  private lastError: unknown

  constructor(private readonly options: GeneratorProducerOptions) {
    this.topic = options.topic
    this.clientId = options.clientId ?? 'sstream-generator'
    this.startupTimeoutMs = options.startupTimeoutMs ?? 6000
    this.connectTimeoutMs = options.connectTimeoutMs ?? 3000
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS
    this.maxBatchBytes = options.maxBatchBytes ?? 1_000_000
    const {tls, sasl} = kafkaClientSettings(options.security)
    this.connectionSettings = {...(tls ? {tls} : {}), ...(sasl ? {sasl} : {})}
  }

  /** Finds the topic's partition leaders and gets a producer id, or fails clearly within the start-up timeout. */
  async start(): Promise<void> {
    const {brokers, signal} = this.options
    if (brokers.length === 0) {
      throw new SstreamError('USAGE', 'No Kafka broker is configured.', {nextSteps: ['Pass --brokers host:port or set SSTREAM_KAFKA_BROKERS.']})
    }
    const deadline = Date.now() + this.startupTimeoutMs
    let lastError: unknown
    let refusedSince: number | undefined
    let probed = false
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      // Nothing listening anywhere for a while: no need to wait for the whole start-up timeout.
      if (refusedSince !== undefined && Date.now() - refusedSince > this.startupTimeoutMs / 2) break
      if (signal?.aborted) throw new SstreamError('INTERRUPTED', 'Interrupted while connecting to Kafka.')
      const address = parseHostPort(brokers[attempt % brokers.length], DEFAULT_KAFKA_PORT)
      let connection: BrokerConnection | undefined
      try {
        connection = await BrokerConnection.connect(address, {
          ...this.connectionSettings,
          clientId: this.clientId,
          timeoutMs: Math.max(250, Math.min(this.connectTimeoutMs, deadline - Date.now())),
        })
        const metadata = decodeMetadataResponse(
          await connection.request(API.metadata, 8, [encodeMetadataRequest(this.topic)], this.requestTimeoutMs),
          this.topic,
        )
        if (metadata.topicError === UNKNOWN_TOPIC_OR_PARTITION) throw this.topicMissing()
        if (metadata.topicError !== 0 || metadata.leaders.size === 0 || [...metadata.leaders.values()].some((leader) => leader < 0)) {
          throw new KafkaConnectionError(`the partitions of ${this.topic} have no leader yet (${errorName(metadata.topicError)})`)
        }
        const init = decodeInitProducerIdResponse(
          await connection.request(API.initProducerId, 1, [encodeInitProducerIdRequest()], this.requestTimeoutMs),
        )
        if (init.error !== 0) {
          if (RETRIABLE_ERRORS.has(init.error)) throw new KafkaConnectionError(`no producer id yet (${errorName(init.error)})`)
          throw new SstreamError('KAFKA_ERROR', `Kafka refused an idempotent producer id: ${errorName(init.error)}.`)
        }
        this.metadata = metadata
        this.partitions = metadata.leaders.size
        this.producerId = init.producerId
        this.producerEpoch = init.producerEpoch
        this.sequences = Array.from({length: this.partitions}, () => 0)
        this.queues = Array.from({length: this.partitions}, () => [])
        connection.close()
        return
      } catch (error) {
        connection?.close()
        if (error instanceof SstreamError) throw error
        // A refused login or an untrusted certificate does not get better with retries.
        const translated = toKafkaError(error, brokers, `accept records for ${this.topic}`)
        if (translated.code === 'KAFKA_AUTH' || translated.code === 'KAFKA_TLS') throw translated
        // A broker that took the connection and then dropped it may speak another protocol (TLS on a plaintext
        // listener, or the reverse): asked once, at the first such failure, that error comes at once.
        if (!probed && (error as {code?: string}).code !== 'ECONNREFUSED') {
          probed = true
          const diagnosed = await diagnoseKafkaError(error, brokers, this.options.security, `accept records for ${this.topic}`)
          if (diagnosed.code === 'KAFKA_TLS') throw diagnosed
        }
        lastError = error
        refusedSince = (error as {code?: string}).code === 'ECONNREFUSED' ? (refusedSince ?? Date.now()) : undefined
        await sleep(Math.min(backoffDelay(attempt, CONNECT_BACKOFF), Math.max(0, deadline - Date.now())))
      }
    }
    throw await diagnoseKafkaError(lastError ?? new KafkaConnectionError('Connection timeout'), brokers, this.options.security, `accept records for ${this.topic}`)
  }

  send(records: readonly ProducerRecord[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.closed) return Promise.reject(new SstreamError('KAFKA_ERROR', 'The producer is closed.'))
    if (records.length === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const delivery: Delivery = {remaining: records.length, resolve, reject}
      try {
        for (const record of records) this.append(record, delivery)
      } catch (error) {
        this.fail(error instanceof SstreamError ? error : new SstreamError('INVALID_INPUT', `A record can't be sent: ${(error as Error).message}`))
        if (this.failure) reject(this.failure)
        return
      }
      this.stats.buffered += records.length
      this.wakeSender()
    })
  }

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.stats.buffered === 0) return Promise.resolve()
    return new Promise((resolve, reject) => this.idleWaiters.push({resolve, reject}))
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.stats.buffered > 0 && !this.failure) this.fail(new SstreamError('INTERRUPTED', 'The producer was closed before every record was acknowledged.'))
    for (const connection of this.connections.values()) connection.then((c) => c.close(), () => undefined)
    this.connections.clear()
  }

  private append(record: ProducerRecord, delivery: Delivery): void {
    let keyLength = this.keyScratch.write(record.key, 0, 'utf8')
    if (keyLength >= this.keyScratch.length - 3) {
      this.keyScratch = Buffer.allocUnsafe(Buffer.byteLength(record.key, 'utf8') * 2 + 16)
      keyLength = this.keyScratch.write(record.key, 0, 'utf8')
    }
    const partition = partitionForKey(this.keyScratch, this.partitions, 0, keyLength)
    const queue = this.queues[partition]
    let open = queue.at(-1)
    if (!open || open.bytes) {
      open = {builder: new RecordBatchBuilder(this.maxBatchBytes), deliveries: []}
      queue.push(open)
    }
    if (!open.builder.append(this.keyScratch, 0, keyLength, record.value, record.timestamp)) {
      open = {builder: new RecordBatchBuilder(this.maxBatchBytes), deliveries: []}
      queue.push(open)
      open.builder.append(this.keyScratch, 0, keyLength, record.value, record.timestamp)
    }
    const last = open.deliveries.at(-1)
    if (last?.delivery === delivery) last.count++
    else open.deliveries.push({delivery, count: 1})
  }

  private wakeSender(): void {
    if (this.senderRunning || this.failure || this.closed) return
    this.senderRunning = true
    void this.runSender().finally(() => {
      this.senderRunning = false
    })
  }

  /** Sends, per leader, the oldest batch of each partition; one request per leader at a time. */
  private async runSender(): Promise<void> {
    const backoff = new Backoff(SEND_BACKOFF)
    while (!this.failure && !this.closed) {
      const byLeader = new Map<number, number[]>()
      for (let partition = 0; partition < this.partitions; partition++) {
        if (this.queues[partition].length === 0) continue
        const leader = this.metadata.leaders.get(partition) ?? -1
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition])
      }
      if (byLeader.size === 0) {
        for (const waiter of this.idleWaiters.splice(0)) waiter.resolve()
        return
      }
      const outcomes = await Promise.all([...byLeader].map(([leader, partitions]) => this.sendToLeader(leader, partitions)))
      if (this.failure) return
      const retry = outcomes.some((ok) => !ok)
      if (!retry) {
        backoff.reset()
        continue
      }
      this.checkDeliveryTimeout()
      if (this.failure) return
      await sleep(backoff.next())
      await this.refreshMetadata()
    }
  }

  /** One Produce request to a leader; false when something has to be retried. */
  private async sendToLeader(leader: number, partitions: number[]): Promise<boolean> {
    if (leader < 0) {
      this.stats.retries++
      return false
    }
    const batches = partitions.map((partition) => ({partition, bytes: this.headBytes(partition)}))
    let results
    try {
      const connection = await this.connection(leader)
      const body = await connection.request(API.produce, 8, encodeProduceRequest(this.topic, ACKS_ALL, this.requestTimeoutMs, batches), this.requestTimeoutMs + 5000)
      results = decodeProduceResponse(body)
    } catch (error) {
      this.dropConnection(leader)
      this.stats.retries++
      this.lastError = error
      return false
    }
    let ok = true
    for (const result of results) {
      if (result.error === 0 || result.error === DUPLICATE_SEQUENCE_NUMBER) {
        this.acknowledge(result.partition)
      } else if (RETRIABLE_ERRORS.has(result.error)) {
        this.stats.retries++
        this.lastError = new Error(`${errorName(result.error)}${result.message ? `: ${result.message}` : ''}`)
        ok = false
      } else {
        this.fail(
          new SstreamError(
            'KAFKA_ERROR',
            `Kafka refused records for ${this.topic} partition ${result.partition}: ${errorName(result.error)}${result.message ? ` (${result.message})` : ''}.`,
          ),
        )
        return false
      }
    }
    return ok
  }

  /** The oldest batch of a partition, sealed and stamped on its first send. */
  private headBytes(partition: number): Buffer {
    const head = this.queues[partition][0]
    if (!head.bytes) {
      const bytes = head.builder.seal()
      stampRecordBatch(bytes, this.producerId, this.producerEpoch, this.sequences[partition])
      this.sequences[partition] = nextSequence(this.sequences[partition], head.builder.count)
      head.bytes = bytes
      head.firstAttemptAt = Date.now()
    }
    return head.bytes
  }

  private acknowledge(partition: number): void {
    const head = this.queues[partition].shift()
    if (!head) return
    this.stats.acked += head.builder.count
    this.stats.buffered -= head.builder.count
    for (const {delivery, count} of head.deliveries) {
      delivery.remaining -= count
      if (delivery.remaining === 0) delivery.resolve()
    }
  }

  private checkDeliveryTimeout(): void {
    const now = Date.now()
    for (const queue of this.queues) {
      const head = queue[0]
      if (head?.firstAttemptAt !== undefined && now - head.firstAttemptAt > this.deliveryTimeoutMs) {
        const cause = toKafkaError(this.lastError ?? new KafkaConnectionError('Connection timeout'), this.options.brokers, `accept records for ${this.topic}`)
        this.fail(
          new SstreamError(cause.code, `${cause.message} Records waited more than ${Math.round(this.deliveryTimeoutMs / 1000)} s to be acknowledged.`, {
            cause: this.lastError,
            nextSteps: cause.nextSteps,
          }),
        )
        return
      }
    }
  }

  private async refreshMetadata(): Promise<void> {
    const nodes = [...this.metadata.brokers.keys()]
    for (const node of nodes) {
      try {
        const connection = await this.connection(node)
        const metadata = decodeMetadataResponse(
          await connection.request(API.metadata, 8, [encodeMetadataRequest(this.topic)], this.requestTimeoutMs),
          this.topic,
        )
        if (metadata.topicError === UNKNOWN_TOPIC_OR_PARTITION) {
          this.fail(this.topicMissing())
          return
        }
        if (metadata.brokers.size > 0) this.metadata = {...metadata, brokers: new Map([...this.metadata.brokers, ...metadata.brokers])}
        return
      } catch (error) {
        this.dropConnection(node)
        this.lastError = error
      }
    }
  }

  /** The connection to a broker, opened on first use and again after it broke. */
  private async connection(node: number): Promise<BrokerConnection> {
    let connecting = this.connections.get(node)
    if (connecting && (await connecting.then((c) => c.closed, () => true))) {
      if (this.connections.get(node) === connecting) this.connections.delete(node)
      connecting = undefined
    }
    if (!connecting) {
      const address = this.metadata.brokers.get(node)
      if (!address) throw new KafkaConnectionError(`broker ${node} is not in the cluster metadata`)
      const opening = BrokerConnection.connect(address, {...this.connectionSettings, clientId: this.clientId, timeoutMs: this.connectTimeoutMs})
      opening.catch(() => {
        if (this.connections.get(node) === opening) this.connections.delete(node)
      })
      this.connections.set(node, opening)
      connecting = opening
    }
    return connecting
  }

  private dropConnection(node: number): void {
    const existing = this.connections.get(node)
    this.connections.delete(node)
    existing?.then((c) => c.close(), () => undefined)
  }

  private fail(error: SstreamError): void {
    if (this.failure) return
    this.failure = error
    const deliveries = new Set<Delivery>()
    for (const queue of this.queues) for (const batch of queue) for (const {delivery} of batch.deliveries) deliveries.add(delivery)
    for (const delivery of deliveries) delivery.reject(error)
    for (const waiter of this.idleWaiters.splice(0)) waiter.reject(error)
    this.queues = this.queues.map(() => [])
    this.stats.buffered = 0
    for (const connection of this.connections.values()) connection.then((c) => c.close(), () => undefined)
    this.connections.clear()
  }

  private topicMissing(): SstreamError {
    return new SstreamError('TOPIC_MISSING', `The topic ${this.topic} doesn't exist on Kafka at ${this.options.brokers.join(',')}.`, {
      nextSteps: [`Create it with ${createTopicsCommand([this.topic])},`, 'or name an existing topic with --topic.'],
    })
  }
}
