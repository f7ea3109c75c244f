/**
 * What a task hands the runtime after a batch (or an idle step): the Kafka messages of its transaction,
 * the store writes to make before committing, the events to report once committed, and counts.
 */
import {isUtf8} from 'node:buffer'

import {inputRecord, type DeadLetterEvent, type DeadLetterReason, type InputRecord, type OutputMessage, type ResultEvent, type Sink, type SinkWriteContext, type SinkWriteResult, type StoreSink, type WindowResult} from './types.js'
import {isoOrNull} from './windows.js'

/** Dead-letter headers (SPEC §4). */
export const DEAD_LETTER_HEADERS = {
  pipeline: 'sstream-pipeline',
  sourceTopic: 'sstream-source-topic',
  sourcePartition: 'sstream-source-partition',
  sourceOffset: 'sstream-source-offset',
  reason: 'sstream-reason',
  error: 'sstream-error',
  /** The field at fault (`bad-value`, `bad-timestamp` from a field). */
  field: 'sstream-field',
  /** A window result a sink refused (`rejected`): its window, ISO times. */
  windowStart: 'sstream-window-start',
  windowEnd: 'sstream-window-end',
  /** The dead letter's value was cut to fit the dead-letter topic: the original size in bytes. */
  truncated: 'sstream-truncated',
  /** The dead letter's key was cut to fit the dead-letter topic (to its first 1,000 characters): the original size in bytes. */
  keyTruncated: 'sstream-key-truncated',
} as const

/**
 * The most bytes of key and value of one dead letter: below the broker's default `max.message.bytes`
 * (1 MiB + 12) with room for the headers and the record's framing. A larger record is dead-lettered with
 * its value cut to fit, and the `sstream-truncated` header gives the original size.
 */
export const MAX_DEAD_LETTER_BYTES = 1_000_000

/** The input record of a per-record item, as a store write keeps it (for its result and a dead letter). */
export type ItemRecord = Pick<InputRecord, 'topic' | 'partition' | 'offset' | 'key' | 'valueBytes' | 'keyBytes'>

/**
 * Items for one store sink, with where each came from (to report it and to dead-letter it if the store refuses
 * it): parallel arrays, no object per item. Its result events are made when they are reported
 * (`forEachResult`), after the commit, not kept with the write while it is in flight.
 */
export interface StoreWrite {
  sink: StoreSink<unknown>
  items: unknown[]
  context: SinkWriteContext
  /** Set by per-record stages with a stored position: the position to remember after the write. */
  stage?: string
  /** A per-record stage's write: each item's input record (parallel to `items`). */
  records?: ItemRecord[]
  /** A window stage's write: each item's window result (parallel to `items`). */
  windows?: Array<WindowResult<unknown>>
  /** The items seen before (a replay or a catch-up), by index: their dead letters, if any, were committed then. */
  again?: Set<number>
  /** The items not reported as written, by index: refused by the store, or held by it before (settleStoreWrite). */
  unreported?: Set<number>
  pipeline: string
  deadLetterTopic: string
  /** The store took the write (its results are then what it added): durable, whatever the commit after it does. */
  settled?: boolean
}

/** A store write for `sink` with no items yet. */
export function storeWrite(sink: StoreSink<unknown>, context: SinkWriteContext, pipeline: string, deadLetterTopic: string, stage?: string): StoreWrite {
  return {sink, items: [], context, pipeline, deadLetterTopic, ...(stage ? {stage} : {})}
}

/** Calls `report` with the result event of each item a store write added, in order. */
export function forEachResult(write: StoreWrite, report: (event: ResultEvent) => void): void {
  const {items, records, windows, unreported, pipeline} = write
  const output = write.sink.name
  for (let index = 0; index < items.length; index++) {
    if (unreported !== undefined && unreported.has(index)) continue
    const window = windows?.[index]
    if (window !== undefined) {
      report({type: 'result', pipeline, output, key: window.key, value: window.value, window: {start: isoOrNull(window.windowStart) ?? '', end: isoOrNull(window.windowEnd) ?? ''}})
      continue
    }
    const record = records?.[index]
    // One literal with every field (no property added after it is made).
    report(
      record
        ? {type: 'result', pipeline, output, key: record.key, value: items[index], source: {topic: record.topic, partition: record.partition, offset: record.offset}}
        : {type: 'result', pipeline, output, key: null, value: items[index]},
    )
  }
}

/** How many items a store write reports as written. */
export function resultCount(write: StoreWrite): number {
  return write.items.length - (write.unreported?.size ?? 0)
}

