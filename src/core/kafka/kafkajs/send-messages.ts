/**
 * kafkajs's producer send (`producer/sendMessages.js`), with its retries keyed by partition. kafkajs 2.2.4
 * remembers which *broker objects* answered and, on a retry, sends again to every broker object it has no
 * answer from, each with the partitions that broker leads now. Two things go wrong when a send is retried
 * across a node crash (a transaction's send does, for as long as the node is away):
 * - a partition whose leader moved to a broker that had already answered is never sent: the send succeeds
 *   without its records (lost from the transaction, which then commits);
 * - a broker object that the client's pool replaced between two attempts (a node that left the cluster's
 *   metadata and came back, a closed connection) has no answer, so everything that broker leads is sent
 *   again, with the next sequence numbers: the broker appends the records a second time (written twice in
 *   one transaction).
 * Also, a failed request let the retry start while the others were still in flight. Here each partition's
 * records are sent until one answer takes them, once: a retry sends only the partitions without an answer,
 * to their leaders of then, after every request of the attempt has settled.
 *
 * A transaction's first send follows the previous transaction's EndTxn at once, and while the coordinator
 * still writes that transaction's markers it answers AddPartitionsToTxn with CONCURRENT_TRANSACTIONS. kafkajs
 * retried the whole send after its retry time (20 ms for a transactional producer of the engine) and a
 * metadata refresh; here AddPartitionsToTxn is asked again after a few milliseconds, as the engine's producer
 * does for AddOffsetsToTxn (src/core/kafka/producer.ts), and only then does the send fail as before.
 *
 * Like the other patches, `installSendMessages()` puts it in Node's module cache before kafkajs loads its
 * producer (`installKafkajsPatches()` in index.ts); `sendMessagesInstalled()` says whether it worked.
 */
import {createRequire} from 'node:module'

import {retry} from '../../async.js'
import {installModule} from './module-cache.js'

const require = createRequire(import.meta.url)

const sendMessagesPath = require.resolve('kafkajs/src/producer/sendMessages.js')
const {KafkaJSMetadataNotLoaded} = require('kafkajs/src/errors.js') as {KafkaJSMetadataNotLoaded: new (message: string) => Error}
const {staleMetadata} = require('kafkajs/src/protocol/error.js') as {staleMetadata(error: unknown): boolean}
const responseSerializer = require('kafkajs/src/producer/responseSerializer.js') as (response: unknown) => unknown[]

interface Message {
  partition?: number
  key?: unknown
  value?: unknown
}

type Broker = {nodeId: number; produce(request: object): Promise<unknown>}

interface Cluster {
  refreshMetadataIfNecessary(): Promise<void>
  refreshMetadata(): Promise<void>
  addMultipleTargetTopics(topics: string[]): Promise<void>
  isConnected(): boolean
  connect(): Promise<void>
  removeBroker(address: {host: string; port: number}): void
  findTopicPartitionMetadata(topic: string): Array<{partitionId: number; leader: number}>
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>
  findBroker(query: {nodeId: number | string}): Promise<Broker>
}

interface EosManager {
  isTransactional(): boolean
  getTransactionalId(): string
  getProducerId(): number
  getProducerEpoch(): number
  getSequence(topic: string, partition: number): number
  updateSequence(topic: string, partition: number, increment: number): void
  addPartitionsToTransaction(topicData: TopicData[]): Promise<void>
  acquireBrokerLock(broker: Broker): Promise<void>
  releaseBrokerLock(broker: Broker): Promise<void>
}

/**
 * AddPartitionsToTxn answered CONCURRENT_TRANSACTIONS is asked again after 2, 3, 5 … ms, for about 250 ms in
 * all (the coordinator writes the previous transaction's markers in a few milliseconds).
 */
const CONCURRENT_RETRY = {initialMs: 2, maxMs: 25, multiplier: 1.5, budgetMs: 250}

/** The coordinator is still completing this producer's previous transaction. */
function isConcurrentTransactions(error: unknown): boolean {
  return (error as {type?: string} | undefined)?.type === 'CONCURRENT_TRANSACTIONS'
}

interface TopicData {
  topic: string
  partitions: Array<{partition: number; messages: Message[]; firstSequence?: number}>
}

interface Logger {
  debug(message: string, extra?: object): void
  error(message: string, extra?: object): void
}

