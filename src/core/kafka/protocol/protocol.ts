/**
 * The few Kafka requests the generators' producer speaks, encoded and decoded by hand: Metadata v8,
 * InitProducerId v1 and Produce v8 (all non-flexible versions, served by Kafka 2.3 and later).
 */
import {WireReader, WireWriter} from './wire.js'

export const API = {produce: 0, metadata: 3, findCoordinator: 10, leaveGroup: 13, initProducerId: 22} as const

/** Kafka error codes the producer tells apart, with their protocol names for messages. */
export const ERROR_NAMES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN_SERVER_ERROR',
  1: 'OFFSET_OUT_OF_RANGE',
  2: 'CORRUPT_MESSAGE',
  3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE',
  6: 'NOT_LEADER_OR_FOLLOWER',
  7: 'REQUEST_TIMED_OUT',
  10: 'MESSAGE_TOO_LARGE',
  13: 'NETWORK_EXCEPTION',
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  17: 'INVALID_TOPIC_EXCEPTION',
  18: 'RECORD_LIST_TOO_LARGE',
  19: 'NOT_ENOUGH_REPLICAS',
  20: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  21: 'INVALID_REQUIRED_ACKS',
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  32: 'INVALID_TIMESTAMP',
  35: 'UNSUPPORTED_VERSION',
  45: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
  46: 'DUPLICATE_SEQUENCE_NUMBER',
  47: 'INVALID_PRODUCER_EPOCH',
  51: 'CONCURRENT_TRANSACTIONS',
  56: 'KAFKA_STORAGE_ERROR',
  59: 'UNKNOWN_PRODUCER_ID',
  74: 'FENCED_LEADER_EPOCH',
  75: 'UNKNOWN_LEADER_EPOCH',
  87: 'INVALID_RECORD',
  89: 'THROTTLING_QUOTA_EXCEEDED',
  90: 'PRODUCER_FENCED',
}

/** Errors after which the same request, resent (after a metadata refresh), can succeed. */
export const RETRIABLE_ERRORS: ReadonlySet<number> = new Set([3, 5, 6, 7, 13, 14, 15, 16, 19, 20, 51, 56, 74, 75, 89])

export const DUPLICATE_SEQUENCE_NUMBER = 46
export const UNKNOWN_TOPIC_OR_PARTITION = 3

export function errorName(code: number): string {
  return ERROR_NAMES[code] ?? `error ${code}`
}

export interface ClusterMetadata {
  brokers: Map<number, {host: string; port: number}>
  topicError: number
  /** Leader node id per partition (-1 while there is none). */
  leaders: Map<number, number>
}

export function encodeMetadataRequest(topic: string): Buffer {
  return new WireWriter().int32(1).string(topic).boolean(false).boolean(false).boolean(false).toBuffer()
}

export function decodeMetadataResponse(body: Buffer, topic: string): ClusterMetadata {
  const r = new WireReader(body)
  r.int32() // throttle time
  const brokers = new Map<number, {host: string; port: number}>()
  r.array(() => {
    const nodeId = r.int32()
    const host = r.string()
    const port = r.int32()
    r.nullableString() // rack
    brokers.set(nodeId, {host, port})
  })
  r.nullableString() // cluster id
  r.int32() // controller id
  let topicError = UNKNOWN_TOPIC_OR_PARTITION
  const leaders = new Map<number, number>()
  r.array(() => {
    const error = r.int16()
    const name = r.string()
    r.boolean() // internal
    const partitions = r.array(() => {
      r.int16() // partition error
      const index = r.int32()
      const leader = r.int32()
      r.int32() // leader epoch
      r.array(() => r.int32()) // replicas
      r.array(() => r.int32()) // in-sync replicas
      r.array(() => r.int32()) // offline replicas
      return {index, leader}
    })
    r.int32() // authorized operations
    if (name !== topic) return
    topicError = error
    for (const p of partitions) leaders.set(p.index, p.leader)
  })
  return {brokers, topicError, leaders}
}

export function encodeInitProducerIdRequest(transactionTimeoutMs = 60_000): Buffer {
  return new WireWriter().nullableString(null).int32(transactionTimeoutMs).toBuffer()
}

export function decodeInitProducerIdResponse(body: Buffer): {error: number; producerId: bigint; producerEpoch: number} {
  const r = new WireReader(body)
  r.int32() // throttle time
  const error = r.int16()
  return {error, producerId: r.int64(), producerEpoch: r.int16()}
}

/** The Produce request as buffers to write one after the other (the batches are not copied). */
export function encodeProduceRequest(
  topic: string,
  acks: number,
  timeoutMs: number,
  batches: ReadonlyArray<{partition: number; bytes: Buffer}>,
): Buffer[] {
  const head = new WireWriter().nullableString(null).int16(acks).int32(timeoutMs).int32(1).string(topic).int32(batches.length).toBuffer()
  const parts: Buffer[] = [head]
  for (const batch of batches) {
    const prefix = Buffer.allocUnsafe(8)
    prefix.writeInt32BE(batch.partition, 0)
    prefix.writeInt32BE(batch.bytes.length, 4)
    parts.push(prefix, batch.bytes)
  }
  return parts
}

export interface PartitionProduceResult {
  partition: number
  error: number
  baseOffset: bigint
  message: string | null
}

export function decodeProduceResponse(body: Buffer): PartitionProduceResult[] {
  const r = new WireReader(body)
  const results: PartitionProduceResult[] = []
  r.array(() => {
    r.string() // topic
    r.array(() => {
      const partition = r.int32()
      const error = r.int16()
      const baseOffset = r.int64()
      r.int64() // log append time
      r.int64() // log start offset
      const recordErrors = r.array(() => ({index: r.int32(), message: r.nullableString()}))
      const message = r.nullableString()
      results.push({partition, error, baseOffset, message: message ?? recordErrors[0]?.message ?? null})
    })
  })
  return results
}

/** FindCoordinator v0 for a consumer group. */
export function encodeFindCoordinatorRequest(groupId: string): Buffer {
  return new WireWriter().string(groupId).toBuffer()
}

export function decodeFindCoordinatorResponse(body: Buffer): {error: number; nodeId: number; host: string; port: number} {
  const r = new WireReader(body)
  const error = r.int16()
  const nodeId = r.int32()
  const host = r.string()
  const port = r.int32()
  return {error, nodeId, host, port}
}

/** LeaveGroup v0: one member leaves the group. */
export function encodeLeaveGroupRequest(groupId: string, memberId: string): Buffer {
  return new WireWriter().string(groupId).string(memberId).toBuffer()
}

export function decodeLeaveGroupResponse(body: Buffer): {error: number} {
  return {error: new WireReader(body).int16()}
}
