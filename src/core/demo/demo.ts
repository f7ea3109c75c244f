/**
 * `sstream demo`: one command that shows the patterns working. It brings up the local stack when a service
 * does not answer, sets up topics, tables and Redis, starts the sentiment service (predictions) unless the
 * user named one, then runs each pattern's generator and processor in this process for a bounded time,
 * and sums up what each did.
 * Core only: progress and events go to `onEvent`; the command prints them or shows the live view.
 */
import type {SstreamConfig} from '../config/index.js'
import {SstreamError} from '../errors.js'
import {runGenerator} from '../generators/run-generator.js'
import type {GeneratorName, PipelineName} from '../names.js'
import type {BoardPipelineEvent} from '../pipelines/leaderboard.js'
import type {RunOptions, RunSummary} from '../stream/types.js'
import type {StopReason} from '../stop.js'
import {DEFAULT_DEMO_DURATION_MS, DEFAULT_DEMO_RATE, demoTargets, GENERATOR_OF} from './plan.js'
import {checkGivenSentiment, clearStaleBoards, describeSetup, ensureStack, setupDemo, startDemoSentiment} from './prepare.js'
import {runDemoProcessor} from './processors.js'
import {sleep} from '../async.js'

export type DemoStep = 'stack' | 'setup' | 'sentiment' | 'running' | 'stopping'

/** A step of the demo's preparation or shut-down, for the progress lines. */
export interface DemoStepEvent {
  type: 'step'
  step: DemoStep
  message: string
  time: string
}

/** A generator's progress (every second). */
export interface DemoGeneratorEvent {
  type: 'generator'
  pipeline: PipelineName
  generator: GeneratorName
  topic: string
  /** Records the broker acknowledged so far. */
  sent: number
  ratePerSec: number
  time: string
}

/** Everything the demo reports: its steps, the generators' progress, and every processor's events. */
export type DemoEvent = DemoStepEvent | DemoGeneratorEvent | BoardPipelineEvent

export interface DemoOptions {
  pipelines: PipelineName[]
  config: SstreamConfig
  /** MariaDB administrator URL, for the set-up of the database (default: root on the server of the MariaDB URL). */
  adminUrl?: string
  /**
   * The user named the sentiment service (--sentiment-url or SSTREAM_SENTIMENT_URL): predictions use the one
   * at `config.sentimentUrl`, checked before anything else, instead of one the demo starts. Default false.
   */
  sentimentGiven?: boolean
  /** Records per second, per generator. Default 20. */
  rate?: number
  /** How long generators and processors run. Default 60 s. */
  durationMs?: number
  /** Ctrl-C, or `q` in the live view: stop now (without waiting for the processors to catch up). */
  signal: AbortSignal
  onEvent?: (event: DemoEvent) => void
  /** Once everything is prepared, just before the generators and processors start (the live view mounts here). */
  onRunning?: (info: DemoRunningInfo) => void
  /** `p` in the live view: pauses and resumes the processors' consumption (the generators go on). */
  pause?: RunOptions['pause']
  /** How often each processor reports its figures. Default 1000. */
  statsIntervalMs?: number
  /** At the end of the duration the generators stop first; the processors then get this long to catch up. Default 5000. */
  drainMs?: number
}

export interface DemoRunningInfo {
  pipelines: PipelineName[]
  /** Epoch ms. */
  startedAt: number
  endsAt: number
  rate: number
  sentimentUrl: string | null
}

export interface DemoPipelineSummary {
  pipeline: PipelineName
  generator: GeneratorName
  inputTopic: string
  groupId: string
  /** Records the generator wrote (acknowledged by the broker). */
  generated: number
  /** Records the processor consumed (this run; it may have resumed an earlier backlog). */
  processed: number
  /** Results written, in total and per output. */
  results: number
  outputs: Record<string, number>
  deadLettered: number
  late: number
}

export interface DemoResult {
  pipelines: DemoPipelineSummary[]
  /** `duration`: ran its time; `signal`: Ctrl-C (the command makes `q` a `quit`). */
  stoppedBy: Extract<StopReason, 'duration' | 'signal' | 'quit'>
  elapsedMs: number
  /** Whether the demo started the local stack. */
  stack: 'running' | 'started'
  rate: number
  /** The sentiment service predictions used (the demo's own, or the one given), when predictions ran. */
  sentimentUrl: string | null
}

const now = (): string => new Date().toISOString()

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new SstreamError('INTERRUPTED', 'Interrupted before the demo started.')
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const {config, signal, pipelines} = options
  const emit = options.onEvent ?? (() => undefined)
  const step = (name: DemoStep, message: string): void => emit({type: 'step', step: name, message, time: now()})

  const given = pipelines.includes('predictions') && options.sentimentGiven === true ? config.sentimentUrl : undefined
  // A service the user named is checked first, so that a wrong URL fails at once.
  if (given) await checkGivenSentiment(given)
  throwIfAborted(signal)
  const stack = await ensureStack(config, (message) => step('stack', message), signal)
  if (stack.state === 'started') step('stack', 'The local stack is up.')
  throwIfAborted(signal)
  step('setup', 'Setting up topics, tables and Redis…')
  step('setup', describeSetup(await setupDemo({config, adminUrl: options.adminUrl})))
  for (const key of await clearStaleBoards(config, pipelines)) {
    step('setup', `Cleared ${key}: its stored offsets ran past the end of its input topic (built from an earlier topic of that name).`)
  }
  throwIfAborted(signal)
  const sentiment = pipelines.includes('predictions') && !given ? await startDemoSentiment() : undefined
  if (given) step('sentiment', `Sentiment service at ${given} (given).`)
  if (sentiment) step('sentiment', `Sentiment service (${sentiment.model}) listening on ${sentiment.url}.`)
  try {
    return {...(await runLive(options, emit, given ?? sentiment?.url ?? null)), stack: stack.state}
  } finally {
    await sentiment?.close()
  }
}

