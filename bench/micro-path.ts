/**
 * The per-record CPU path without a broker: `npx tsx bench/micro-path.ts [analytics|alerts|views] [COUNT]`
 * generates COUNT input records (orders, alerts or views, as the generators write them) into record batches,
 * then, in-process and repeated, decodes them as a fetch response (kafkajs's own decoder and Batch, then
 * sstream's) and runs the pipeline's source task over sstream's records; for alerts also the transaction's
 * messages as the producer sends them (grouped per topic and partition and encoded into produce requests,
 * `sendRequests` and the produce encoder). Prints CPU ms per million records for each step: where the
 * processor's per-record time goes, measured without a broker's noise.
 */
import {createRequire} from 'node:module'

import {Batch, decodeMessages} from '../src/core/kafka/kafkajs/fetch-decoder.js'
import {encodeProduceRequest, groupMessagesPerPartition, murmur2OfKey} from '../src/core/kafka/kafkajs/produce-encoder.js'
import {RecordBatchBuilder} from '../src/core/kafka/protocol/record-batch.js'
import {sendRequests} from '../src/core/kafka/producer.js'
import {createEventFactory} from '../src/core/generators/catalog.js'
import {syntheticClock} from '../src/core/generators/clock.js'
import {alertsPipeline} from '../src/core/pipelines/alerts.js'
import {analyticsPipeline} from '../src/core/pipelines/analytics.js'
import {viewsPipeline} from '../src/core/pipelines/views.js'
import {SourceTask} from '../src/core/stream/source-task.js'
import type {PipelineDefinition} from '../src/core/stream/types.js'
import {toConsumedRecords} from '../src/core/kafka/consumer.js'

import {kafkajsOriginal} from '../test/helpers/kafkajs-original.js'

const require = createRequire(import.meta.url)
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => never

const kafkajsDecodeMessages = kafkajsOriginal<(d: never) => Promise<unknown[]>>('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js')
const KafkajsBatch = kafkajsOriginal<new (topic: string, fetchedOffset: string, data: object) => {messages: unknown[]}>('kafkajs/src/consumer/batch.js')

const args = process.argv.slice(2)
const pipeline = (['analytics', 'alerts', 'views'].includes(args[0]) ? args.shift() : 'analytics') as 'analytics' | 'alerts' | 'views'
const count = Number(args[0] ?? 1_000_000)
/** Records per fetched partition: about what 256 KiB per partition brings. */
const PER_FETCH = 3000
const storeSink = {kind: 'store', name: 's', service: 'redis'} as never
const definitions: Record<typeof pipeline, () => PipelineDefinition<unknown>> = {
  analytics: () => analyticsPipeline({inputTopic: 'in', deadLetterTopic: 'dlq', sink: storeSink}) as PipelineDefinition<unknown>,
  alerts: () => alertsPipeline({inputTopic: 'in', deadLetterTopic: 'dlq', criticalTopic: 'critical', highVolumeTopic: 'high'}) as PipelineDefinition<unknown>,
  views: () => viewsPipeline({inputTopic: 'in', deadLetterTopic: 'dlq', userSink: storeSink, topicsSink: storeSink}) as PipelineDefinition<unknown>,
}
const factory = createEventFactory(pipeline === 'analytics' ? 'orders' : pipeline, {seed: 3, clock: syntheticClock(1_700_000_000_000, 1)})
const sets: Buffer[] = []
let offset = 0
for (let made = 0; made < count; made += PER_FETCH) {
  const batches: Buffer[] = []
  let builder = new RecordBatchBuilder(1024 * 1024)
  const keyBytes = Buffer.alloc(32)
  const flush = (): void => {
    const b = Buffer.from(builder.seal())
    b.writeBigInt64BE(BigInt(offset), 0)
    offset += builder.count
    batches.push(b)
    builder = new RecordBatchBuilder(1024 * 1024)
  }
  for (let i = 0; i < Math.min(PER_FETCH, count - made); i++) {
    const r = factory.next()
    const n = keyBytes.write(r.key!, 0)
    if (!builder.append(keyBytes, 0, n, r.value, r.timestamp)) {
      flush()
      builder.append(keyBytes, 0, n, r.value, r.timestamp)
    }
  }
  if (builder.count > 0) flush()
  const body = Buffer.concat(batches)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  sets.push(Buffer.concat([size, body]))
}

const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

async function time(label: string, work: () => Promise<void>): Promise<void> {
  await work() // warm-up
  const runs: number[] = []
  for (let i = 0; i < 5; i++) {
    const start = cpu()
    await work()
    runs.push(((cpu() - start) * 1_000_000) / count)
  }
  runs.sort((a, b) => a - b)
  process.stdout.write(`${label.padEnd(66)} ${runs[2].toFixed(0).padStart(6)} ms per million (min ${runs[0].toFixed(0)})\n`)
}

const partitionMetadata = [0, 1, 2].map((partitionId) => ({partitionId, leader: 0}))
const partitioner = ({message}: {message: unknown}): number => {
  const m = message as {key: unknown; partition?: number}
  return m.partition ?? (murmur2OfKey(m.key) & 0x7fffffff) % 3
}

let sink = 0
await time("kafkajs decode + Batch (the ceiling's per-record work)", async () => {
  for (const set of sets) {
    const messages = await kafkajsDecodeMessages(new Decoder(set))
    sink += new KafkajsBatch('in', '0', {partition: 0, highWatermark: String(offset), messages}).messages.length
  }
})
await time('sstream decode + Batch', async () => {
  for (const set of sets) {
    const messages = await decodeMessages(new Decoder(set))
    sink += new Batch('in', '0', {partition: 0, highWatermark: String(offset), messages: messages as never}).messages.length
  }
})
await time(`sstream decode + Batch + records + ${pipeline} task`, async () => {
  const task = new SourceTask({definition: definitions[pipeline](), partition: 0, repartitionPartitions: 3})
  for (const set of sets) {
    const messages = await decodeMessages(new Decoder(set))
    const batch = new Batch('in', '0', {partition: 0, highWatermark: String(offset), messages: messages as never})
    const out = await task.process(toConsumedRecords('in', 0, batch.messages))
    sink += out.recordsIn
  }
})
if (pipeline === 'alerts') {
  await time('the same + its messages into produce requests', async () => {
    const task = new SourceTask({definition: definitions[pipeline](), partition: 0, repartitionPartitions: 3})
    for (const set of sets) {
      const messages = await decodeMessages(new Decoder(set))
      const batch = new Batch('in', '0', {partition: 0, highWatermark: String(offset), messages: messages as never})
      const out = await task.process(toConsumedRecords('in', 0, batch.messages))
      for (const {topic, messages: chunk} of sendRequests(out.messages)) {
        const perPartition = groupMessagesPerPartition({topic, partitionMetadata, messages: chunk, partitioner})
        const partitions = Object.keys(perPartition).map((partition) => ({partition: Number(partition), firstSequence: 0, messages: perPartition[partition]}))
        const request = encodeProduceRequest({acks: -1, timeout: 30000, transactionalId: 'tx', producerId: 7, producerEpoch: 0, topicData: [{topic, partitions}]})
        sink += request?.length ?? 0
      }
    }
  })
}
process.stdout.write(`(${sink} seen)\n`)
