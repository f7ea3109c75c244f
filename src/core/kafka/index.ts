// Before kafkajs: installs the fixed read_committed filter (see read-committed.ts), the faster fetch
// decoder (see fetch-decoder.ts) and the faster produce request encoder (see produce-encoder.ts).
import './read-committed.js'
import './fetch-decoder.js'
import './produce-encoder.js'

export {KafkaAdmin, type GroupLag, type PartitionOffsets, type TopicOffsets, type TopicReport, type TopicSpec, type TopicStatus} from './admin.js'
export {createKafka, isKafkaConnectionError, RUNNING_RETRY, STARTUP_RETRY, toKafkaError, withKafkaDeadline, type KafkaClientOptions} from './client.js'
export {
  createGeneratorProducer,
  type GeneratorProducer,
  type GeneratorProducerOptions,
  type GeneratorProducerStats,
  type ProducerRecord,
} from './generator-producer.js'
export {messageKey, messageOffset} from './fetch-decoder.js'
export {crc32c, murmur2, partitionForKey} from './record-batch.js'
export {readTopic, type IsolationLevel, type ReadTopicOptions, type ReadTopicResult, type TopicRecord} from './topic-reader.js'
