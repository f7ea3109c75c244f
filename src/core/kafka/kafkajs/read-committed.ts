/**
 * A correct read_committed filter for kafkajs. kafkajs 2.2.4 drops the records of aborted transactions in
 * `consumer/filterAbortedMessages.js`, but it activates at most one aborted transaction per record (`if`
 * where a loop is needed): when a fetch starts after several aborted transactions began — exactly where a
 * task restarts after a kill -9, with the open transactions of the killed producers aborted — the records
 * of all but the first leak through as if committed, and partial aggregates get counted twice. It also
 * takes any record whose key happens to be four zero bytes for an abort marker.
 *
 * `installReadCommittedFilter()` puts the fixed filter in Node's module cache; it must run before kafkajs
 * loads (`installKafkajsPatches()` in index.ts runs it). `readCommittedFilterInstalled()` says whether it worked.
 */
import {createRequire} from 'node:module'

import {installModule} from './module-cache.js'

const require = createRequire(import.meta.url)

interface FetchedMessage {
  /** A decimal string from kafkajs's decoder, a number from sstream's (fetch-decoder.ts). */
  offset: string | number
  /** The key's bytes from kafkajs's decoder, its text from sstream's (which has `keyBytes()`). */
  key?: Buffer | string | null
  keyBytes?(): Buffer | null
  isControlRecord?: boolean
  batchContext: {producerId: string; inTransaction: boolean}
}

interface AbortedTransaction {
  firstOffset: string
  producerId: string
}

/** The control record key of an ABORT marker: version 0, type 0. */
function isAbortMarker(message: FetchedMessage): boolean {
  if (message.isControlRecord !== true) return false
  const key = message.keyBytes ? message.keyBytes() : message.key
  return Buffer.isBuffer(key) && key.length >= 4 && key.readInt16BE(2) === 0
}

export function filterAbortedMessages({messages, abortedTransactions}: {messages: FetchedMessage[]; abortedTransactions?: AbortedTransaction[]}): FetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages
  const pending = [...abortedTransactions].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : 1))
  const aborted = new Set<string>()
  return messages.filter((message) => {
    const offset = BigInt(message.offset)
    // Every aborted transaction that began at or before this record is now in force.
    while (pending.length > 0 && offset >= BigInt(pending[0].firstOffset)) aborted.add(String(pending.shift()!.producerId))
    const producerId = String(message.batchContext.producerId)
    if (message.isControlRecord) {
      if (isAbortMarker(message)) aborted.delete(producerId)
      return true
    }
    return !(message.batchContext.inTransaction && aborted.has(producerId))
  })
}

const target = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js')

export function installReadCommittedFilter(): void {
  installModule(target, filterAbortedMessages)
}

/** Whether kafkajs uses the fixed filter (false if kafkajs was loaded before it was installed). */
export function readCommittedFilterInstalled(): boolean {
  return require.cache[target]?.exports === filterAbortedMessages
}
