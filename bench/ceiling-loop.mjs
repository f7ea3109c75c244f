/**
 * The raw ceiling's loop, in a process of its own: stock kafkajs (none of the changes sstream makes to
 * kafkajs when its client factory installs its patches) reading a whole topic in a fresh consumer group and discarding it.
 * `node bench/ceiling-loop.mjs BROKERS TOPIC COUNT` prints the records per second, timed from the group
 * join to the last record read, and deletes its group. With `--import tsx` and SSTREAM_CEILING_DECODER=1 it
 * installs sstream's fetch decoder and read_committed filter first (the same loop over the decoder sstream
 * reads with); kafkajs is loaded after that.
 */

const [brokers, topic, countArg] = process.argv.slice(2)
const count = Number(countArg)
if (!brokers || !topic || !Number.isInteger(count) || count < 1) {
  process.stderr.write('node bench/ceiling-loop.mjs BROKERS TOPIC COUNT\n')
  process.exit(2)
}
if (process.env.SSTREAM_CEILING_DECODER === '1') {
  ;(await import('../src/core/kafka/kafkajs/read-committed.ts')).installReadCommittedFilter()
  ;(await import('../src/core/kafka/kafkajs/fetch-decoder.ts')).installFastFetch()
}
const {Kafka, logLevel} = await import('kafkajs')
const kafka = new Kafka({clientId: 'sstream-bench-ceiling', brokers: brokers.split(','), logLevel: logLevel.NOTHING})
const groupId = `bench-ceiling-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
const consumer = kafka.consumer({groupId, maxBytes: 64 * 1024 * 1024})
await consumer.connect()
let started = 0
consumer.on(consumer.events.GROUP_JOIN, () => {
  if (started === 0) started = performance.now()
})
await consumer.subscribe({topics: [topic], fromBeginning: true})
let seen = 0
const seconds = await new Promise((resolve) => {
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
const admin = kafka.admin()
await admin.connect()
await admin.deleteGroups([groupId]).catch(() => undefined)
await admin.disconnect()
process.stdout.write(`${Math.round(count / seconds)}\n`)
