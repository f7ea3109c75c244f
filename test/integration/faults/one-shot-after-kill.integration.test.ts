/**
 * One-shot commands (`status`, `tail`, `gen`) run in the first seconds after a node of a three-node cluster
 * was killed with SIGKILL, before the controller has moved that node's leaders: the cluster answers, so they
 * wait for the leaders to move instead of failing with "Can't reach Kafka".
 */
import {afterAll, beforeAll, describe, expect, it, onTestFinished} from 'vitest'

import {KafkaAdmin} from '../../../src/core/kafka/index.js'
import {lastJson, runCli} from '../../helpers/cli.js'
import {startPrivateCluster, waitForNode, type PrivateCluster} from './private-cluster.js'

let cluster: PrivateCluster
const topic = `oneshot-${Date.now()}`

beforeAll(async () => {
  cluster = await startPrivateCluster()
  const admin = await KafkaAdmin.connect(cluster.brokers)
  try {
    await admin.ensureTopics([{topic, partitions: 3, replicationFactor: 3}])
  } finally {
    await admin.close()
  }
}, 180_000)

afterAll(async () => {
  await cluster?.destroy()
})

describe('one-shot commands right after a node of the cluster is killed', () => {
  it('status, tail and gen wait for the leaders to move and succeed', async () => {
    const brokers = cluster.brokers.join(',')
    const first = await runCli(['gen', 'orders', '--brokers', brokers, '--topic', topic, '--count', '300', '--rate', 'max', '--seed', '1', '--json'])
    expect(first.code, first.stderr).toBe(0)

    // Every node leads a partition (3 partitions over 3 nodes); kill the one leading partition 0.
    const killed = cluster.node(await cluster.leaderOf(topic, 0))
    await killed.stop('SIGKILL')
    onTestFinished(async () => {
      await killed.start()
      await waitForNode(killed)
    })

    const [status, tail, gen] = await Promise.all([
      runCli(['status', '--brokers', brokers, '--all', '--json'], {timeoutMs: 60_000}),
      runCli(['tail', topic, '--brokers', brokers, '--from-beginning', '--exit-at-end', '--json'], {timeoutMs: 60_000}),
      runCli(['gen', 'orders', '--brokers', brokers, '--topic', topic, '--count', '300', '--rate', 'max', '--seed', '2', '--json']),
    ])
    expect(status.code, status.stdout + status.stderr).toBe(0)
    expect(lastJson<{topics: Array<{topic: string; records: number}>}>(status.stdout).topics.find((t) => t.topic === topic)?.records).toBeGreaterThanOrEqual(300)
    expect(tail.code, tail.stderr).toBe(0)
    // Every record up to the end the topic had when tail started (the 300 written before, and those of the
    // concurrent gen it had by then), each once: a consumer restarted after the crash prints nothing twice.
    const lines = tail.stdout.trim().split('\n').map((line) => JSON.parse(line) as {type: string; partition: number; offset: string; records?: number})
    const printed = lines.filter((line) => line.type === 'record')
    expect(printed.length).toBeGreaterThanOrEqual(300)
    expect(new Set(printed.map((r) => `${r.partition}:${r.offset}`)).size).toBe(printed.length)
    expect(lines.at(-1)).toMatchObject({type: 'summary', records: printed.length})
    expect(gen.code, gen.stderr).toBe(0)
    expect(lastJson<{sent: number}>(gen.stdout).sent).toBe(300)
  }, 180_000)
})
