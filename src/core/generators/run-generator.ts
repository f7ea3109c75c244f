/**
 * The loop that paces a generator and produces its records: `--rate N` spreads records evenly over time
 * (small sends every few milliseconds, not a burst once a second), `--rate max` hands the producer large
 * chunks as fast as it acknowledges them, `--classic` sends one record and waits 1–3 s, as the original did.
 * A run ends at `count`, after `durationMs` or when the signal fires; then everything accepted is flushed,
 * and `sent` counts only records the broker acknowledged.
 */
import {settlesWithin} from '../async.js'
import {SstreamError} from '../errors.js'
import type {KafkaSecurity} from '../config/index.js'
import {createGeneratorProducer, type GeneratorProducerStats, type ProducerRecord} from '../kafka/index.js'
import type {GeneratorName} from '../names.js'
import {createEventFactory, GENERATOR_SPECS} from './catalog.js'
import {syntheticClock, wallClock} from './clock.js'
import {defaultTimeStepMs, type Rate} from './options.js'
import {createRandom, randomSeed} from './random.js'
import {loadReviewCorpus} from './reviews.js'
import type {GeneratedRecord} from './types.js'

/** Records per second when no rate is given. */
export const DEFAULT_RATE = 10
/** Records of a `--classic` run, as the original. */
export const CLASSIC_COUNT = 100

export interface GeneratorProgress {
  generator: GeneratorName
  topic: string
  /** Records the broker acknowledged. */
  sent: number
  /** Records handed to the producer and not acknowledged yet. */
  waiting: number
  /** Failed send attempts that were retried. */
  errors: number
  elapsedMs: number
  /** Average since the start. */
  ratePerSec: number
  /** Over the last progress interval. */
  currentRatePerSec: number
}

export interface GeneratorResult {
  generator: GeneratorName
  topic: string
  /** Records in the topic: acknowledged by all in-sync replicas. */
  sent: number
  durationMs: number
  ratePerSec: number
  /** Failed send attempts that were retried; a failure retries can't fix ends the run with an error. */
  errors: number
  /** Whether the run was stopped by the signal (Ctrl-C) rather than by its count or duration. */
  interrupted: boolean
  /**
   * Records given up unacknowledged when the signal came and Kafka did not acknowledge them within 5 s (a
   * broker gone): they may or may not be in the topic. Present only then.
   */
  unacknowledged?: number
  /** What the run's records will meet, said on stderr too: records older than the topic's retention (with --start-time). */
  warnings?: string[]
}

/** Where records go: the generators' producer, or a stand-in in unit tests. */
export interface RecordSink {
  readonly stats: GeneratorProducerStats
  send(records: readonly ProducerRecord[]): Promise<void>
  flush(): Promise<void>
  close(): Promise<void>
}

/** How time passes: real timers, or a virtual clock in unit tests. */
export interface GeneratorTimers {
  /** Monotonic milliseconds. */
  now(): number
  /** Resolves after ms, or at once when the signal fires. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Lets pending I/O run. */
  yield(): Promise<void>
}

export interface RunGeneratorOptions {
  generator: GeneratorName
  brokers: string[]
  /** Kafka TLS and SASL (plaintext when absent). */
  security?: KafkaSecurity
  /** The generator's SPEC topic unless given. */
  topic?: string
  /** Records per second, or 'max'. Default 10. Ignored with `classic`. */
  rate?: Rate
  /** Stop after this many records (default: no limit; 100 with `classic`). */
  count?: number
  /** Stop after this long. */
  durationMs?: number
  /** One record every 1–3 s (uniform), 100 records, as the original generators. */
  classic?: boolean
  /** Fixes every random choice. */
  seed?: number
  /**
   * Makes the clock synthetic: the first record's event time (epoch ms). Note: Kafka forgets a producer's
   * idempotence state on restart when its last record timestamp is older than producer.id.expiration.ms
   * (a day by default), so a retry across a broker restart can duplicate a batch of a run set in the past.
   */
  startTime?: number
  /** Event time between records with a synthetic clock; default the pacing's interval. */
  timeStepMs?: number
  /** Reviews to pick from; the corpus sstream ships by default. */
  corpus?: readonly string[]
  /** A file of reviews, one per line, instead of the corpus sstream ships. */
  corpusPath?: string
  signal?: AbortSignal
  onProgress?: (progress: GeneratorProgress) => void
  progressIntervalMs?: number
  /** Called with records once the broker acknowledged them (for the console echo). */
  onRecords?: (records: readonly GeneratedRecord[]) => void
  /** Records per send with `--rate max`. */
  chunkSize?: number
  /** Unacknowledged records at most; beyond it the loop waits (default: a second's worth at a steady rate, 60,000 at max). */
  maxBufferedRecords?: number
  openSink?: (topic: string) => Promise<RecordSink>
  timers?: GeneratorTimers
}

