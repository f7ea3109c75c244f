/**
 * Reads a topic's records as they are, for `sstream tail` and for tests: a consumer in a throw-away group
 * that commits nothing, from the beginning or from the end, optionally one partition only, until a count,
 * the end of the topic, or the signal.
 */
import {randomBytes} from 'node:crypto'

import type {Consumer, EachBatchPayload, IHeaders} from 'kafkajs'

import {settlesWithin} from '../async.js'
import {SstreamError} from '../errors.js'
import {KafkaAdmin} from './admin.js'
import type {KafkaSecurity} from '../config/index.js'
import type {StopReason} from '../stop.js'
import {createKafka, toKafkaError, withKafkaDeadline} from './client.js'
import {messageKey, messageOffset} from './kafkajs/fetch-decoder.js'
import {createTopicsCommand} from '../names.js'

export interface TopicRecord {
  topic: string
  partition: number
  offset: string
  /** Epoch ms (CreateTime unless the topic uses LogAppendTime). */
  timestamp: number
  key: string | null
  value: string | null
  headers: Record<string, string | string[]>
}

export type IsolationLevel = 'read_committed' | 'read_uncommitted'

export interface ReadTopicOptions {
  brokers: string[]
  security?: KafkaSecurity
  topic: string
  /** Start at the earliest offset instead of the end. */
  fromBeginning?: boolean
  /** Stop after this many records. */
  max?: number
  /** Only these partitions (all by default). */
  partitions?: number[]
  /** Stop once every partition read is at the end it had when reading started. */
  exitAtEnd?: boolean
  /** With exitAtEnd: also stop once nothing was readable for this long (default 5 s). */
  idleEndMs?: number
  /** read_committed (default) skips records of aborted and open transactions. */
  isolation?: IsolationLevel
  signal?: AbortSignal
  onRecord(record: TopicRecord): void
  /** Kafka stopped answering (`down`, with the cause) and reading goes on (`ok`): the consumer retries by itself. */
  onStatus?(state: 'down' | 'ok', message?: string): void
}

export interface ReadTopicResult {
  topic: string
  /** Records delivered to onRecord. */
  records: number
  partitions: number[]
  /** Why reading stopped. */
  stoppedBy: Extract<StopReason, 'max' | 'end' | 'signal'>
}

/** How long the stop may take to leave the group and disconnect: a client still trying a broker that is gone is left behind. */
const STOP_BUDGET_MS = 4000

