/**
 * Kafka as the stream engine's platform: implements the ports src/core/stream defines (ports.ts) with the
 * adapter's consumer group member, transactional producers and admin client. The errors they throw are
 * already classified here (KAFKA_FENCED, KAFKA_REBALANCE, retriable).
 */
import type {KafkaSecurity} from '../config/index.js'
import type {PartitionSource, PartitionSourceOptions, StreamPlatform, TaskProducer} from '../stream/ports.js'
import {KafkaAdmin} from './admin.js'
import {createKafka, RUNNING_RETRY} from './client.js'
import {GroupConsumer} from './consumer.js'
import {TransactionalProducer} from './producer.js'

export interface KafkaPlatformOptions {
  brokers: string[]
  security?: KafkaSecurity
  clientId: string
}

/** The Kafka platform of a long-running processor (patient retries: outages pause the work). */
export function kafkaStreamPlatform(options: KafkaPlatformOptions): StreamPlatform {
  const {brokers, security} = options
  const kafka = createKafka({brokers, clientId: options.clientId, retry: RUNNING_RETRY, security})
  return {
    address: brokers.join(','),
    connectCatalog: () => KafkaAdmin.connect(brokers, {security}),
    startSource: (source: PartitionSourceOptions): Promise<PartitionSource> => GroupConsumer.start({...source, kafka, brokers, ...(security ? {security} : {})}),
    connectProducer: (transactionalId: string, messageLimits?: ReadonlyMap<string, number>): Promise<TaskProducer> =>
      TransactionalProducer.connect(kafka, brokers, transactionalId, messageLimits ? {messageLimits} : {}),
  }
}