/** A run that stopped because Kafka failed it; `result` says what was sent before. */
export class GeneratorFailure extends SstreamError {
  constructor(
    cause: SstreamError,
    readonly result: GeneratorResult,
  ) {
    super(cause.code, `${cause.message} ${result.sent} record${result.sent === 1 ? ' was' : 's were'} sent to ${result.topic} before that.`, {
      cause,
      nextSteps: cause.nextSteps,
    })
  }
}

const MIN_TICK_MS = 5
/** After the signal, how long accepted records may take to be acknowledged before they are given up. */
const FLUSH_AFTER_SIGNAL_MS = 5000

export const realTimers: GeneratorTimers = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve()
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, {once: true})
    }),
  yield: () => new Promise<void>((resolve) => setImmediate(resolve)),
}

export async function runGenerator(options: RunGeneratorOptions): Promise<GeneratorResult> {
  const spec = GENERATOR_SPECS[options.generator]
  const topic = options.topic ?? spec.topic
  const classic = options.classic ?? false
  const rate = options.rate ?? DEFAULT_RATE
  const limit = options.count ?? (classic ? CLASSIC_COUNT : Number.POSITIVE_INFINITY)
  validate(options, rate, limit)
  const timers = options.timers ?? realTimers
  const signal = options.signal
  const seed = options.seed ?? randomSeed()
  const corpus = options.generator === 'reviews' ? (options.corpus ?? (await loadReviewCorpus(options.corpusPath))) : undefined
  const clock =
    options.startTime === undefined ? wallClock() : syntheticClock(options.startTime, options.timeStepMs ?? defaultTimeStepMs(rate, classic))
  const factory = createEventFactory(options.generator, {random: createRandom(seed, 0), clock, corpus})
  const sink = await (options.openSink ?? ((t: string) => createGeneratorProducer({brokers: options.brokers, security: options.security, topic: t, signal})))(topic)

  const started = timers.now()
  const endAt = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs
  // At a steady rate, at most about a second of records waits for the broker (after an outage they go out
  // at once); at full speed, enough to keep large batches flowing.
  const maxBuffered = options.maxBufferedRecords ?? (rate === 'max' || classic ? 60_000 : Math.max(100, Math.ceil(rate)))
  const pending = new Set<Promise<void>>()
  let failure: unknown
  let generated = 0

  const stopped = (): boolean => failure !== undefined || signal?.aborted === true || generated >= limit || timers.now() >= endAt
  const submit = (records: GeneratedRecord[]): void => {
    const sending: Promise<void> = sink.send(records).then(
      () => options.onRecords?.(records),
      (error: unknown) => {
        failure ??= error
      },
    )
    pending.add(sending)
    void sending.finally(() => pending.delete(sending))
    generated += records.length
  }
  // After the signal, what was accepted gets FLUSH_AFTER_SIGNAL_MS to be acknowledged: with the broker gone
  // the sends would otherwise wait for their delivery timeout (2 min), and the process would end at the
  // stop deadline without its summary.
  const signalled = new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), {once: true})))
  let signalledAt: number | undefined
  void signalled.then(() => (signalledAt = timers.now()))
  const bounded = async (work: Promise<unknown>): Promise<void> => {
    if (signalledAt === undefined) {
      await Promise.race([work, signalled])
      if (signalledAt === undefined) return
    }
    await settlesWithin(work, signalledAt + FLUSH_AFTER_SIGNAL_MS - timers.now())
  }
  const relieve = async (): Promise<void> => {
    while (sink.stats.buffered >= maxBuffered && pending.size > 0 && failure === undefined && !signal?.aborted) await Promise.race([pending.values().next().value, signalled])
  }

  const progress = startProgress(options, topic, sink.stats, timers, started)
  let unacknowledged = 0
  try {
    if (classic) {
      const pauses = createRandom(seed, 1)
      while (!stopped()) {
        submit([factory.next()])
        await Promise.all(pending)
        if (failure !== undefined) break
        // The original pauses after every record, the last one included.
        await timers.sleep(Math.min(1000 + pauses.int(2000), endAt - timers.now()), signal)
      }
    } else if (rate === 'max') {
      const chunk = options.chunkSize ?? 4000
      while (!stopped()) {
        submit(factory.take(Math.min(chunk, limit - generated)))
        await relieve()
        await timers.yield()
      }
    } else {
      const intervalMs = 1000 / rate
      let origin = started
      while (!stopped()) {
        const now = timers.now()
        let due = Math.floor((now - origin) / intervalMs) + 1 - generated
        // More than a second behind (the broker was away): carry on at the rate instead of bursting.
        if (due > Math.max(1, rate)) {
          origin = now - generated * intervalMs
          due = 1
        }
        due = Math.min(due, limit - generated)
        if (due > 0) {
          submit(factory.take(due))
          await relieve()
        }
        if (stopped()) break
        const nextAt = origin + generated * intervalMs
        await timers.sleep(Math.min(Math.max(MIN_TICK_MS, nextAt - timers.now()), endAt - timers.now()), signal)
      }
    }
    await bounded(Promise.all(pending))
    await bounded(
      sink.flush().catch((error: unknown) => {
        failure ??= error
      }),
    )
  } finally {
    progress.stop()
    // Closing fails the records still waiting (INTERRUPTED): given up after the signal, they are counted, not an error.
    unacknowledged = signal?.aborted ? sink.stats.buffered : 0
    const failed = failure
    await sink.close()
    if (unacknowledged > 0) failure = failed
  }
  const durationMs = Math.max(0, timers.now() - started)
  const result: GeneratorResult = {
    generator: options.generator,
    topic,
    sent: sink.stats.acked,
    durationMs: Math.round(durationMs),
    ratePerSec: durationMs > 0 ? Math.round((sink.stats.acked / durationMs) * 1000 * 10) / 10 : 0,
    errors: sink.stats.retries,
    interrupted: signal?.aborted === true,
    ...(unacknowledged > 0 ? {unacknowledged} : {}),
  }
  if (failure !== undefined) {
    const cause = failure instanceof SstreamError ? failure : new SstreamError('KAFKA_ERROR', `Producing to ${topic} failed: ${String(failure)}`, {cause: failure})
    throw new GeneratorFailure(cause, result)
  }
  return result
}

