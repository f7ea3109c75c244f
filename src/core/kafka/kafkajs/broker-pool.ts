/**
 * A client's disconnect closes every broker connection the client made. kafkajs 2.2.4's broker pool
 * (cluster/brokerPool.js) closes only the brokers in its current list on `disconnect()`; a broker it has
 * dropped from the list is forgotten although others still hold it. After a broker restart a consumer's
 * fetch fails with "connection closed", and the pool drops that broker (`removeBroker`, which also drops the
 * seed broker when it is the same node); the consumer group keeps it as its coordinator, and its next
 * heartbeat or its LeaveGroup opens its connection again. That connection then outlives the consumer's
 * `disconnect()`: the process does not end by itself, and a stop waits for the deadline (`sstream tail` or
 * `sstream watch` ended with Ctrl-C after a broker crash said "Stopping now: a connection did not close in time").
 *
 * This module makes the pool remember every broker it creates (weakly: a broker nothing holds any more is
 * not kept) and close all that are still alive on `disconnect()`, after kafkajs's own disconnect.
 *
 * `installBrokerPoolDisconnect()` patches the prototype of kafkajs's BrokerPool class (the broker factory
 * the constructor assigns goes through an accessor on the prototype), so it works for pools made after it;
 * `brokerPoolDisconnectInstalled()` says whether kafkajs's clusters use it.
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

/** What the patch uses of kafkajs's Broker. */
export interface PoolBroker {
  disconnect(): Promise<void>
}

type CreateBroker = (options: Record<string, unknown>) => PoolBroker

/** The parts of kafkajs's BrokerPool that the patch uses. */
interface Pool {
  disconnect(): Promise<void>
}

const factory = Symbol('sstream:BrokerPool:createBroker')
const made = Symbol('sstream:BrokerPool:made')
const original = Symbol('sstream:BrokerPool:disconnect')

interface TrackingPool extends Pool {
  [factory]?: CreateBroker
  [made]?: Set<WeakRef<PoolBroker>>
}

/** Forgets a collected broker's entry. */
const collected = new FinalizationRegistry<{pool: WeakRef<TrackingPool>; ref: WeakRef<PoolBroker>}>(({pool, ref}) => pool.deref()?.[made]?.delete(ref))

/** The pool's broker factory: kafkajs's, with every broker it makes remembered. */
const createBrokerAccessor: PropertyDescriptor = {
  configurable: true,
  get(this: TrackingPool): CreateBroker | undefined {
    return this[factory]
  },
  set(this: TrackingPool, create: CreateBroker) {
    this[factory] = (options) => {
      const broker = create(options)
      const ref = new WeakRef(broker)
      ;(this[made] ??= new Set()).add(ref)
      collected.register(broker, {pool: new WeakRef(this), ref})
      return broker
    }
  },
}

/** The brokers this pool made that something still holds. */
export function brokersMade(pool: object): PoolBroker[] {
  return [...((pool as TrackingPool)[made] ?? [])].flatMap((ref) => {
    const broker = ref.deref()
    return broker ? [broker] : []
  })
}

const brokerPoolPath = require.resolve('kafkajs/src/cluster/brokerPool.js')
const clusterPath = require.resolve('kafkajs/src/cluster/index.js')

type PoolClass = {prototype: Pool & {[original]?: Pool['disconnect']}}

/** kafkajs's disconnect, then every other broker the pool made closed too (a closed one is left as it is). */
async function disconnect(this: TrackingPool & {[original]?: Pool['disconnect']}): Promise<void> {
  await this[original]!.call(this)
  await Promise.all(brokersMade(this).map((broker) => broker.disconnect()))
}

export function installBrokerPoolDisconnect(): void {
  const BrokerPool = require(brokerPoolPath) as PoolClass
  const proto = BrokerPool.prototype
  if (proto.disconnect === disconnect || typeof proto.disconnect !== 'function') return
  proto[original] = proto.disconnect
  proto.disconnect = disconnect
  Object.defineProperty(proto, 'createBroker', createBrokerAccessor)
}

/**
 * Whether kafkajs's clusters disconnect through the patch: the pool's prototype has it, its constructor still
 * assigns the broker factory, and the cluster module (loaded with kafkajs) still makes its pool from that file.
 */
export function brokerPoolDisconnectInstalled(): boolean {
  const BrokerPool = require.cache[brokerPoolPath]?.exports as (PoolClass & (new (...args: never[]) => unknown)) | undefined
  return (
    BrokerPool?.prototype.disconnect === disconnect &&
    Object.getOwnPropertyDescriptor(BrokerPool.prototype, 'createBroker')?.set === createBrokerAccessor.set &&
    String(BrokerPool).includes('this.createBroker =') &&
    require.cache[clusterPath]?.children.some((child) => child.id === brokerPoolPath) === true
  )
}