export async function readTopic(options: ReadTopicOptions): Promise<ReadTopicResult> {
  const {brokers, topic, signal, security} = options
  const admin = await KafkaAdmin.connect(brokers, {security})
  let consumer: Consumer | undefined
  let idleCheck: NodeJS.Timeout | undefined
  const groupId = `sstream-tail-${randomBytes(6).toString('hex')}`
  try {
    const partitions = await selectPartitions(admin, topic, options.partitions)
    const ends = new Map<number, bigint>()
    if (options.exitAtEnd) {
      const offsets = await admin.topicOffsets(topic)
      for (const p of offsets.partitions) {
        if (!partitions.includes(p.partition)) continue
        // From the end, or an empty partition: nothing to wait for.
        if (options.fromBeginning && BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high))
      }
      if (ends.size === 0) return {topic, records: 0, partitions, stoppedBy: 'end'}
    }
    if (signal?.aborted) return {topic, records: 0, partitions, stoppedBy: 'signal'}
    // Where reading starts, taken now: tail commits nothing, so a consumer that restarts after a crash (a
    // broker gone, a leader moving) would otherwise start again at the *new* end and skip every record
    // written while it was away. Each join seeks to the next offset to print instead.
    const starts = new Map<number, bigint>()
    for (const p of (await admin.topicOffsets(topic)).partitions) {
      if (partitions.includes(p.partition)) starts.set(p.partition, BigInt(options.fromBeginning ? p.low : p.high))
    }

    const kafka = createKafka({brokers, clientId: 'sstream-tail', security})
    consumer = kafka.consumer({groupId, readUncommitted: options.isolation === 'read_uncommitted', maxWaitTimeInMs: 250, retry: {retries: 5}})
    const c = consumer
    let records = 0
    let finish!: (reason: ReadTopicResult['stoppedBy'] | Error) => void
    const finished = new Promise<ReadTopicResult['stoppedBy'] | Error>((resolve) => (finish = resolve))
    let done = false
    const stop = (reason: ReadTopicResult['stoppedBy'] | Error): void => {
      if (done) return
      done = true
      finish(reason)
    }
    const positions = new Map<number, bigint>()
    const atEnd = (): boolean => [...ends].every(([partition, end]) => (positions.get(partition) ?? -1n) >= end)
    const advance = (partition: number, next: bigint): void => {
      if (next > (positions.get(partition) ?? -1n)) positions.set(partition, next)
      if (options.exitAtEnd && atEnd()) stop('end')
    }
    const onAbort = (): void => stop('signal')
    signal?.addEventListener('abort', onAbort, {once: true})

    const others = (count: number): number[] => Array.from({length: count}, (_, i) => i).filter((p) => !partitions.includes(p))
    const total = (await admin.describe([topic])).get(topic)?.partitions ?? 0
    // Batches of control records only (transaction markers) move the position without delivering anything.
    c.on(c.events.END_BATCH_PROCESS, ({payload}) => {
      if (payload.topic === topic && partitions.includes(payload.partition)) advance(payload.partition, BigInt(payload.lastOffset) + 1n)
    })
    // Records of a transaction still open stay unreadable (read_committed) past the end taken at the start:
    // after a while with nothing readable, reading is at its end all the same.
    let lastActivity = Date.now()
    let joined = false
    let down = false
    c.on(c.events.GROUP_JOIN, () => {
      const paused = others(total)
      if (paused.length > 0) c.pause([{topic, partitions: paused}])
      for (const partition of partitions) {
        const next = positions.get(partition) ?? starts.get(partition)
        if (next !== undefined) c.seek({topic, partition, offset: String(next)})
      }
      if (down) options.onStatus?.('ok')
      down = false
      joined = true
      lastActivity = Date.now()
    })
    c.on(c.events.START_BATCH_PROCESS, () => (lastActivity = Date.now()))
    idleCheck = options.exitAtEnd
      ? setInterval(() => {
          if (joined && Date.now() - lastActivity > (options.idleEndMs ?? 5000)) stop('end')
        }, 250)
      : undefined
    c.on(c.events.CRASH, ({payload}) => {
      const error = toKafkaError(payload.error, brokers, `read ${topic}`)
      if (!payload.restart) return stop(error)
      if (!down && !done) options.onStatus?.('down', error.message)
      down = true
    })

    await withKafkaDeadline(
      brokers,
      async () => {
        await c.connect()
        await c.subscribe({topics: [topic], fromBeginning: options.fromBeginning ?? false})
      },
      {security},
    )
    await c.run({
      autoCommit: false,
      eachBatch: async ({batch}: EachBatchPayload) => {
        if (done || !partitions.includes(batch.partition)) return
        // A consumer restarted after a crash (a broker gone, a leader moving) fetches again from where it
        // started, as it commits nothing: what was already printed is skipped.
        const printed = positions.get(batch.partition) ?? -1n
        for (const message of batch.messages) {
          if (done) return
          if (BigInt(message.offset) < printed) continue
          lastActivity = Date.now()
          records++
          options.onRecord({
            topic,
            partition: batch.partition,
            offset: messageOffset(message),
            timestamp: Number(message.timestamp),
            key: messageKey(message),
            value: message.value === null ? null : message.value.toString('utf8'),
            headers: decodeHeaders(message.headers),
          })
          if (options.max !== undefined && records >= options.max) return stop('max')
          advance(batch.partition, BigInt(message.offset) + 1n)
        }
      },
    })
    const outcome = await finished
    signal?.removeEventListener('abort', onAbort)
    if (outcome instanceof Error) throw outcome
    return {topic, records, partitions, stoppedBy: outcome}
  } finally {
    clearInterval(idleCheck)
    // Bounded: a consumer still trying a broker that is gone may not leave in time; the group is empty and
    // commits nothing, so leaving it to expire is harmless.
    const c = consumer
    const deadline = Date.now() + STOP_BUDGET_MS
    await settlesWithin(c?.disconnect().catch(() => undefined), deadline - Date.now())
    if (c) await settlesWithin(admin.deleteGroups([groupId]).catch(() => undefined), deadline - Date.now())
    await settlesWithin(admin.close(), deadline - Date.now())
  }
}

async function selectPartitions(admin: KafkaAdmin, topic: string, wanted: number[] | undefined): Promise<number[]> {
  const topics = await admin.listTopics()
  if (!topics.includes(topic)) {
    throw new SstreamError('TOPIC_MISSING', `The topic ${topic} doesn't exist.`, {
      nextSteps: [`Create it with ${createTopicsCommand([topic])},`, 'or list the topics with `sstream status --all`.'],
    })
  }
  const count = (await admin.describe([topic])).get(topic)?.partitions ?? 0
  const all = Array.from({length: count}, (_, i) => i)
  if (!wanted || wanted.length === 0) return all
  const missing = wanted.filter((p) => !all.includes(p))
  if (missing.length > 0) {
    throw new SstreamError('USAGE', `The topic ${topic} has no partition ${missing.join(', ')}; it has ${count} (0–${count - 1}).`)
  }
  return [...new Set(wanted)].sort((a, b) => a - b)
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string | string[]> {
  const decoded: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue
    decoded[name] = Array.isArray(value) ? value.map((v) => String(v)) : String(value)
  }
  return decoded
}
