/**
 * Faults of Kafka itself, on a private three-node cluster (replication factor 3, min.insync.replicas=2), one
 * cluster for the file:
 * - sstream's own generator writes every record exactly once while the leader of a partition it writes to
 *   is killed with SIGKILL (the producer refreshes its metadata on NOT_LEADER and leader-epoch errors), and
 *   through a rolling restart of the three nodes;
 * - `run analytics`, fed live, through kill -9 of the leader of an input partition, then of the group
 *   coordinator, then of the transaction coordinator of one of its tasks (each started again before the
 *   next), then a rolling restart of the three nodes: order_summary must equal the batch recomputation of the input topic, with no partial aggregate
 *   dead-lettered as late. It found some, or windows short of partials, until the input partitions' idleness
 *   was measured between the broker's answers (src/core/stream/idle-evidence.ts), kafkajs's send retried
 *   per partition (src/core/kafka/kafkajs/send-messages.ts: a retry across a node crash wrote records twice
 *   in one transaction, or not at all) and the repartition topic got the input topic's replicas (with one
 *   replica, its partitions on a killed node were offline, and commits failed on too few in-sync replicas).
 *   One failed run also held a hanging transaction in the repartition topic (an abandoned attempt without
 *   abort marker, committed with the producer's next epoch); it has not been seen since, but its cause was
 *   not found: if this test fails with late partials, read the repartition partition with read_uncommitted.
 * - alerts, views, leaderboard and predictions (the model in the process), run together, each on its own
 *   topics, fed live by an idempotent producer that retries every 12 s (four-pipelines.ts, shared with the
 *   single-broker test of broker-crash), through kill -9 of the leader of an input partition, then of the
 *   transaction coordinator of a views task, then of the group coordinator of predictions (each node started
 *   again before the next): each input topic holds every record once and in order, and each output (the
 *   alerts topics, the views' MariaDB rows and Redis board, the leaderboard, the labels) equals its batch
 *   recomputation. It failed with alerts one late record short in a run where a task's first transaction
 *   failed (nothing committed yet) and its next commit started at offset 28: with nothing committed, a task
 *   went on from where its consumer stood, past the records the failed transaction took. Such a task now
 *   starts at its partition's first offset (src/core/stream/task-host.ts).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runGenerator} from '../../../src/core/generators/index.js'
import {createKafka, KafkaAdmin, readTopic} from '../../../src/core/kafka/index.js'
import {runAnalytics} from '../../../src/core/pipelines/analytics.js'
import type {PipelineEvent} from '../../../src/core/stream/index.js'
import {uniqueName} from '../../helpers/names.js'
import {createTestDatabase, waitFor, type SeedRecord} from '../stream/fixtures.js'
import {expectedSummaries, rowsAsWindows} from '../stream/orders-data.js'
import {startFourPipelines} from './four-pipelines.js'
import {startPrivateCluster, waitForNode, type PrivateCluster} from './private-cluster.js'

let cluster: PrivateCluster
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  cluster = await startPrivateCluster(3)
}, 300_000)

afterAll(async () => {
  for (const step of cleanups.reverse()) await step().catch(() => undefined)
  await cluster?.destroy()
})

/** The coordinator of a group (type 0) or a transactional id (type 1), asked through kafkajs's cluster. */
async function coordinatorOf(key: string, coordinatorType: 0 | 1): Promise<number> {
  const kafka = createKafka({brokers: cluster.brokers, clientId: 'sstream-test'})
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')
  if (!symbol) throw new Error('kafkajs no longer has its private createCluster: find the coordinator another way')
  const client = (kafka as unknown as Record<symbol, (options: object) => {connect(): Promise<void>; disconnect(): Promise<void>; refreshMetadata(): Promise<void>; findGroupCoordinatorMetadata(o: object): Promise<{coordinator: {nodeId: number}}>}>)[symbol]({})
  await client.connect()
  try {
    await client.refreshMetadata()
    const {coordinator} = await client.findGroupCoordinatorMetadata({groupId: key, coordinatorType})
    return coordinator.nodeId
  } finally {
    await client.disconnect()
  }
}

/** SIGKILL of a node, a pause, and the node started again until it answers. */
async function crashNode(id: number, log: string[], what: string): Promise<void> {
  const node = cluster.node(id)
  await node.stop('SIGKILL')
  log.push(`${new Date().toISOString()} ${what}: node ${id} killed`)
  await new Promise((resolve) => setTimeout(resolve, 5000))
  const at = Date.now()
  await node.start()
  await waitForNode(node)
  log.push(`${what}: node ${id} killed, back after ${Date.now() - at} ms`)
}