type Retrier = <T>(work: (bail: (error: Error) => void, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>
type Partitioner = (args: {topic: string; partitionMetadata: unknown; message: Message}) => number

interface SendOptions {
  logger: Logger
  cluster: Cluster
  partitioner: Partitioner
  eosManager: EosManager
  retrier: Retrier
}

interface SendRequest {
  acks: number
  timeout: number
  compression?: number
  topicMessages: Array<{topic: string; messages: Message[]}>
}

export function createSendMessages({logger, cluster, partitioner, eosManager, retrier}: SendOptions): (request: SendRequest) => Promise<unknown[]> {
  // Loaded on first use, through the module cache: sstream's grouping (produce-encoder.ts) when installed.
  const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {topic: string; partitionMetadata: unknown; messages: Message[]; partitioner: Partitioner}) => Record<string, Message[]>
  return async ({acks, timeout, compression, topicMessages}) => {
    /** Each partition's messages, grouped once (the partitioner's choice must not change between attempts). */
    let grouped: Map<string, Record<string, Message[]>> | undefined
    /** The answers, by "topic/partition": a partition with an answer is never sent again. */
    const answered = new Map<string, unknown[]>()

    const attempt = async (): Promise<void> => {
      await cluster.refreshMetadataIfNecessary()
      if (!grouped) {
        const groups = new Map<string, Record<string, Message[]>>()
        for (const {topic, messages} of topicMessages) {
          const partitionMetadata = cluster.findTopicPartitionMetadata(topic)
          if (partitionMetadata.length === 0) {
            logger.debug('Producing to topic without metadata', {topic})
            throw new KafkaJSMetadataNotLoaded('Producing to topic without metadata')
          }
          groups.set(topic, groupMessagesPerPartition({topic, partitionMetadata, messages, partitioner}))
        }
        grouped = groups
      }
      // The partitions still to send, by their leader of now.
      const perLeader = new Map<number, TopicData[]>()
      for (const [topic, perPartition] of grouped) {
        const pending = Object.keys(perPartition).filter((partition) => !answered.has(`${topic}/${partition}`)).map(Number)
        if (pending.length === 0) continue
        const leaders = cluster.findLeaderForPartitions(topic, pending)
        for (const [nodeId, partitions] of Object.entries(leaders)) {
          const list = perLeader.get(Number(nodeId)) ?? []
          list.push({topic, partitions: partitions.map((partition) => ({partition, messages: perPartition[partition]}))})
          perLeader.set(Number(nodeId), list)
        }
        const led = new Set(Object.values(leaders).flat().map(Number))
        if (pending.some((partition) => !led.has(partition))) throw Object.assign(new Error(`No leader known for a partition of ${topic}`), {name: 'KafkaJSProtocolError', type: 'LEADER_NOT_AVAILABLE', retriable: true})
      }
      const requests = [...perLeader].map(async ([nodeId, topicData]) => {
        const broker = await cluster.findBroker({nodeId})
        await eosManager.acquireBrokerLock(broker)
        try {
          if (eosManager.isTransactional()) await retry(() => eosManager.addPartitionsToTransaction(topicData), {...CONCURRENT_RETRY, retriable: isConcurrentTransactions})
          for (const {topic, partitions} of topicData) {
            for (const entry of partitions) {
              entry.firstSequence = eosManager.getSequence(topic, entry.partition)
              eosManager.updateSequence(topic, entry.partition, entry.messages.length)
            }
          }
          let response: unknown
          try {
            response = await broker.produce({
              transactionalId: eosManager.isTransactional() ? eosManager.getTransactionalId() : undefined,
              producerId: eosManager.getProducerId(),
              producerEpoch: eosManager.getProducerEpoch(),
              acks,
              timeout,
              compression,
              topicData,
            })
          } catch (error) {
            // Not taken: the same sequence numbers go with the next attempt (a broker that took them after
            // all answers that attempt as a duplicate, without writing the records again).
            for (const {topic, partitions} of topicData) for (const entry of partitions) eosManager.updateSequence(topic, entry.partition, -entry.messages.length)
            throw error
          }
          const results = acks !== 0 ? (responseSerializer(response) as Array<{topicName: string; partition: number}>) : []
          for (const {topic, partitions} of topicData) {
            for (const {partition} of partitions) answered.set(`${topic}/${partition}`, results.filter((r) => r.topicName === topic && r.partition === partition))
          }
        } finally {
          await eosManager.releaseBrokerLock(broker)
        }
      })
      // Every request of the attempt settles before the next one starts: none is still in flight then.
      const settled = await Promise.allSettled(requests)
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
      if (failed) throw failed.reason
    }

    return retrier(async (bail, retryCount, retryTime) => {
      await cluster.addMultipleTargetTopics(topicMessages.map(({topic}) => topic))
      try {
        await attempt()
        return [...answered.values()].flat()
      } catch (e) {
        const error = e as Error & {host?: string; port?: number; type?: string; retriable?: boolean}
        if (error.name === 'KafkaJSConnectionClosedError') cluster.removeBroker({host: error.host!, port: error.port!})
        if (!cluster.isConnected()) {
          logger.debug(`Cluster has disconnected, reconnecting: ${error.message}`, {retryCount, retryTime})
          await cluster.connect()
          await cluster.refreshMetadata()
          throw error
        }
        if (
          staleMetadata(error) ||
          error.name === 'KafkaJSMetadataNotLoaded' ||
          error.name === 'KafkaJSConnectionError' ||
          error.name === 'KafkaJSConnectionClosedError' ||
          (error.name === 'KafkaJSProtocolError' && error.retriable)
        ) {
          logger.error(`Failed to send messages: ${error.message}`, {retryCount, retryTime})
          await cluster.refreshMetadata()
          throw error
        }
        logger.error(`${error.message}`, {retryCount, retryTime})
        if (error.retriable) throw error
        bail(error)
        return []
      }
    })
  }
}

export function installSendMessages(): void {
  installModule(sendMessagesPath, createSendMessages)
}

/** Whether kafkajs's producer sends through this module (false if kafkajs's producer was loaded before it was installed). */
export function sendMessagesInstalled(): boolean {
  return require.cache[sendMessagesPath]?.exports === createSendMessages
}
