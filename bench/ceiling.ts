/**
 * The raw ceiling of a pipeline benchmark: kafkajs reading the whole topic and discarding it, in the same
 * run. Timed like the pipelines, from the partitions' assignment (the group join) to the last record read.
 */
import {createKafka, KafkaAdmin} from '../src/core/kafka/index.js'
import type {BenchContext} from './lib.js'

export async function kafkajsConsumeCeiling(ctx: BenchContext, topic: string, count: number): Promise<number> {
  const groupId = `bench-ceiling-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
  const consumer = createKafka({brokers: ctx.brokers}).consumer({
    groupId,
    maxBytes: 64 * 1024 * 1024,
  })
  await consumer.connect()
  let started = 0
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (started === 0) started = performance.now()
  })
  await consumer.subscribe({topics: [topic], fromBeginning: true})
  let seen = 0
  const seconds = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({batch}) => {
        if (started === 0) started = performance.now()
        seen += batch.messages.length
        if (seen >= count) resolve((performance.now() - started) / 1000)
      },
    })
  })
  await consumer.disconnect()
  const admin = await KafkaAdmin.connect(ctx.brokers)
  await admin.deleteGroups([groupId]).finally(() => admin.close())
  return count / seconds
}
