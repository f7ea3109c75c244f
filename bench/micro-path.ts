/**
 * The per-record CPU path without a broker: `npx tsx bench/micro-path.ts [COUNT]` encodes COUNT orders into
 * record batches (as the generators write them), then, in-process and repeated, decodes them as a fetch
 * response (kafkajs's own decoder and Batch, then sstream's) and runs sstream's analytics source task over
 * sstream's records. Prints CPU ms per million records for each step: where the processor's per-record
 * time goes, measured without a broker's noise.
 */
import {createRequire} from 'node:module'

import {Batch, decodeMessages} from '../src/core/kafka/fetch-decoder.js'
import {RecordBatchBuilder} from '../src/core/kafka/record-batch.js'
import {createOrderFactory} from '../src/core/generators/orders.js'
import {syntheticClock} from '../src/core/generators/clock.js'
import {analyticsPipeline} from '../src/core/pipelines/analytics.js'
import {SourceTask} from '../src/core/stream/source-task.js'
import {toConsumedRecords} from '../src/core/kafka/consumer.js'

import {kafkajsOriginal} from '../test/helpers/kafkajs-original.js'

const require = createRequire(import.meta.url)
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => never

const kafkajsDecodeMessages = kafkajsOriginal<(d: never) => Promise<unknown[]>>('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js')
const KafkajsBatch = kafkajsOriginal<new (topic: string, fetchedOffset: string, data: object) => {messages: unknown[]}>('kafkajs/src/consumer/batch.js')

const count = Number(process.argv[2] ?? 1_000_000)
const PER_FETCH = 40_000
const factory = createOrderFactory({seed: 3, clock: syntheticClock(1_700_000_000_000, 1)})
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
  process.stdout.write(`${label.padEnd(58)} ${runs[2].toFixed(0).padStart(6)} ms per million (min ${runs[0].toFixed(0)})\n`)
}

let sink = 0
await time('kafkajs decode + Batch (the ceiling\'s per-record work)', async () => {
  for (const set of sets) {
    const messages = await kafkajsDecodeMessages(new Decoder(set))
    sink += new KafkajsBatch('orders', '0', {partition: 0, highWatermark: String(offset), messages}).messages.length
  }
})
await time('sstream decode + Batch', async () => {
  for (const set of sets) {
    const messages = await decodeMessages(new Decoder(set))
    sink += new Batch('orders', '0', {partition: 0, highWatermark: String(offset), messages: messages as never}).messages.length
  }
})
await time('sstream decode + Batch + records + analytics task', async () => {
  const task = new SourceTask({definition: analyticsPipeline({inputTopic: 'orders', deadLetterTopic: 'dlq', sink: {kind: 'store', name: 's'} as never}), partition: 0, repartitionPartitions: 3})
  for (const set of sets) {
    const messages = await decodeMessages(new Decoder(set))
    const batch = new Batch('orders', '0', {partition: 0, highWatermark: String(offset), messages: messages as never})
    const out = await task.process(toConsumedRecords('orders', 0, batch.messages))
    sink += out.recordsIn
  }
})
process.stdout.write(`(${sink} records seen)\n`)
