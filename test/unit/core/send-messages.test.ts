/**
 * The producer's send (src/core/kafka/kafkajs/send-messages.ts, in place of kafkajs's
 * producer/sendMessages.js) retried across a leader move or a broker that the client's pool replaced, with a
 * fake cluster and fake brokers (pure logic: which records go in which produce request, with which sequence
 * numbers). kafkajs 2.2.4's own fails both: it never sends the partition whose leader moved, and sends again,
 * with new sequence numbers, what the replaced broker had taken.
 */
import {describe, expect, it, vi} from 'vitest'

import {createSendMessages} from '../../../src/core/kafka/kafkajs/send-messages.js'

interface ProduceCall {
  node: number
  partitions: Array<{partition: number; firstSequence: number; keys: string[]}>
}

type Leaders = Record<number, number>

/** A fake cluster: one topic, the given leaders; `refreshMetadata` moves to the next view. */
function fakeCluster(views: Array<{leaders: Leaders; generation: number}>, fail: (node: number, attempt: number) => Error | undefined) {
  let view = 0
  const brokers = new Map<string, {nodeId: number; produce(request: unknown): Promise<unknown>}>()
  const calls: ProduceCall[] = []
  const attempts = new Map<number, number>()
  const brokerOf = (nodeId: number) => {
    const id = `${views[view].generation}:${nodeId}`
    let broker = brokers.get(id)
    if (!broker) {
      broker = {
        nodeId,
        async produce({topicData}: {topicData: Array<{topic: string; partitions: Array<{partition: number; firstSequence: number; messages: Array<{key: string}>}>}>}) {
          const attempt = (attempts.get(nodeId) ?? 0) + 1
          attempts.set(nodeId, attempt)
          const partitions = topicData[0].partitions.map((p) => ({partition: p.partition, firstSequence: p.firstSequence, keys: p.messages.map((m) => m.key)}))
          calls.push({node: nodeId, partitions})
          const error = fail(nodeId, attempt)
          if (error) throw error
          return {topics: [{topicName: 't', partitions: partitions.map((p) => ({partition: p.partition, errorCode: 0, baseOffset: '0'}))}]}
        },
      }
      brokers.set(id, broker)
    }
    return broker
  }
  const cluster = {
    refreshMetadataIfNecessary: async () => undefined,
    refreshMetadata: async () => {
      view = Math.min(view + 1, views.length - 1)
    },
    addMultipleTargetTopics: async () => undefined,
    isConnected: () => true,
    removeBroker: () => undefined,
    findTopicPartitionMetadata: () => Object.keys(views[view].leaders).map((p) => ({partitionId: Number(p), leader: views[view].leaders[Number(p)]})),
    findLeaderForPartitions: (_topic: string, partitions: number[]) => {
      const byLeader: Record<number, number[]> = {}
      for (const p of partitions) (byLeader[views[view].leaders[p]] ??= []).push(Number(p))
      return byLeader
    },
    findBroker: async ({nodeId}: {nodeId: number}) => brokerOf(Number(nodeId)),
  }
  return {cluster, calls}
}

function sequences() {
  const next = new Map<number, number>()
  return {
    isTransactional: () => false,
    getProducerId: () => 1,
    getProducerEpoch: () => 0,
    getSequence: (_t: string, p: number) => next.get(p) ?? 0,
    updateSequence: (_t: string, p: number, n: number) => next.set(p, (next.get(p) ?? 0) + n),
    acquireBrokerLock: async () => undefined,
    releaseBrokerLock: async () => undefined,
  }
}

async function retrier<T>(work: (bail: (e: Error) => void, count: number, time: number) => Promise<T>): Promise<T> {
  let lastError: unknown
  for (let attempt = 0; attempt < 5; attempt++) {
    let bailed: Error | undefined
    try {
      return await work((e) => (bailed = e), attempt, 0)
    } catch (error) {
      lastError = error
    }
    if (bailed) throw bailed
  }
  throw lastError
}

const notLeader = (): Error => Object.assign(new Error('This server is not the leader for that topic-partition'), {name: 'KafkaJSProtocolError', type: 'NOT_LEADER_FOR_PARTITION', retriable: true})

function send(cluster: unknown) {
  const logger = {debug: () => undefined, error: () => undefined, info: () => undefined, warn: () => undefined}
  const partitioner = ({message}: {message: {partition: number}}) => message.partition
  return createSendMessages({logger, cluster: cluster as never, partitioner: partitioner as never, eosManager: sequences() as never, retrier: retrier as never})({
    acks: -1,
    timeout: 1000,
    topicMessages: [{topic: 't', messages: [{key: 'a', value: 'a', partition: 0}, {key: 'b', value: 'b', partition: 1}]}],
  })
}

