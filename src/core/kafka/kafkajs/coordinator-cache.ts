/**
 * The transactional producer's coordinators, looked up once instead of before every request. kafkajs 2.2.4's
 * transaction manager (`producer/eosManager`) asks the cluster for the transaction coordinator before each
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn, and for the group coordinator before each TxnOffsetCommit,
 * and kafkajs sends a FindCoordinator request every time: a stream task's transaction (one per batch) made
 * about 4.6 FindCoordinator round trips beside its 6 other requests. The Java producer keeps its
 * coordinators until a request fails.
 *
 * This module wraps kafkajs's transaction manager so that the cluster it is given remembers, per coordinator
 * key (type and id), the node that answered, and hands back that node's broker (the pool's current one,
 * connected as kafkajs's own lookup does). A failed request through that broker forgets the node — a moved
 * coordinator answers NOT_COORDINATOR, a crashed one does not answer — so the retry that follows, kafkajs's
 * or the engine's, looks the coordinator up afresh, as before. Only CONCURRENT_TRANSACTIONS keeps it: that
 * answer comes from the coordinator itself, still completing the previous transaction.
 *
 * Like the other patches, `installCoordinatorCache()` puts the wrapper in Node's module cache before kafkajs
 * loads its producer (`installKafkajsPatches()` in index.ts); `coordinatorCacheInstalled()` says whether it
 * worked.
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

const eosManagerPath = require.resolve('kafkajs/src/producer/eosManager/index.js')

/** What the wrapper uses of kafkajs's Cluster. */
export interface CoordinatorCluster {
  findGroupCoordinator(query: {groupId: string; coordinatorType?: number}): Promise<{nodeId: number}>
  findBroker(query: {nodeId: number}): Promise<object>
}

/**
 * The cluster as the transaction manager sees it: the same cluster, except that `findGroupCoordinator`
 * answers from what it found before until a request to that coordinator fails.
 */
export function rememberingCoordinators<C extends CoordinatorCluster>(cluster: C): C {
  /** The coordinator's node per `<type>:<id>`. */
  const known = new Map<string, number>()
  const forget = (key: string, nodeId: number, error: unknown): void => {
    // CONCURRENT_TRANSACTIONS comes from the right coordinator, busy with the previous transaction's markers.
    if ((error as {type?: string} | undefined)?.type === 'CONCURRENT_TRANSACTIONS') return
    if (known.get(key) === nodeId) known.delete(key)
  }
  /** The broker, with every call that fails forgetting it as the coordinator of `key`. */
  const watched = <B extends object>(broker: B, key: string, nodeId: number): B =>
    new Proxy(broker, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown
        if (typeof value !== 'function') return value
        return (...args: unknown[]): unknown => {
          let result: unknown
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args)
          } catch (error) {
            forget(key, nodeId, error)
            throw error
          }
          if (result instanceof Promise) {
            return result.catch((error: unknown) => {
              forget(key, nodeId, error)
              throw error
            })
          }
          return result
        }
      },
    })
  const findGroupCoordinator = async (query: {groupId: string; coordinatorType?: number}): Promise<object> => {
    const key = `${query.coordinatorType ?? 0}:${query.groupId}`
    const nodeId = known.get(key)
    if (nodeId !== undefined) {
      try {
        return watched(await cluster.findBroker({nodeId}), key, nodeId)
      } catch (error) {
        // Not in the pool any more, or not reachable: ask the cluster, as kafkajs does.
        forget(key, nodeId, error)
      }
    }
    const broker = await cluster.findGroupCoordinator(query)
    known.set(key, broker.nodeId)
    return watched(broker, key, broker.nodeId)
  }
  return new Proxy(cluster, {
    get(target, property) {
      if (property === 'findGroupCoordinator') return findGroupCoordinator
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
}

type EosManagerFactory = (options: {cluster: CoordinatorCluster} & Record<string, unknown>) => unknown

let wrapper: EosManagerFactory | undefined

export function installCoordinatorCache(): void {
  // kafkajs loaded its transaction manager already: left alone (the check reports it).
  if (require.cache[eosManagerPath]) return
  const original = require(eosManagerPath) as EosManagerFactory
  wrapper = (options) => original({...options, cluster: rememberingCoordinators(options.cluster)})
  require.cache[eosManagerPath]!.exports = wrapper
}

/** Whether kafkajs's producers get the wrapped transaction manager. */
export function coordinatorCacheInstalled(): boolean {
  return wrapper !== undefined && require.cache[eosManagerPath]?.exports === wrapper
}
