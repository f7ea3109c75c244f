/**
 * kafkajs's broker pool with sstream's disconnect (src/core/kafka/kafkajs/broker-pool.ts): a broker the pool
 * has dropped from its list (`removeBroker`, as a consumer does after a fetch finds the connection closed by a
 * restarted broker) and that someone still holds (a consumer group's coordinator) is closed by the pool's
 * disconnect too. kafkajs's class itself, with brokers on connection pools that record being closed.
 */
import {createRequire} from 'node:module'

import {describe, expect, it} from 'vitest'

import {brokerPoolDisconnectInstalled} from '../../../src/core/kafka/kafkajs/broker-pool.js'
import {installKafkajsPatches} from '../../../src/core/kafka/kafkajs/index.js'
import {kafkajsOriginal} from '../../helpers/kafkajs-original.js'

installKafkajsPatches()

const require = createRequire(import.meta.url)

interface Broker {
  nodeId: number
  connectionPool: FakeConnectionPool
}
interface Pool {
  brokers: Record<string, Broker>
  seedBroker: Broker | undefined
  createBroker(options: Record<string, unknown>): Broker
  removeBroker(address: {host: string; port: number}): void
  disconnect(): Promise<void>
}
type PoolClass = new (options: Record<string, unknown>) => Pool

interface FakeConnectionPool {
  host: string
  port: number
  connectionTimeout: number
  closed: number
  destroy(): Promise<void>
}

const logger = {namespace: () => logger, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined}
const patched = require('kafkajs/src/cluster/brokerPool.js') as PoolClass
const original = kafkajsOriginal<PoolClass>('kafkajs/src/cluster/brokerPool.js')

function connectionPool(port: number): FakeConnectionPool {
  return {
    host: 'localhost',
    port,
    connectionTimeout: 1000,
    closed: 0,
    async destroy() {
      this.closed += 1
    },
  }
}

/** A pool of one broker (node 1, also the seed broker, as kafkajs has it after its first metadata), which a fetch's "connection closed" then removes. */
async function afterRemovedBroker(Class: PoolClass): Promise<FakeConnectionPool> {
  const pool = new Class({connectionPoolBuilder: {build: async () => connectionPool(9092)}, logger})
  const broker = pool.createBroker({connectionPool: connectionPool(9092), logger, nodeId: 1})
  pool.brokers = {1: broker}
  pool.seedBroker = broker
  pool.removeBroker({host: 'localhost', port: 9092})
  // The group coordinator is this broker still: kafkajs opens its connection again for the LeaveGroup.
  const coordinator = broker
  await pool.disconnect()
  return coordinator.connectionPool
}

describe('the broker pool disconnect (broker-pool.ts)', () => {
  it('is in force in the kafkajs that sstream uses', () => {
    expect(brokerPoolDisconnectInstalled()).toBe(true)
  })

  it('closes a broker the pool dropped from its list and that is still held', async () => {
    expect((await afterRemovedBroker(patched)).closed).toBeGreaterThan(0)
  })

  it('is needed: kafkajs 2.2.4 closes only the brokers in its list', async () => {
    expect((await afterRemovedBroker(original)).closed).toBe(0)
  })

  it('still closes the brokers in its list', async () => {
    const pool = new patched({connectionPoolBuilder: {build: async () => connectionPool(9092)}, logger})
    const brokers = [1, 2].map((nodeId) => pool.createBroker({connectionPool: connectionPool(9091 + nodeId), logger, nodeId}))
    pool.brokers = {1: brokers[0], 2: brokers[1]}
    await pool.disconnect()
    for (const broker of brokers) expect(broker.connectionPool.closed).toBeGreaterThan(0)
    expect(pool.brokers).toEqual({})
  })
})