/** Generators and processors together, until the duration ends or the signal fires. */
async function runLive(options: DemoOptions, emit: (event: DemoEvent) => void, sentimentUrl: string | null): Promise<Omit<DemoResult, 'stack'>> {
  const {config, signal, pipelines} = options
  const rate = options.rate ?? DEFAULT_DEMO_RATE
  const durationMs = options.durationMs ?? DEFAULT_DEMO_DURATION_MS
  const startedAt = Date.now()
  options.onRunning?.({pipelines, startedAt, endsAt: startedAt + durationMs, rate, sentimentUrl})
  emit({type: 'step', step: 'running', message: `Running ${pipelines.join(', ')} for ${Math.round(durationMs / 1000)} s, ${rate} records/s per generator.`, time: now()})

  const generatorStop = new AbortController()
  const processorStop = new AbortController()
  let stoppedBy: Extract<StopReason, 'duration' | 'signal'> | undefined
  let failure: unknown
  let endNow!: () => void
  const ended = new Promise<void>((resolve) => (endNow = resolve))
  const end = (reason: Extract<StopReason, 'duration' | 'signal'>): void => {
    stoppedBy ??= reason
    generatorStop.abort()
    endNow()
  }
  const fail = (error: unknown): undefined => {
    failure ??= error
    end('signal')
    return undefined
  }
  const timer = setTimeout(() => end('duration'), durationMs)
  const onAbort = (): void => {
    end('signal')
    processorStop.abort()
  }
  signal.addEventListener('abort', onAbort, {once: true})
  const caughtUp = new Map<PipelineName, number>()

  const processors = pipelines.map((pipeline) =>
    runDemoProcessor(pipeline, {
      config,
      sentimentUrl: sentimentUrl ?? config.sentimentUrl,
      signal: processorStop.signal,
      statsIntervalMs: options.statsIntervalMs ?? 1000,
      ...(options.pause ? {pause: options.pause} : {}),
      onEvent: (event) => {
        if (event.type === 'stats' && event.lag === 0) caughtUp.set(pipeline, Date.now())
        emit(event)
      },
    }).catch(fail),
  )
  const generators = pipelines.map((pipeline) => {
    const generator = GENERATOR_OF[pipeline]
    return runGenerator({
      generator,
      brokers: config.kafkaBrokers,
      security: config.kafkaSecurity,
      rate,
      signal: generatorStop.signal,
      progressIntervalMs: 1000,
      onProgress: (p) => emit({type: 'generator', pipeline, generator, topic: p.topic, sent: p.sent, ratePerSec: p.currentRatePerSec, time: now()}),
    }).catch(fail)
  })

  try {
    await ended
    clearTimeout(timer)
    const generated = await Promise.all(generators)
    const stoppedGenerating = Date.now()
    if (stoppedBy === 'duration' && failure === undefined) {
      emit({type: 'step', step: 'stopping', message: 'Generators stopped; letting the processors catch up…', time: now()})
      await drain(() => pipelines.every((p) => (caughtUp.get(p) ?? 0) > stoppedGenerating), options.drainMs ?? 5000, signal)
    }
    emit({type: 'step', step: 'stopping', message: 'Stopping the processors…', time: now()})
    processorStop.abort()
    const summaries = await Promise.all(processors)
    if (failure !== undefined) throw failure
    return {
      pipelines: pipelines.map((pipeline, i) => summarise(pipeline, generated[i]?.sent ?? 0, summaries[i]!)),
      stoppedBy: stoppedBy ?? 'signal',
      elapsedMs: Date.now() - startedAt,
      rate,
      sentimentUrl,
    }
  } finally {
    clearTimeout(timer)
    signal.removeEventListener('abort', onAbort)
    generatorStop.abort()
    processorStop.abort()
    await Promise.allSettled([...generators, ...processors])
  }
}

/** Waits until `done()` or `ms` passes or the signal fires. */
async function drain(done: () => boolean, ms: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + ms
  while (!done() && !signal.aborted && Date.now() < deadline) await sleep(100, signal)
}

function summarise(pipeline: PipelineName, generated: number, summary: RunSummary): DemoPipelineSummary {
  const {inputTopic, groupId} = demoTargets(pipeline)
  return {
    pipeline,
    generator: GENERATOR_OF[pipeline],
    inputTopic,
    groupId,
    generated,
    processed: summary.recordsIn,
    results: summary.recordsOut,
    outputs: {...summary.outputs},
    deadLettered: summary.deadLettered,
    late: summary.late,
  }
}
