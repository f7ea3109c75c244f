/**
 * No offset commits of kafkajs's own after an out-of-range fetch. When Kafka answers a fetch with
 * OFFSET_OUT_OF_RANGE (the records below the position were deleted by retention or deleteRecords, or the
 * position lies past the log's end), kafkajs 2.2.4 (`ConsumerGroup.recoverFromOffsetOutOfRange` →
 * `OffsetManager.setDefaultOffset`) commits its "earliest" or "latest" placeholder (-2 or -1) to the group
 * in an OffsetCommit of its own, outside any transaction, and starts again from what it then reads back.
 * The stream engine commits a group's offsets only in its transactions, with the task's checkpoint (window
 * state) in the metadata: that commit wipes the checkpoint. And for a topic subscribed without
 * fromBeginning, kafkajs's choice sends a member behind the log start to the end, past every record left.
 *
 * This module replaces `setDefaultOffset` with one that commits nothing: the member's next fetch starts at
 * the nearest offset the log holds (its first offset when the position fell below it, its end when the
 * position lies past it), and the group's committed offset stays what the engine committed. The engine
 * then sees a batch that starts past where its task stands, sends the consumer back once, and goes on from
 * the first record the log still holds (see runtime.ts, onBatch).
 *
 * `installOutOfRangeReset()` patches the prototype of the OffsetManager class that kafkajs uses, so it works
 * whether kafkajs was loaded before or after it. `outOfRangeResetInstalled()` says whether kafkajs recovers through it.
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

/** The position a fetch that was out of range continues from: the nearest offset in [earliest, latest]. */
export function positionInRange(position: bigint, earliest: bigint, latest: bigint): bigint {
  if (position > latest) position = latest
  return position < earliest ? earliest : position
}

interface TopicOffsetsAnswer {
  topic: string
  partitions: Array<{partition: number; offset: string}>
}

/** The parts of kafkajs's OffsetManager (consumer/offsetManager/index.js) that the replacement uses. */
interface OffsetManager {
  cluster: {fetchTopicsOffset(topics: Array<{topic: string; fromBeginning: boolean; partitions: Array<{partition: number}>}>): Promise<TopicOffsetsAnswer[]>}
  memberAssignment: Record<string, number[] | undefined>
  resolvedOffsets: Record<string, Record<number, string>>
  nextOffset(topic: string, partition: number): {toString(): string}
}

/** Moves this member's fetch position of a partition back into the log, without committing anything. */
async function setDefaultOffset(this: OffsetManager, {topic, partition}: {topic: string; partition: number}): Promise<void> {
  // No longer assigned (the group rebalanced meanwhile): nothing to move.
  if (!this.memberAssignment[topic]?.includes(partition)) return
  const fetching = BigInt(this.nextOffset(topic, partition).toString())
  // ListOffsets with the consumer's isolation level: the end is the last stable offset under read_committed.
  const end = async (fromBeginning: boolean): Promise<bigint> => {
    const answers = await this.cluster.fetchTopicsOffset([{topic, fromBeginning, partitions: [{partition}]}])
    const offset = answers.find((a) => a.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset
    if (offset === undefined) throw new Error(`Kafka did not answer the ${fromBeginning ? 'first' : 'last'} offset of ${topic}:${partition}.`)
    return BigInt(offset)
  }
  const [earliest, latest] = await Promise.all([end(true), end(false)])
  // The next fetch starts here (a seek of the engine's, applied before that fetch, still wins).
  this.resolvedOffsets[topic][partition] = String(positionInRange(fetching, earliest, latest))
}

const offsetManagerPath = require.resolve('kafkajs/src/consumer/offsetManager/index.js')
const consumerGroupPath = require.resolve('kafkajs/src/consumer/consumerGroup.js')

export function installOutOfRangeReset(): void {
  // Loads only the offset manager and its helpers (not the fetch path that the other patches replace).
  const OffsetManagerClass = require(offsetManagerPath) as {prototype: {setDefaultOffset?: unknown}}
  if (typeof OffsetManagerClass.prototype.setDefaultOffset === 'function') OffsetManagerClass.prototype.setDefaultOffset = setDefaultOffset
}

/**
 * Whether an out-of-range fetch goes through the replacement: kafkajs's offset manager has it, and its
 * consumer group (loaded with kafkajs) still recovers through `setDefaultOffset` (false after a kafkajs
 * change that moved it, or before kafkajs is loaded).
 */
export function outOfRangeResetInstalled(): boolean {
  const manager = require.cache[offsetManagerPath]?.exports as {prototype: {setDefaultOffset?: unknown}} | undefined
  const group = require.cache[consumerGroupPath]?.exports as {prototype: {recoverFromOffsetOutOfRange?: unknown}} | undefined
  const recover = group?.prototype.recoverFromOffsetOutOfRange
  return manager?.prototype.setDefaultOffset === setDefaultOffset && typeof recover === 'function' && String(recover).includes('offsetManager.setDefaultOffset(')
}
