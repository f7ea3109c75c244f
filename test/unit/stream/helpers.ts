import {RecordError, type PipelineDefinition, type StoreSink, type WindowResult} from '../../../src/core/stream/index.js'

export interface Reading {
  key: string
  n: number
}

/** An in-memory store sink that keeps every write, for assertions. */
export function memorySink<T>(name = 'memory'): StoreSink<T> & {items: T[]} {
  const items: T[] = []
  return {
    kind: 'store',
    name,
    service: 'mariadb',
    items,
    open: async () => undefined,
    write: async (batch) => {
      items.push(...batch)
    },
    close: async () => undefined,
  }
}

/** A small windowed pipeline: JSON {key, n} values, event time = the Kafka timestamp, sum and count per key. */
export function sumPipeline(options: {sizeMs?: number; latenessMs?: number} = {}) {
  const sink = memorySink<WindowResult<{sum: number; count: number}>>('sums')
  const definition: PipelineDefinition<Reading> = {
    name: 'sums',
    inputTopic: 'in',
    deadLetterTopic: 'dlq',
    decode: (record) => {
      try {
        return JSON.parse(record.valueBytes()!.toString()) as Reading
      } catch {
        throw new RecordError('malformed-json', 'not JSON')
      }
    },
    window: {
      name: 'sums',
      sizeMs: options.sizeMs ?? 5000,
      latenessMs: options.latenessMs ?? 5000,
      key: (r) => r.key,
      aggregator: {
        init: () => ({sum: 0, count: 0}),
        add: (acc, r) => ({sum: acc.sum + r.n, count: acc.count + 1}),
        merge: (a, b) => ({sum: a.sum + b.sum, count: a.count + b.count}),
        result: (acc) => acc,
      },
      sink,
    },
  }
  return {definition, sink}
}

export const reading = (key: string, n: number): string => JSON.stringify({key, n})

/** Results as compact strings `start/key=sum#count`, sorted. */
export function summarize(items: Array<WindowResult<{sum: number; count: number}>>, base = 0): string[] {
  return items.map((r) => `${r.windowStart - base}/${r.key}=${r.value.sum}#${r.value.count}`).sort()
}