export interface TaskOutput {
  /** Messages of the task's transaction: topic-sink outputs, partials and markers, dead letters. */
  messages: OutputMessage[]
  /** Store writes to make, in order, before the transaction commits. */
  storeWrites: StoreWrite[]
  /** Results of topic sinks (their messages are in `messages`). */
  results: ResultEvent[]
  /** The topic sinks' messages in `messages`, with their results (to refuse one the topic cannot take). */
  produced: Array<{message: OutputMessage; result: ResultEvent}>
  deadLetters: DeadLetterEvent[]
  recordsIn: number
  late: number
  /** Records dead-lettered `future-timestamp`. */
  future: number
  /** Ends of the windows emitted (stage 2), for the end-to-end latency. */
  windowEnds: number[]
  /** Whether the transaction must run (outputs, or a new checkpoint). */
  commit: boolean
}

export function emptyOutput(): TaskOutput {
  return {messages: [], storeWrites: [], results: [], produced: [], deadLetters: [], recordsIn: 0, late: 0, future: 0, windowEnds: [], commit: false}
}

/** Adds a dead letter (message + event) for a record. */
export function addDeadLetter(
  out: TaskOutput,
  pipeline: string,
  deadLetterTopic: string,
  record: Pick<InputRecord, 'topic' | 'partition' | 'offset' | 'key' | 'valueBytes' | 'keyBytes'>,
  reason: DeadLetterReason,
  message: string,
  extra: {field?: string; headers?: Record<string, string>} = {},
): void {
  const headers: Record<string, string> = {
    [DEAD_LETTER_HEADERS.pipeline]: pipeline,
    [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: String(record.offset),
    [DEAD_LETTER_HEADERS.reason]: reason,
    [DEAD_LETTER_HEADERS.error]: cutText(message, 500),
  }
  if (extra.field !== undefined) headers[DEAD_LETTER_HEADERS.field] = cutText(extra.field, 200)
  Object.assign(headers, extra.headers)
  const letter: OutputMessage = {topic: deadLetterTopic, key: record.key, value: record.valueBytes() ?? '', headers}
  // A key that is not UTF-8 keeps its bytes (its text holds U+FFFD where they were).
  const keyBytes = record.key === null ? null : record.keyBytes?.()
  if (keyBytes && !isUtf8(keyBytes)) letter.keyBytes = keyBytes
  const valueBytes = typeof letter.value === 'string' ? Buffer.byteLength(letter.value) : letter.value.length
  if (keySize(letter) + valueBytes > MAX_DEAD_LETTER_BYTES) cutDeadLetter(letter, MAX_DEAD_LETTER_BYTES)
  out.messages.push(letter)
  out.deadLetters.push({type: 'deadletter', pipeline, reason, topic: record.topic, partition: record.partition, offset: record.offset, message})
}

/** The most bytes of a dead letter's headers: the error is cut to 500 characters, the field to 200, the rest are short. */
const DEAD_LETTER_HEADERS_BOUND = 8192

/** The bytes of a message's key as written. */
function keySize(message: OutputMessage): number {
  return message.keyBytes ? message.keyBytes.length : message.key === null ? 0 : Buffer.byteLength(message.key)
}

/** The bytes of a message's headers (names and values). */
function headerBytes(message: OutputMessage): number {
  let bytes = 0
  for (const name in message.headers) bytes += Buffer.byteLength(name) + Buffer.byteLength(message.headers[name])
  return bytes
}

/** The most bytes the headers a cut adds take: their names and two sizes of up to 16 digits. */
const CUT_HEADERS_BYTES = DEAD_LETTER_HEADERS.truncated.length + DEAD_LETTER_HEADERS.keyTruncated.length + 32

/**
 * Cuts a dead letter to at most `maxBytes` of key and value (`maxBytes` less its headers' bytes, when
 * `withHeaders`): a key larger than half of that keeps its first 1,000 characters, and `sstream-key-truncated`
 * gives the key's original size in bytes; the start of the value is kept, as much as fits, and when that is not
 * all of it `sstream-truncated` gives the value's original size in bytes. A dead letter cut again (to fit a
 * smaller topic) keeps the sizes of the record (the dead letter's source headers still name it).
 */
function cutDeadLetter(letter: OutputMessage, maxBytes: number, withHeaders = false): void {
  const value = typeof letter.value === 'string' ? Buffer.from(letter.value) : letter.value
  const room = maxBytes - (withHeaders ? headerBytes(letter) + CUT_HEADERS_BYTES : 0)
  const keyBytes = keySize(letter)
  if (keyBytes > room / 2) {
    // Its first 1,000 characters, within half the room (a small topic takes fewer).
    const keyRoom = Math.max(0, Math.floor(room / 2))
    if (letter.key !== null) letter.key = cutUtf8(cutText(letter.key, 1000), keyRoom)
    if (letter.keyBytes) letter.keyBytes = letter.keyBytes.subarray(0, Math.min(1000, keyRoom))
    if (letter.headers && keySize(letter) < keyBytes) letter.headers[DEAD_LETTER_HEADERS.keyTruncated] ??= String(keyBytes)
  }
  const valueRoom = Math.max(0, room - keySize(letter))
  if (letter.headers && value.length > valueRoom) letter.headers[DEAD_LETTER_HEADERS.truncated] ??= String(value.length)
  letter.value = value.subarray(0, valueRoom)
}

/**
 * Dead letters larger than the dead-letter topic accepts (its `max.message.bytes`, `limit`, below the usual
 * 1 MiB) would fail the whole transaction, again at every retry, and stop the partition for good: each is cut
 * to fit (cutDeadLetter), before the transaction.
 */
export function fitDeadLetters(out: TaskOutput, deadLetterTopic: string, limit: number | undefined): void {
  // The usual limit (1 MiB) takes any dead letter: key and value are cut to MAX_DEAD_LETTER_BYTES when made.
  if (limit === undefined || limit >= MAX_DEAD_LETTER_BYTES + DEAD_LETTER_HEADERS_BOUND + RECORD_FRAMING_BYTES) return
  const maxBytes = limit - RECORD_FRAMING_BYTES
  for (const message of out.messages) {
    if (message.topic !== deadLetterTopic) continue
    const valueBytes = typeof message.value === 'string' ? Buffer.byteLength(message.value) : message.value.length
    if (keySize(message) + valueBytes + headerBytes(message) > maxBytes) cutDeadLetter(message, maxBytes, true)
  }
}

/** The longest start of a text whose UTF-8 takes at most `maxBytes`, whole characters only. */
function cutUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text
  const {read} = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes))
  return text.slice(0, read)
}

