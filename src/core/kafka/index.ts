/**
 * The Kafka adapter's facade. Below it: protocol/ (a pure codec of Kafka's wire protocol: framing, requests,
 * record batches, SASL) and kafkajs/ (sstream's patches of kafkajs, installed by `installKafkajsPatches()`,
 * which the client factory runs before kafkajs loads).
 */
export {KafkaAdmin, type GroupLag, type PartitionOffsets, type TopicOffsets, type TopicReport, type TopicSpec, type TopicStatus} from './admin.js'
export {createKafka, diagnoseKafkaError, isKafkaConnectionError, RUNNING_RETRY, STARTUP_RETRY, toKafkaError, withKafkaDeadline, type KafkaClientOptions} from './client.js'
export {kafkaClientSettings, type KafkaClientSettings} from './settings.js'
export {
  createGeneratorProducer,
  DELIVERY_TIMEOUT_MS,
  type GeneratorProducer,
  type GeneratorProducerOptions,
  type GeneratorProducerStats,
  type ProducerRecord,
} from './generator-producer.js'
export {messageKey, messageOffset} from './kafkajs/fetch-decoder.js'
export {installKafkajsPatches} from './kafkajs/index.js'
export {crc32c, murmur2, partitionForKey} from './protocol/record-batch.js'
export {readTopic, type IsolationLevel, type ReadTopicOptions, type ReadTopicResult, type TopicRecord} from './topic-reader.js'
