/**
 * After an out-of-range fetch, kafkajs's offset manager moves the member's next fetch to the nearest offset
 * the log holds and commits nothing to the group (src/core/kafka/kafkajs/offset-reset.ts). The consumer against the
 * real broker: test/integration/kafka/out-of-range.integration.test.ts.
 */
import {createRequire} from 'node:module'

import {describe, expect, it} from 'vitest'

import {installKafkajsPatches} from '../../../src/core/kafka/kafkajs/index.js'
import {outOfRangeResetInstalled, positionInRange} from '../../../src/core/kafka/kafkajs/offset-reset.js'

// The engine's patches of kafkajs, as the client factory installs them, before anything loads kafkajs.
installKafkajsPatches()

const require = createRequire(import.meta.url)

interface OffsetManager {
  setDefaultOffset(topicPartition: {topic: string; partition: number}): Promise<void>
  nextOffset(topic: string, partition: number): {toString(): string}
  committedOffsets(): Record<string, Record<number, string>>
}

const OffsetManagerClass = require('kafkajs/src/consumer/offsetManager/index.js') as new (options: Record<string, unknown>) => OffsetManager

/** kafkajs's own offset manager on a cluster whose log of `t` holds offsets [low, high); it counts requests. */
function manager(low: number, high: number, committed: string) {
  const calls = {listOffsets: 0, offsetCommit: 0}
  const committedByGroup: Record<string, Record<number, string>> = {}
  const cluster = {
    committedOffsets: () => committedByGroup,
    fetchTopicsOffset: async (topics: Array<{topic: string; fromBeginning: boolean; partitions: Array<{partition: number}>}>) => {
      calls.listOffsets += 1
      return topics.map(({topic, fromBeginning, partitions}) => ({topic, partitions: partitions.map(({partition}) => ({partition, offset: String(fromBeginning ? low : high)}))}))
    },
  }
  const coordinator = {
    isConnected: () => true,
    offsetCommit: async () => {
      calls.offsetCommit += 1
    },
  }
  const offsets = new OffsetManagerClass({
    cluster,
    coordinator,
    memberAssignment: {t: [0, 1]},
    autoCommit: false,
    autoCommitInterval: null,
    autoCommitThreshold: null,
    topicConfigurations: {t: {fromBeginning: false}},
    instrumentationEmitter: {emit: () => undefined},
    groupId: 'g',
    generationId: 1,
    memberId: 'm',
  })
  offsets.committedOffsets().t[0] = committed
  return {offsets, calls}
}

describe('positionInRange', () => {
  it('keeps a position inside the log and moves one outside it to the nearer end', () => {
    expect(positionInRange(5n, 3n, 10n)).toBe(5n)
    expect(positionInRange(3n, 3n, 10n)).toBe(3n)
    expect(positionInRange(10n, 3n, 10n)).toBe(10n)
    expect(positionInRange(1n, 3n, 10n)).toBe(3n)
    expect(positionInRange(50n, 3n, 10n)).toBe(10n)
    expect(positionInRange(5n, 0n, 0n)).toBe(0n)
  })
})

describe("kafkajs's offset manager after an out-of-range fetch", () => {
  it('is the replaced one, and kafkajs recovers through it', () => {
    expect(outOfRangeResetInstalled()).toBe(true)
  })

  it('starts the next fetch at the first offset left when the position fell below it, without a commit', async () => {
    const {offsets, calls} = manager(7, 10, '4')
    await offsets.setDefaultOffset({topic: 't', partition: 0})
    expect(offsets.nextOffset('t', 0).toString()).toBe('7')
    expect(offsets.committedOffsets().t[0]).toBe('4')
    expect(calls.offsetCommit).toBe(0)
  })

  it('starts the next fetch at the end of the log when the position lies past it, without a commit', async () => {
    const {offsets, calls} = manager(0, 10, '50')
    await offsets.setDefaultOffset({topic: 't', partition: 0})
    expect(offsets.nextOffset('t', 0).toString()).toBe('10')
    expect(calls.offsetCommit).toBe(0)
  })

  it('leaves a partition that is no longer assigned alone', async () => {
    const {offsets, calls} = manager(7, 10, '4')
    await offsets.setDefaultOffset({topic: 't', partition: 2})
    expect(calls).toEqual({listOffsets: 0, offsetCommit: 0})
  })
})