async function createTopics(...topics: string[]): Promise<void> {
  const admin = await KafkaAdmin.connect(cluster.brokers)
  try {
    await admin.ensureTopics(topics.map((topic) => ({topic, partitions: 3, replicationFactor: 3})))
  } finally {
    await admin.close()
  }
}

/**
 * The orders generator writing to `topic` until `stop()` (a stop signal, so that the feed lasts as long as the
 * faults do), which lets it write 2 s more and then ends it.
 */
function liveFeed(topic: string, rate: number, seed: number): {stop(): ReturnType<typeof runGenerator>} {
  const stopFeed = new AbortController()
  const feed = runGenerator({generator: 'orders', brokers: cluster.brokers, topic, rate, seed, signal: stopFeed.signal})
  feed.catch(() => undefined) // awaited by stop()
  return {
    stop: async () => {
      await new Promise((resolve) => setTimeout(resolve, 2000))
      stopFeed.abort()
      return feed
    },
  }
}

/** The topic holds each of the `sent` records the generator wrote once. */
async function expectEachRecordOnce(topic: string, sent: number, log: string[]): Promise<void> {
  const keys: string[] = []
  await readTopic({brokers: cluster.brokers, topic, fromBeginning: true, exitAtEnd: true, onRecord: (r) => keys.push(r.key ?? '')})
  expect(sent, log.join('\n')).toBeGreaterThan(0)
  expect(keys, log.join('\n')).toHaveLength(sent)
  expect(new Set(keys).size).toBe(sent)
}

describe('the generator on a three-node cluster through kill -9 of a partition leader', () => {
  it('writes every record exactly once while the node leading a partition it writes to is killed, and says it retried', async () => {
    const topic = uniqueName('t-orders-gen')
    await createTopics(topic)
    // Fed until the node is back.
    const feed = liveFeed(topic, 250, 7)
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const log: string[] = []
    // The node that leads partition 0, killed with SIGKILL while the generator writes to it, then started again.
    await crashNode(await cluster.leaderOf(topic, 0), log, `leader of ${topic}:0`)
    const fed = await feed.stop()

    await expectEachRecordOnce(topic, fed.sent, log)
    // The crash was seen: sends to the dead leader failed and were sent again to the new one.
    expect(fed.errors, log.join('\n')).toBeGreaterThan(0)
  })
})

/** Waits until every partition of the topics (of every topic, internal ones included, by default) has its three replicas in sync again. */
async function waitForFullIsr(topics?: string[], timeoutMs = 90_000): Promise<void> {
  const admin = createKafka({brokers: cluster.brokers, clientId: 'sstream-test'}).admin()
  await admin.connect()
  try {
    await waitFor(
      async () => {
        const {topics: described} = await admin.fetchTopicMetadata(topics ? {topics} : undefined)
        return described.flatMap((t) => t.partitions).every((p) => p.isr.length === 3)
      },
      (full) => full,
      {what: `three replicas in sync on ${topics?.join(', ') ?? 'every topic'}`, timeoutMs},
    )
  } finally {
    await admin.disconnect()
  }
}

/** Each node in turn: SIGTERM, started again, and every partition's replicas in sync before the next. */
async function rollingRestart(log: string[], topics?: string[]): Promise<void> {
  for (const node of cluster.nodes) {
    await node.stop('SIGTERM')
    log.push(`${new Date().toISOString()} node ${node.id} stopped`)
    await node.start()
    await waitForNode(node)
    await waitForFullIsr(topics)
    log.push(`${new Date().toISOString()} node ${node.id} back, replicas in sync`)
  }
}

describe('a rolling restart of the three-node cluster under the generator', () => {
  it('restarts each node in turn (SIGTERM, start, replicas in sync again) and loses no record nor writes one twice', async () => {
    const topic = uniqueName('t-orders-roll')
    await createTopics(topic)
    // Fed until the last node is back.
    const feed = liveFeed(topic, 250, 11)
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const log: string[] = []
    await rollingRestart(log, [topic])
    const fed = await feed.stop()

    await expectEachRecordOnce(topic, fed.sent, log)
  })
})