describe('the producer send, retried', () => {
  it('sends a partition whose leader moved to a broker that already answered', async () => {
    // Partition 0 on node 1 (answers), partition 1 on node 2 (not the leader any more: it moved to node 1).
    const {cluster, calls} = fakeCluster([{leaders: {0: 1, 1: 2}, generation: 0}, {leaders: {0: 1, 1: 1}, generation: 0}], (node) => (node === 2 ? notLeader() : undefined))
    const results = (await send(cluster)) as Array<{partition: number}>
    const written = calls.filter((c) => c.node !== 2).flatMap((c) => c.partitions.map((p) => `${p.partition}@${p.firstSequence}`))
    expect(written.sort()).toEqual(['0@0', '1@0'])
    expect(results.map((r) => r.partition).sort()).toEqual([0, 1])
  })

  it('does not send again what a broker already took when the client replaced that broker between attempts', async () => {
    // Node 1 takes partition 0; node 2 fails once; the pool then holds new broker objects (a node left the
    // metadata and came back, or a connection was closed).
    const {cluster, calls} = fakeCluster([{leaders: {0: 1, 1: 2}, generation: 0}, {leaders: {0: 1, 1: 2}, generation: 1}], (node, attempt) => (node === 2 && attempt === 1 ? notLeader() : undefined))
    await send(cluster)
    const toNode1 = calls.filter((c) => c.node === 1)
    expect(toNode1.map((c) => c.partitions.map((p) => `${p.partition}@${p.firstSequence}`))).toEqual([['0@0']])
    // Node 2's partition: the same sequence number again after its failed attempt.
    expect(calls.filter((c) => c.node === 2).map((c) => c.partitions.map((p) => `${p.partition}@${p.firstSequence}`))).toEqual([['1@0'], ['1@0']])
  })

  it('starts no retry while a request of the attempt is still in flight', async () => {
    // Node 2 fails at once, node 1 answers later: the retry (to node 2) waits for node 1's answer.
    let node1Answered = false
    let node2Asks = 0
    let retriedEarly = false
    const {cluster} = fakeCluster([{leaders: {0: 1, 1: 2}, generation: 0}], (node, attempt) => (node === 2 && attempt === 1 ? notLeader() : undefined))
    const find = cluster.findBroker
    cluster.findBroker = async (query) => {
      const broker = await find(query)
      return {
        nodeId: broker.nodeId,
        produce: async (request: unknown) => {
          if (broker.nodeId === 2 && ++node2Asks > 1 && !node1Answered) retriedEarly = true
          if (broker.nodeId === 1) await new Promise((resolve) => setTimeout(resolve, 20))
          const answer = await broker.produce(request)
          if (broker.nodeId === 1) node1Answered = true
          return answer
        },
      }
    }
    await send(cluster)
    expect(node2Asks).toBe(2)
    expect(retriedEarly).toBe(false)
  })
})

describe('a transactional send while the coordinator completes the previous transaction', () => {
  const concurrent = (): Error => Object.assign(new Error('The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'), {name: 'KafkaJSProtocolError', type: 'CONCURRENT_TRANSACTIONS', retriable: true})

  function transactional(failures: number) {
    let asked = 0
    return {
      ...sequences(),
      isTransactional: () => true,
      getTransactionalId: () => 'tx',
      addPartitionsToTransaction: async () => {
        asked += 1
        if (asked <= failures) throw concurrent()
      },
      get asked() {
        return asked
      },
    }
  }

  function sendWith(cluster: unknown, eosManager: unknown, attempts: {count: number}) {
    const logger = {debug: () => undefined, error: () => undefined, info: () => undefined, warn: () => undefined}
    const partitioner = ({message}: {message: {partition: number}}) => message.partition
    const counting = (work: Parameters<typeof retrier>[0]) => retrier((bail, count, time) => ((attempts.count += 1), work(bail, count, time)))
    return createSendMessages({logger, cluster: cluster as never, partitioner: partitioner as never, eosManager: eosManager as never, retrier: counting as never})({
      acks: -1,
      timeout: 1000,
      topicMessages: [{topic: 't', messages: [{key: 'a', value: 'a', partition: 0}]}],
    })
  }

  it('asks AddPartitionsToTxn again within the attempt, without a metadata refresh', async () => {
    const {cluster, calls} = fakeCluster([{leaders: {0: 1}, generation: 0}, {leaders: {0: 1}, generation: 1}], () => undefined)
    let refreshes = 0
    cluster.refreshMetadata = async () => void (refreshes += 1)
    const eos = transactional(3)
    const attempts = {count: 0}
    await sendWith(cluster, eos, attempts)
    expect(eos.asked).toBe(4)
    expect(attempts.count).toBe(1)
    expect(refreshes).toBe(0)
    expect(calls.map((c) => c.partitions.map((p) => `${p.partition}@${p.firstSequence}`))).toEqual([['0@0']])
  })

  it('fails the attempt as before when the coordinator stays busy', async () => {
    const {cluster} = fakeCluster([{leaders: {0: 1}, generation: 0}], () => undefined)
    const eos = transactional(Number.POSITIVE_INFINITY)
    const attempts = {count: 0}
    vi.useFakeTimers()
    try {
      const sent = sendWith(cluster, eos, attempts)
      const failed = expect(sent).rejects.toMatchObject({type: 'CONCURRENT_TRANSACTIONS'})
      await vi.runAllTimersAsync()
      await failed
    } finally {
      vi.useRealTimers()
    }
    expect(attempts.count).toBe(5)
    // Each attempt asked again for about 250 ms before it failed.
    expect(eos.asked).toBeGreaterThan(5 * 5)
  })
})
