/**
 * The transactional producer's coordinators (src/core/kafka/kafkajs/coordinator-cache.ts): looked up once per
 * key, forgotten when a request to them fails, with a fake cluster and fake brokers.
 */
import {createRequire} from 'node:module'

import {describe, expect, it} from 'vitest'

import {coordinatorCacheInstalled, rememberingCoordinators} from '../../../src/core/kafka/kafkajs/coordinator-cache.js'
import {installKafkajsPatches} from '../../../src/core/kafka/kafkajs/index.js'

// The engine's patches of kafkajs, as the client factory installs them, before anything loads kafkajs.
installKafkajsPatches()

const require = createRequire(import.meta.url)

function fakeCluster() {
  let coordinator = 1
  const lookups: string[] = []
  const failing = new Set<number>()
  const missing = new Set<number>()
  const brokers = new Map<number, {nodeId: number; calls: number; endTxn(): Promise<string>; describe(): string}>()
  const brokerOf = (nodeId: number) => {
    let broker = brokers.get(nodeId)
    if (!broker) {
      broker = {
        nodeId,
        calls: 0,
        async endTxn() {
          this.calls += 1
          if (failing.has(nodeId)) throw Object.assign(new Error('This is not the correct coordinator.'), {type: 'NOT_COORDINATOR', retriable: true})
          return `ended by ${nodeId}`
        },
        describe() {
          return `broker ${this.nodeId}`
        },
      }
      brokers.set(nodeId, broker)
    }
    return broker
  }
  const cluster = {
    retry: {retries: 3},
    metadataRefreshes: 0,
    async findGroupCoordinator({groupId, coordinatorType}: {groupId: string; coordinatorType?: number}) {
      lookups.push(`${coordinatorType ?? 0}:${groupId}`)
      return brokerOf(coordinator)
    },
    async findBroker({nodeId}: {nodeId: number}) {
      if (missing.has(nodeId)) throw Object.assign(new Error(`Broker ${nodeId} not found`), {name: 'KafkaJSBrokerNotFound'})
      return brokerOf(nodeId)
    },
    async refreshMetadata() {
      this.metadataRefreshes += 1
    },
  }
  return {
    cluster,
    lookups,
    brokerOf,
    moveTo: (nodeId: number) => (coordinator = nodeId),
    failing,
    missing,
  }
}