/** At most `max` UTF-16 units of a text, never cutting a surrogate pair in two. */
function cutText(text: string, max: number): string {
  if (text.length <= max) return text
  const end = /[\ud800-\udbff]/.test(text[max - 1]) ? max - 1 : max
  return text.slice(0, end)
}

/**
 * After a store write: the items the store refused for their content (`result.rejected`) are dead-lettered
 * (reason `rejected`, the store's message; a window result with its window and key, its value as JSON) in the
 * same transaction as the offsets, and their results are not reported as written. An item seen before (a
 * replay) is not dead-lettered again: its dead letter was committed with it the first time. Items the store
 * already held (`result.skipped`) are not reported either: the run that wrote them did.
 */
export function settleStoreWrite(out: TaskOutput, write: StoreWrite, result: SinkWriteResult | void): void {
  write.settled = true
  if (!result) return
  const unreported = new Set<number>()
  let refused = 0
  for (const {index, message} of result.rejected) {
    if (!(index >= 0 && index < write.items.length) || unreported.has(index)) continue
    unreported.add(index)
    refused += 1
    if (write.again?.has(index)) continue
    const window = write.windows?.[index]
    const record = write.records?.[index]
    if (window) {
      const {windowStart, windowEnd, key, value} = window
      const source = inputRecord({topic: write.context.topic, partition: write.context.partition, offset: Math.max(0, write.context.nextOffset - 1), timestamp: 0, key, value: JSON.stringify(value) ?? ''})
      addDeadLetter(out, write.pipeline, write.deadLetterTopic, source, 'rejected', message, {
        headers: {[DEAD_LETTER_HEADERS.windowStart]: isoOrNull(windowStart) ?? String(windowStart), [DEAD_LETTER_HEADERS.windowEnd]: isoOrNull(windowEnd) ?? String(windowEnd)},
      })
    } else if (record) {
      addDeadLetter(out, write.pipeline, write.deadLetterTopic, record, 'rejected', message)
    }
  }
  for (const index of result.skipped ?? []) if (index >= 0 && index < write.items.length) unreported.add(index)
  if (unreported.size > 0) write.unreported = unreported
  if (refused > 0) out.commit = true
}

/**
 * Bytes a record takes in a record batch beyond its key, value and headers, and the batch's own header: a bound
 * (61 for the batch's header, at most 41 for the record's own fields and 10 per header, for ten headers).
 */
const RECORD_FRAMING_BYTES = 256

/** What the output topics refuse for a message's content: beyond their size limit, and (compacted) no key. */
export interface OutputTopicRules {
  limitOf(topic: string): number | undefined
  compacted(topic: string): boolean
}

/**
 * Output messages their topic would refuse for their content — larger than it accepts (its `max.message.bytes`,
 * from `topics.limitOf`), or without a key for a compacted topic — would fail the whole transaction, again at
 * every retry: each is taken out and dead-lettered `rejected` (the message as its value, the input record it came
 * from, or the window), and its result is not reported as written.
 */