describe('analytics on a three-node cluster through kill -9 of a leader and of the coordinators, then a rolling restart', () => {
  it('survives a kill -9 of the input leader, the group coordinator and the transaction coordinator, then a rolling restart of the three nodes; the generator writes every record once', async () => {
    const input = uniqueName('t-orders')
    const deadLetters = uniqueName('t-dlq')
    await createTopics(input, deadLetters)
    const groupId = uniqueName('cluster-analytics')
    const db = await createTestDatabase()
    cleanups.push(() => db.drop())
    const events: PipelineEvent[] = []
    // Fed until the last node of the rolling restart is back.
    const feed = liveFeed(input, 300, 21)
    const run = runAnalytics({brokers: cluster.brokers, groupId, mariadbUrl: db.url, inputTopic: input, deadLetterTopic: deadLetters, table: 'order_summary', idleTimeoutMs: 3000, untilIdle: true, onEvent: (e) => events.push(e.type === 'deadletter' ? {...e, message: `${new Date().toISOString()} ${e.message}`} : e)})
    run.catch(() => undefined) // awaited below
    await waitFor(() => events.filter((e) => e.type === 'result').length, (n) => n > 0, {what: 'a first window written', timeoutMs: 120_000})

    const log: string[] = []
    await crashNode(await cluster.leaderOf(input, 0), log, `leader of ${input}:0`)
    await crashNode(await coordinatorOf(groupId, 0), log, 'group coordinator')
    await crashNode(await coordinatorOf(`${groupId}-analytics-${input}-0`, 1), log, 'transaction coordinator of the task of partition 0')
    await rollingRestart(log)
    const fed = await feed.stop()
    const summary = await run

    const records: Array<SeedRecord & {offset: number}> = []
    await readTopic({brokers: cluster.brokers, topic: input, fromBeginning: true, exitAtEnd: true, onRecord: (r) => records.push({partition: r.partition, offset: Number(r.offset), key: r.key ?? '', value: r.value ?? '', timestamp: r.timestamp})})
    records.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    // The generator: every record once, none twice.
    expect(fed.sent).toBeGreaterThan(0)
    expect(records).toHaveLength(fed.sent)
    expect(new Set(records.map((r) => r.key)).size).toBe(fed.sent)

    const expected = expectedSummaries(records)
    const rows = await db.pool.query('SELECT INTERVAL_TIMESTAMP, PRODUCT, TOTAL_VALUE, ORDER_COUNT FROM order_summary')
    const late = events.filter((e) => e.type === 'deadletter').map((e) => JSON.stringify(e)).slice(0, 12)
    log.push(...late)
    expect(summary.late, log.join('\n')).toBe(expected.late)
    expect(rowsAsWindows(rows), log.join('\n')).toEqual(expected.windows)
  }, 360_000)
})

describe('alerts, views, leaderboard and predictions on a three-node cluster through kill -9 of a leader and of the coordinators', () => {
  it('survive a kill -9 of an input leader, then of a transaction coordinator, then of a group coordinator under a live feed: each output equals its batch recomputation', async () => {
    const pipelines = await startFourPipelines({
      brokers: cluster.brokers,
      createTopics: async (prefixes) => {
        const names = prefixes.map((p) => uniqueName(`t-${p}`))
        await createTopics(...names)
        return names
      },
      name: 'cluster',
      rate: 60,
      count: 3600,
      seed: 41,
      cleanups,
    })
    // Each pipeline has its tasks (and their transactional producers) and has written to its outputs before
    // the first kill (the leaderboard emits no result events: its board, read from Redis, shows its writes).
    const wrote = (list: (typeof pipelines.events)['alerts']) => list.some((e) => e.type === 'result' || (e.type === 'board' && e.rows.length > 0))
    await waitFor(() => Object.values(pipelines.events).map(wrote), (each) => each.every(Boolean), {what: 'a first output from each pipeline', timeoutMs: 90_000})

    const log: string[] = []
    const crash = async (id: number, what: string): Promise<void> => {
      if (!pipelines.feeding()) throw new Error(`the feed ended before the kill of the ${what}: make it longer`)
      await crashNode(id, log, what)
    }
    const {inputs, groupIds} = pipelines
    await crash(await cluster.leaderOf(inputs.alerts, 0), `leader of ${inputs.alerts}:0`)
    await crash(await coordinatorOf(`${groupIds.views}-views-${inputs.views}-0`, 1), 'transaction coordinator of the views task of partition 0')
    await crash(await coordinatorOf(groupIds.predictions, 0), 'group coordinator of predictions')
    if (!pipelines.feeding()) throw new Error('the feed ended before the last node was back: make it longer')
    // What the runs said of Kafka meanwhile, for the messages.
    for (const [pipeline, list] of Object.entries(pipelines.events)) {
      log.push(...list.flatMap((e) => (e.type === 'status' ? [`${pipeline} ${e.time} ${e.service} ${e.state}: ${e.message}`] : [])).slice(0, 20))
    }
    await pipelines.finish(log.join('\n'))
  }, 360_000)
})
