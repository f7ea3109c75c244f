/**
 * What a task hands the runtime after a batch (or an idle step): the Kafka messages of its transaction,
 * the store writes to make before committing, the events to report once committed, and counts.
 */
import type {DeadLetterEvent, DeadLetterReason, InputRecord, OutputMessage, ResultEvent, Sink, SinkWriteContext, StoreSink, WindowResult} from './types.js'
import {isoOrNull} from './windows.js'

/** Dead-letter headers (SPEC §4). */
export const DEAD_LETTER_HEADERS = {
  pipeline: 'sstream-pipeline',
  sourceTopic: 'sstream-source-topic',
  sourcePartition: 'sstream-source-partition',
  sourceOffset: 'sstream-source-offset',
  reason: 'sstream-reason',
  error: 'sstream-error',
} as const

export interface StoreWrite {
  sink: StoreSink<unknown>
  items: unknown[]
  context: SinkWriteContext
  /** Reported once the write and the commit are done. */
  results: ResultEvent[]
  /** Set by per-record stages with a stored position: the position to remember after the write. */
  stage?: string
}

export interface TaskOutput {
  /** Messages of the task's transaction: topic-sink outputs, partials and markers, dead letters. */
  messages: OutputMessage[]
  /** Store writes to make, in order, before the transaction commits. */
  storeWrites: StoreWrite[]
  /** Results of topic sinks (their messages are in `messages`). */
  results: ResultEvent[]
  deadLetters: DeadLetterEvent[]
  recordsIn: number
  late: number
  /** Ends of the windows emitted (stage 2), for the end-to-end latency. */
  windowEnds: number[]
  /** Whether the transaction must run (outputs, or a new checkpoint). */
  commit: boolean
}

export function emptyOutput(): TaskOutput {
  return {messages: [], storeWrites: [], results: [], deadLetters: [], recordsIn: 0, late: 0, windowEnds: [], commit: false}
}

/** Adds a dead letter (message + event) for a record. */
export function addDeadLetter(
  out: TaskOutput,
  pipeline: string,
  deadLetterTopic: string,
  record: Pick<InputRecord, 'topic' | 'partition' | 'offset' | 'key' | 'value'>,
  reason: DeadLetterReason,
  message: string,
): void {
  out.messages.push({
    topic: deadLetterTopic,
    key: record.key,
    value: record.value ?? '',
    headers: {
      [DEAD_LETTER_HEADERS.pipeline]: pipeline,
      [DEAD_LETTER_HEADERS.sourceTopic]: record.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(record.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: String(record.offset),
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.error]: message.slice(0, 500),
    },
  })
  out.deadLetters.push({type: 'deadletter', pipeline, reason, topic: record.topic, partition: record.partition, offset: record.offset, message})
}

export interface RoutedItem<T> {
  item: T
  key: string | null
  window?: WindowResult<unknown>
  source?: {topic: string; partition: number; offset: number}
}

/** Sends items to a sink: topic sinks add messages and results; store sinks add one store write. */
export function routeItems<T>(out: TaskOutput, pipeline: string, sink: Sink<T>, items: Array<RoutedItem<T>>, context: SinkWriteContext, stage?: string): void {
  if (items.length === 0) return
  if (sink.kind === 'topic') {
    for (const routed of items) {
      const message = sink.toMessage(routed.item)
      if (!message) continue
      out.messages.push({topic: sink.topic, key: message.key, value: message.value})
      out.results.push(resultEvent(pipeline, sink.name, routed, {topic: sink.topic, ...message}))
    }
    return
  }
  const results = items.map((r) => resultEvent(pipeline, sink.name, r))
  // Several emissions in one batch (stage 2) make one write.
  const last = out.storeWrites.at(-1)
  if (last && last.sink === sink && last.stage === stage) {
    last.items.push(...items.map((r) => r.item))
    last.results.push(...results)
    last.context = context
    return
  }
  out.storeWrites.push({sink: sink as StoreSink<unknown>, items: items.map((r) => r.item), context, results, ...(stage ? {stage} : {})})
}

function resultEvent<T>(pipeline: string, output: string, routed: RoutedItem<T>, message?: ResultEvent['message']): ResultEvent {
  const event: ResultEvent = {type: 'result', pipeline, output, key: routed.key, value: routed.window ? routed.window.value : routed.item}
  if (routed.window) event.window = {start: isoOrNull(routed.window.windowStart) ?? '', end: isoOrNull(routed.window.windowEnd) ?? ''}
  if (message) event.message = message
  if (routed.source) event.source = routed.source
  return event
}
