import {createRequire} from 'node:module'

import {describe, expect, it} from 'vitest'

import {installKafkajsPatches} from '../../../src/core/kafka/kafkajs/index.js'
import {filterAbortedMessages, readCommittedFilterInstalled} from '../../../src/core/kafka/kafkajs/read-committed.js'

// The engine's patches of kafkajs, as the client factory installs them, before anything loads kafkajs.
installKafkajsPatches()

const require = createRequire(import.meta.url)

const record = (offset: number, producerId: number, extra: Record<string, unknown> = {}) => ({
  offset: String(offset),
  key: Buffer.from('k'),
  isControlRecord: false,
  batchContext: {producerId: String(producerId), inTransaction: true},
  ...extra,
})
const marker = (offset: number, producerId: number, type: 0 | 1) =>
  record(offset, producerId, {isControlRecord: true, key: Buffer.from([0, 0, 0, type])})

describe('read_committed filtering', () => {
  it('drops the records of every aborted transaction that began before the fetch, whoever wrote first', () => {
    // Producers 1 and 2 began aborted transactions at 900 and 901; a restarted task fetches from 905.
    const messages = [record(905, 2), record(906, 1), record(907, 2), marker(908, 1, 0), marker(909, 2, 0), record(910, 3), record(911, 1)]
    const kept = filterAbortedMessages({messages, abortedTransactions: [{firstOffset: '900', producerId: '1'}, {firstOffset: '901', producerId: '2'}]})
    expect(kept.filter((m) => !m.isControlRecord).map((m) => m.offset)).toEqual(['910', '911'])
  })

  it('ends an aborted transaction at its ABORT marker only, not at a COMMIT marker or a record keyed with zeros', () => {
    const messages = [record(10, 1), record(11, 1, {key: Buffer.from([0, 0, 0, 0])}), marker(12, 1, 1), record(13, 1), marker(14, 1, 0), record(15, 1)]
    const kept = filterAbortedMessages({messages, abortedTransactions: [{firstOffset: '10', producerId: '1'}]})
    expect(kept.filter((m) => !m.isControlRecord).map((m) => m.offset)).toEqual(['15'])
  })

  it('is what kafkajs itself uses when it builds a fetched batch', () => {
    expect(readCommittedFilterInstalled()).toBe(true)
    const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: string, data: unknown) => {messages: Array<{offset: string}>}
    const batch = new Batch('t', '905', {
      partition: 0,
      highWatermark: '912',
      abortedTransactions: [{firstOffset: '900', producerId: '1'}, {firstOffset: '901', producerId: '2'}],
      messages: [record(905, 2), record(906, 1), record(910, 3)],
    })
    expect(batch.messages.map((m) => m.offset)).toEqual(['910'])
  })
})