function validate(options: RunGeneratorOptions, rate: Rate, limit: number): void {
  if (limit !== Number.POSITIVE_INFINITY && (!Number.isInteger(limit) || limit < 1)) {
    throw new SstreamError('USAGE', `The count must be a positive whole number, got ${options.count}.`)
  }
  if (options.durationMs !== undefined && !(options.durationMs > 0)) {
    throw new SstreamError('USAGE', `The duration must be positive, got ${options.durationMs} ms.`)
  }
  if (rate !== 'max' && !(rate > 0 && Number.isFinite(rate))) {
    throw new SstreamError('USAGE', `The rate must be a positive number of records per second or "max", got ${rate}.`)
  }
  if (options.timeStepMs !== undefined && !(options.timeStepMs >= 0)) {
    throw new SstreamError('USAGE', `The time step must be zero or more, got ${options.timeStepMs} ms.`)
  }
}

function startProgress(
  options: RunGeneratorOptions,
  topic: string,
  stats: GeneratorProducerStats,
  timers: GeneratorTimers,
  started: number,
): {stop(): void} {
  const onProgress = options.onProgress
  if (!onProgress) return {stop: () => undefined}
  let lastAt = started
  let lastSent = 0
  const emit = (): void => {
    const now = timers.now()
    const elapsedMs = now - started
    const interval = now - lastAt
    onProgress({
      generator: options.generator,
      topic,
      sent: stats.acked,
      waiting: stats.buffered,
      errors: stats.retries,
      elapsedMs,
      ratePerSec: elapsedMs > 0 ? (stats.acked / elapsedMs) * 1000 : 0,
      currentRatePerSec: interval > 0 ? ((stats.acked - lastSent) / interval) * 1000 : 0,
    })
    lastAt = now
    lastSent = stats.acked
  }
  const timer = setInterval(emit, options.progressIntervalMs ?? 250)
  return {
    stop: () => {
      clearInterval(timer)
      emit()
    },
  }
}