describe('rememberingCoordinators', () => {
  it('looks each coordinator up once while its requests succeed', async () => {
    const fake = fakeCluster()
    const cluster = rememberingCoordinators(fake.cluster)
    for (let i = 0; i < 5; i++) {
      const txn = await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})
      await expect((txn as ReturnType<typeof fake.brokerOf>).endTxn()).resolves.toBe('ended by 1')
      await cluster.findGroupCoordinator({groupId: 'group', coordinatorType: 0})
    }
    expect(fake.lookups).toEqual(['1:tx-1', '0:group'])
    expect(fake.brokerOf(1).calls).toBe(5)
  })

  it('passes everything else through to the cluster, with the cluster as `this`', async () => {
    const fake = fakeCluster()
    const cluster = rememberingCoordinators(fake.cluster)
    expect(cluster.retry).toEqual({retries: 3})
    await cluster.refreshMetadata()
    expect(fake.cluster.metadataRefreshes).toBe(1)
    const broker = (await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})) as ReturnType<typeof fake.brokerOf>
    expect(broker.nodeId).toBe(1)
    expect(broker.describe()).toBe('broker 1')
  })

  it('forgets a coordinator whose request failed, and finds the one that took over', async () => {
    const fake = fakeCluster()
    const cluster = rememberingCoordinators(fake.cluster)
    const first = (await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})) as ReturnType<typeof fake.brokerOf>
    await first.endTxn()
    // The coordinator moves: the old node answers NOT_COORDINATOR.
    fake.moveTo(2)
    fake.failing.add(1)
    const stale = (await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})) as ReturnType<typeof fake.brokerOf>
    expect(stale.nodeId).toBe(1)
    await expect(stale.endTxn()).rejects.toMatchObject({type: 'NOT_COORDINATOR'})
    const moved = (await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})) as ReturnType<typeof fake.brokerOf>
    expect(moved.nodeId).toBe(2)
    await expect(moved.endTxn()).resolves.toBe('ended by 2')
    expect(fake.lookups).toEqual(['1:tx-1', '1:tx-1'])
  })

  it('asks the cluster again when the remembered node is no longer in its pool', async () => {
    const fake = fakeCluster()
    const cluster = rememberingCoordinators(fake.cluster)
    await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})
    fake.missing.add(1)
    fake.moveTo(3)
    const broker = (await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})) as ReturnType<typeof fake.brokerOf>
    expect(broker.nodeId).toBe(3)
    expect(fake.lookups).toEqual(['1:tx-1', '1:tx-1'])
  })

  it('keeps a coordinator that answers CONCURRENT_TRANSACTIONS (it is the coordinator, still busy)', async () => {
    const fake = fakeCluster()
    const cluster = rememberingCoordinators(fake.cluster)
    const broker = (await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})) as ReturnType<typeof fake.brokerOf>
    broker.endTxn = async () => {
      throw Object.assign(new Error('concurrent'), {type: 'CONCURRENT_TRANSACTIONS', retriable: true})
    }
    await expect(broker.endTxn()).rejects.toMatchObject({type: 'CONCURRENT_TRANSACTIONS'})
    await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})
    expect(fake.lookups).toEqual(['1:tx-1'])
  })

  it('keeps one coordinator per key: a failure forgets only its own', async () => {
    const fake = fakeCluster()
    const cluster = rememberingCoordinators(fake.cluster)
    const txn = (await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})) as ReturnType<typeof fake.brokerOf>
    await cluster.findGroupCoordinator({groupId: 'group', coordinatorType: 0})
    fake.failing.add(1)
    await expect(txn.endTxn()).rejects.toThrow()
    fake.failing.delete(1)
    await cluster.findGroupCoordinator({groupId: 'group', coordinatorType: 0})
    await cluster.findGroupCoordinator({groupId: 'tx-1', coordinatorType: 1})
    expect(fake.lookups).toEqual(['1:tx-1', '0:group', '1:tx-1'])
  })
})

interface EosManager {
  initProducerId(): Promise<void>
  beginTransaction(): void
  addPartitionsToTransaction(topicData: Array<{topic: string; partitions: Array<{partition: number}>}>): Promise<void>
  sendOffsets(request: {consumerGroupId: string; topics: Array<{topic: string; partitions: Array<{partition: number; offset: string}>}>}): Promise<void>
  commit(): Promise<void>
}

describe("kafkajs's transaction manager", () => {
  it('is the wrapped one', () => {
    expect(coordinatorCacheInstalled()).toBe(true)
  })

  it('finds its coordinators once over many transactions (kafkajs asked before every request)', async () => {
    const createEosManager = require('kafkajs/src/producer/eosManager/index.js') as (options: object) => EosManager
    const requests: string[] = []
    const lookups: string[] = []
    const broker = {
      nodeId: 1,
      initProducerId: async () => (requests.push('InitProducerId'), {producerId: 7, producerEpoch: 0}),
      addPartitionsToTxn: async () => void requests.push('AddPartitionsToTxn'),
      addOffsetsToTxn: async () => void requests.push('AddOffsetsToTxn'),
      txnOffsetCommit: async () => void requests.push('TxnOffsetCommit'),
      endTxn: async () => void requests.push('EndTxn'),
    }
    const cluster = {
      retry: {retries: 0},
      refreshMetadataIfNecessary: async () => undefined,
      findGroupCoordinator: async ({groupId, coordinatorType}: {groupId: string; coordinatorType: number}) => (lookups.push(`${coordinatorType}:${groupId}`), broker),
      findBroker: async () => broker,
    }
    const logger = {debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined}
    const eos = createEosManager({logger, cluster, transactional: true, transactionalId: 'tx-1'})
    await eos.initProducerId()
    for (let i = 0; i < 3; i++) {
      eos.beginTransaction()
      await eos.addPartitionsToTransaction([{topic: 'out', partitions: [{partition: 0}]}])
      await eos.sendOffsets({consumerGroupId: 'group', topics: [{topic: 'in', partitions: [{partition: 0, offset: String(i)}]}]})
      await eos.commit()
    }
    expect(requests.filter((r) => r === 'EndTxn')).toHaveLength(3)
    expect(lookups).toEqual(['1:tx-1', '0:group'])
  })
})