export function refuseUnfit(
  out: TaskOutput,
  topics: OutputTopicRules,
  origin: {pipeline: string; deadLetterTopic: string; topic: string; partition: number; offset: number},
): void {
  if (out.produced.length === 0) return
  const refused = new Set<OutputMessage>()
  const results = new Set<ResultEvent>()
  for (const {message, result} of out.produced) {
    const why = unfit(message, result.output, topics)
    if (why === undefined) continue
    refused.add(message)
    results.add(result)
    const value = typeof message.value === 'string' ? Buffer.from(message.value) : message.value
    const source = result.source ?? {topic: origin.topic, partition: origin.partition, offset: origin.offset}
    const headers: Record<string, string> = result.window ? {[DEAD_LETTER_HEADERS.windowStart]: result.window.start, [DEAD_LETTER_HEADERS.windowEnd]: result.window.end} : {}
    addDeadLetter(out, origin.pipeline, origin.deadLetterTopic, {...source, key: message.key, valueBytes: () => value}, 'rejected', why, {headers})
  }
  if (refused.size === 0) return
  out.messages = out.messages.filter((m) => !refused.has(m))
  out.results = out.results.filter((r) => !results.has(r))
  out.produced = out.produced.filter((p) => !refused.has(p.message))
}

/** Why the message's topic would refuse it, or undefined when it fits. */
function unfit(message: OutputMessage, output: string, topics: OutputTopicRules): string | undefined {
  if (message.key === null && !message.keyBytes && topics.compacted(message.topic)) {
    return `The message for ${output} has no key, and ${message.topic} is compacted (cleanup.policy compact): it refuses a record without a key.`
  }
  const limit = topics.limitOf(message.topic)
  if (limit === undefined) return undefined
  // A UTF-16 unit takes at most 3 bytes in UTF-8: most messages fit without counting their bytes.
  const bound = (message.key === null ? 0 : message.key.length * 3) + (typeof message.value === 'string' ? message.value.length * 3 : message.value.length)
  if (bound + RECORD_FRAMING_BYTES <= limit) return undefined
  const bytes = (message.key === null ? 0 : Buffer.byteLength(message.key)) + (typeof message.value === 'string' ? Buffer.byteLength(message.value) : message.value.length)
  if (bytes + RECORD_FRAMING_BYTES <= limit) return undefined
  return `The message for ${output} is ${bytes} bytes (key and value), more than ${message.topic} accepts (max.message.bytes ${limit}).`
}

export interface RoutedItem<T> {
  item: T
  key: string | null
  window?: WindowResult<unknown>
  source?: {topic: string; partition: number; offset: number}
  /** The input record of a per-record item (for a dead letter if the store refuses it). */
  record?: InputRecord
  /** Seen before: a replay or a catch-up. */
  again?: boolean
}

/** Sends items to a sink: topic sinks add messages and results; store sinks add one store write. */
export function routeItems<T>(
  out: TaskOutput,
  pipeline: string,
  deadLetterTopic: string,
  sink: Sink<T>,
  items: Array<RoutedItem<T>>,
  context: SinkWriteContext,
  stage?: string,
): void {
  if (items.length === 0) return
  if (sink.kind === 'topic') {
    for (const routed of items) {
      const message = sink.toMessage(routed.item)
      if (!message) continue
      // The message written and the result's message are one object (the same topic, key and value).
      const produced = {topic: sink.topic, key: message.key, value: message.value}
      const result = resultEvent(pipeline, sink.name, routed, produced)
      out.messages.push(produced)
      out.results.push(result)
      out.produced.push({message: produced, result})
    }
    return
  }
  // Several emissions in one batch (stage 2) make one write.
  const last = out.storeWrites.at(-1)
  let write: StoreWrite
  if (last && last.sink === sink && last.stage === stage) {
    write = last
    write.context = context
  } else {
    write = storeWrite(sink as StoreSink<unknown>, context, pipeline, deadLetterTopic, stage)
    out.storeWrites.push(write)
  }
  for (const routed of items) {
    const index = write.items.length
    write.items.push(routed.item)
    if (routed.window) (write.windows ??= [])[index] = routed.window
    else if (routed.record) (write.records ??= [])[index] = routed.record
    if (routed.again) (write.again ??= new Set()).add(index)
  }
}

function resultEvent<T>(pipeline: string, output: string, routed: RoutedItem<T>, message?: ResultEvent['message']): ResultEvent {
  const {window} = routed
  const event: ResultEvent = {type: 'result', pipeline, output, key: routed.key, value: window ? window.value : routed.item}
  if (window) event.window = {start: isoOrNull(window.windowStart) ?? '', end: isoOrNull(window.windowEnd) ?? ''}
  if (message) event.message = message
  if (routed.source) event.source = routed.source
  return event
}
