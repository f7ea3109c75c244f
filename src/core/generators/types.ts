import type {GeneratorName} from '../names.js'
import type {Clock} from './clock.js'
import type {Random} from './random.js'

/** One record as a generator makes it: UTF-8 key and value, and the event time as the record timestamp. */
export interface GeneratedRecord {
  key: string
  value: string
  /** Epoch ms: the Kafka record timestamp (CreateTime), equal to the event time in the value. */
  timestamp: number
}

/** A pure, seeded source of records: no I/O, no timers. */
export interface EventFactory {
  readonly generator: GeneratorName
  next(): GeneratedRecord
  /** `count` records at once. */
  take(count: number): GeneratedRecord[]
}

export interface FactoryOptions {
  /** Fixes every random choice. Ignored when `random` is given. */
  seed?: number
  random?: Random
  /** The event-time source; the wall clock by default. */
  clock?: Clock
}
