/**
 * sstream's patches of kafkajs 2.2.4, installed by one explicit call: `installKafkajsPatches()`, which
 * installs them, then loads kafkajs and checks them, and hands kafkajs out. The client factory (client.ts,
 * `createKafka`) gets kafkajs from it; nothing in src loads kafkajs otherwise, and nothing here acts on import.
 *
 * - read-committed.ts: a correct read_committed filter (aborted transactions' records never leak through);
 * - offset-reset.ts: no offset commit of kafkajs's own after an out-of-range fetch;
 * - fetch-decoder.ts: a faster decoder of fetched record batches (one object per record, bytes kept);
 * - produce-encoder.ts: a faster produce request encoder, byte for byte kafkajs's;
 * - send-messages.ts: the producer's send retried per partition (kafkajs's lost or duplicated records
 *   when a retry crosses a leader move or a replaced broker connection);
 * - coordinator-cache.ts: a transactional producer looks its coordinators up once, not before every request;
 * - request-queue.ts: a connection's request queue runs a timer only while requests wait (kafkajs's ran one
 *   every millisecond, busy or idle);
 * - broker-pool.ts: a client's disconnect closes the connections of brokers its pool has dropped from its list
 *   too (after a broker restart a consumer's group coordinator kept one open, and the process did not end);
 * - join-group.ts: the member ids of the JoinGroup requests in flight, so that a consumer stopped while it
 *   joins can leave the group (its pending join otherwise made it a member that took partitions and read nothing).
 *
 * The replacements of kafkajs modules take effect only when kafkajs has not loaded those modules yet; the
 * check after installing says whether every patch is in force, and fails loudly (a BugError) if one is not.
 */
import type * as KafkajsModule from 'kafkajs'

import {createRequire} from 'node:module'

import {BugError} from '../../errors.js'
import {brokerPoolDisconnectInstalled, installBrokerPoolDisconnect} from './broker-pool.js'
import {coordinatorCacheInstalled, installCoordinatorCache} from './coordinator-cache.js'
import {fastFetchInstalled, installFastFetch} from './fetch-decoder.js'
import {installJoinGroupTracking, joinGroupTrackingInstalled} from './join-group.js'
import {installOutOfRangeReset, outOfRangeResetInstalled} from './offset-reset.js'
import {fastProduceInstalled, installFastProduce} from './produce-encoder.js'
import {installReadCommittedFilter, readCommittedFilterInstalled} from './read-committed.js'
import {installRequestQueueCheck, requestQueueCheckInstalled} from './request-queue.js'
import {installSendMessages, sendMessagesInstalled} from './send-messages.js'

const require = createRequire(import.meta.url)

type Kafkajs = typeof KafkajsModule

let kafkajs: Kafkajs | undefined

/** Which patches are not in force (empty when all are). */
export function missingKafkajsPatches(): string[] {
  const missing: string[] = []
  if (!readCommittedFilterInstalled()) missing.push('read_committed filter (read-committed.ts): aborted records would leak through')
  if (!outOfRangeResetInstalled()) missing.push('out-of-range reset (offset-reset.ts): kafkajs would commit to the group on its own')
  if (!fastFetchInstalled()) missing.push('fetch decoder (fetch-decoder.ts)')
  if (!fastProduceInstalled()) missing.push('produce encoder (produce-encoder.ts)')
  if (!sendMessagesInstalled()) missing.push('producer send (send-messages.ts): a retried send could lose or duplicate records')
  if (!coordinatorCacheInstalled()) missing.push('coordinator cache (coordinator-cache.ts)')
  if (!requestQueueCheckInstalled()) missing.push('request queue check (request-queue.ts): every connection would run a timer every millisecond')
  if (!brokerPoolDisconnectInstalled()) missing.push('broker pool disconnect (broker-pool.ts): a disconnected client could leave a connection open')
  if (!joinGroupTrackingInstalled()) missing.push('join-group tracking (join-group.ts): a consumer stopped while it joins would stay in the group')
  return missing
}

/**
 * Installs every patch, loads kafkajs and checks that each patch is in force, once; returns kafkajs. Call it
 * before anything else loads kafkajs (the client factory does); a later call returns kafkajs at once.
 */
export function installKafkajsPatches(): Kafkajs {
  if (kafkajs) return kafkajs
  // The module replacements before anything loads kafkajs's modules; the prototype patches last (they load
  // kafkajs's offset manager, request queue and broker pool, which do not load the replaced modules).
  installReadCommittedFilter()
  installFastFetch()
  installFastProduce()
  installSendMessages()
  installCoordinatorCache()
  installOutOfRangeReset()
  installRequestQueueCheck()
  installBrokerPoolDisconnect()
  installJoinGroupTracking()
  const loaded = require('kafkajs') as Kafkajs
  const missing = missingKafkajsPatches()
  if (missing.length > 0) {
    throw new BugError(`kafkajs was loaded before sstream's patches were installed, or kafkajs changed: ${missing.join('; ')}.`)
  }
  kafkajs = loaded
  return kafkajs
}
