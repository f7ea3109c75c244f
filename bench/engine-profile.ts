/**
 * Profiles `run analytics` alone (the engine's hot path), apart from the preloading and beside the kafkajs
 * consume-and-discard ceiling over the same topic. `node --import tsx bench/engine-profile.ts preload COUNT`
 * prepares a topic and a database and prints their id; `... run ID COUNT` processes them (with
 * `node --cpu-prof` to profile); `... ceiling ID COUNT` reads the topic with a bare kafkajs
 * consumer; `... cleanup ID` removes them. `npm run bench -- pipelines` is the documented measurement.
 */
import {readConfig} from '../src/core/config/index.js'
import {KafkaAdmin} from '../src/core/kafka/index.js'
import {applyMigrations, createMariaPool} from '../src/core/mariadb/index.js'
import {Kafka, logLevel} from 'kafkajs'

import {runAnalytics} from '../src/core/pipelines/analytics.js'

/** Preloads orders with kafkajs (recent timestamps, 1 ms apart). */
async function generateOrders(brokers: string[], topic: string, count: number): Promise<void> {
  const producer = new Kafka({brokers, logLevel: logLevel.NOTHING}).producer()
  await producer.connect()
  const products: Array<[string, number]> = [['Keyboard', 25.0], ['Mouse', 10.5], ['Monitor', 140.0]]
  const start = Date.now() - 3_600_000
  for (let i = 0; i < count; i += 10_000) {
    const messages = []
    for (let j = i; j < Math.min(count, i + 10_000); j++) {
      const [product, price] = products[j % 3]
      messages.push({key: String(1_700_000_000 + j), value: JSON.stringify({orderId: 1_700_000_000 + j, product, quantity: 1 + (j % 4), price}), timestamp: String(start + j)})
    }
    await producer.send({topic, messages})
  }
  await producer.disconnect()
}

const config = readConfig()
const [mode, arg1, arg2] = process.argv.slice(2)
const names = (id: string) => ({topic: `prof-orders-${id}`, dlq: `prof-dlq-${id}`, db: `prof_${id}`, url: `mariadb://root@127.0.0.1:3306/prof_${id}`})
if (mode === 'preload') {
  const id = Date.now().toString(36)
  const count = Number(arg1 ?? '300000')
  const n = names(id)
  const admin = await KafkaAdmin.connect(config.kafkaBrokers)
  await admin.ensureTopics([n.topic, n.dlq].map((t) => ({topic: t, partitions: 3, replicationFactor: 1})))
  await admin.close()
  await generateOrders(config.kafkaBrokers, n.topic, count)
  const root = createMariaPool('mariadb://root@127.0.0.1:3306', {connectionLimit: 1})
  await root.query(`CREATE DATABASE ${n.db}`)
  await root.end()
  const pool = createMariaPool(n.url, {connectionLimit: 1})
  await applyMigrations(pool)
  await pool.end()
  process.stdout.write(`${id}\n`)
} else if (mode === 'run') {
  const n = names(arg1)
  const count = Number(arg2)
  let assigned = 0
  let done = 0
  const summary = await runAnalytics({
    brokers: config.kafkaBrokers, groupId: `prof-${arg1}-${Date.now().toString(36)}`, mariadbUrl: n.url, inputTopic: n.topic, deadLetterTopic: n.dlq, table: 'order_summary',
    untilIdle: true, idleTimeoutMs: 1000, statsIntervalMs: 100,
    onEvent: (e) => {
      if (e.type === 'assigned' && !assigned) assigned = performance.now()
      if (e.type === 'stats' && e.recordsIn >= count && !done) done = performance.now()
    },
  })
  process.stdout.write(`${summary.recordsIn} records, ${Math.round((count / (done - assigned)) * 1000)} records/s over ${Math.round(done - assigned)} ms\n`)
} else if (mode === 'ceiling') {
  const {kafkajsConsumeCeiling} = await import('./ceiling.js')
  const rate = await kafkajsConsumeCeiling({brokers: config.kafkaBrokers, mariadbUrl: '', redisUrl: '', scale: 1, log: () => undefined}, names(arg1).topic, Number(arg2))
  process.stdout.write(`ceiling ${Math.round(rate)} records/s\n`)
} else if (mode === 'cleanup') {
  const n = names(arg1)
  const root = createMariaPool('mariadb://root@127.0.0.1:3306', {connectionLimit: 1})
  await root.query(`DROP DATABASE IF EXISTS ${n.db}`)
  await root.end()
  const admin = await KafkaAdmin.connect(config.kafkaBrokers)
  const topics = (await admin.listTopics()).filter((t) => t === n.topic || t === n.dlq || t.startsWith(`prof-${arg1}-`))
  await admin.deleteTopics(topics)
  await admin.close()
}
