import type {KafkaSecurity} from '../config/index.js'
import {KafkaAdmin, type TopicReport} from '../kafka/index.js'
import {ALL_TOPICS} from '../names.js'

export interface SetupKafkaOptions {
  brokers: string[]
  security?: KafkaSecurity
  partitions: number
  replicationFactor: number
  /** Topics to create; the nine sstream topics by default. */
  topics?: readonly string[]
}

export interface SetupKafkaResult {
  brokers: string[]
  topics: TopicReport[]
  created: number
  existing: number
  mismatched: number
}

/** Creates every sstream topic that is missing; reports the existing ones and those whose settings differ. */
export async function setupKafka(options: SetupKafkaOptions): Promise<SetupKafkaResult> {
  const admin = await KafkaAdmin.connect(options.brokers, {security: options.security})
  try {
    const topics = await admin.ensureTopics(
      (options.topics ?? ALL_TOPICS).map((topic) => ({topic, partitions: options.partitions, replicationFactor: options.replicationFactor})),
    )
    return {
      brokers: options.brokers,
      topics,
      created: topics.filter((t) => t.status === 'created').length,
      existing: topics.filter((t) => t.status === 'exists').length,
      mismatched: topics.filter((t) => t.status === 'mismatch').length,
    }
  } finally {
    await admin.close()
  }
}
