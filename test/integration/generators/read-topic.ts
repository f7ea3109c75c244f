/**
 * Reads every record of a topic (partition by partition, in offset order) for the generator tests.
 */
import {readTopic, type IsolationLevel, type TopicRecord} from '../../../src/core/kafka/index.js'
import {testConfig} from '../../helpers/services.js'

export async function readAll(topic: string, {isolation}: {isolation?: IsolationLevel} = {}): Promise<TopicRecord[]> {
  const records: TopicRecord[] = []
  await readTopic({brokers: testConfig.kafkaBrokers, topic, fromBeginning: true, exitAtEnd: true, isolation, onRecord: (r) => records.push(r)})
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
}

/** What makes two topics identical: partition, offset, key, value and timestamp of every record. */
export function fingerprint(records: readonly TopicRecord[]): string[] {
  return records.map((r) => JSON.stringify([r.partition, r.offset, r.key, r.value, r.timestamp]))
}
