/**
 * What every `sstream run <pipeline>` command shares: the processor flags of SPEC §4 (group, --from,
 * bounds, idle timeout, dead-letter topic), the output of a run — one plain line per result on stdout,
 * or NDJSON events with --json, progress and outages on stderr — and a one-line JSON summary at the end.
 * With --tui on a terminal, `execute` runs the pipeline under its live view instead (`q` quits, `p` pauses).
 */
import {Flags, type Command} from '@oclif/core'

import {TOPICS, type PipelineName} from '../core/names.js'
import {parseDuration} from '../core/duration.js'
import type {PipelineEvent, ResultEvent, RunOptions, RunSummary} from '../core/stream/index.js'
import type {PipelineMetrics} from '../core/metrics/index.js'
import type {PipelineViewEvent} from '../core/tui/adapt.js'
import type {PauseGate} from '../core/async.js'
import type {StopReason} from '../core/stop.js'
import type {BoardKind} from '../core/watch/index.js'
import {metricsFlags} from './metrics-flags.js'
import type {JsonOutput} from './reporter.js'
import {SstreamCommand} from './sstream-command.js'

export const pipelineFlags = {
  'group-id': Flags.string({description: 'Consumer group id (default sstream-<pipeline>)'}),
  from: Flags.string({description: 'Where a new group starts on the input topic', options: ['earliest', 'latest'], default: 'earliest'}),
  'idle-timeout': Flags.string({description: 'A partition with no records for this long is idle (e.g. 5s)', default: '5s'}),
  duration: Flags.string({description: 'Stop after this long (e.g. 30s, 5m)'}),
  'max-future': Flags.string({
    description:
      'An event time more than this far ahead of the wall clock is dead-lettered (future-timestamp) instead of moving the watermark, so that one wrong clock cannot close every window (e.g. 1h, 10m; off: no bound). Windowed pipelines (analytics, alerts, views); the others have no event-time windows',
    default: '1h',
  }),
  'until-idle': Flags.boolean({description: 'Stop once every partition is caught up and idle and the last windows are written', default: false}),
  'deadletter-topic': Flags.string({
    description:
      'Topic for records that cannot be processed, with the reason in the sstream-reason header: malformed-json, malformed-csv, missing-value, bad-value (a field the outputs cannot hold, named in the sstream-field header), bad-timestamp, late, future-timestamp (beyond --max-future), rejected (a sink refused the result for its content, its words in sstream-error)',
    default: TOPICS.deadLetter,
  }),
  tui: Flags.boolean({description: 'Show the live view, updating in place (q quits, p pauses); plain lines without a terminal', default: false}),
  ...metricsFlags,
}

/**
 * What `execute` hands the run: spread it LAST into the run's options. Under the live view it replaces the
 * signal (`q` fires it) and `onEvent` (the view), and adds the pause switch (`p`) and faster stats.
 */
export interface PipelineIo extends Pick<RunOptions, 'signal' | 'statsIntervalMs' | 'observe'> {
  signal: AbortSignal
  onEvent?: (event: {type: string}) => void
  pause?: PauseGate
}

/** What the live view of a run reads besides the pipeline's events. */
export interface LiveViewExtras {
  /** A Redis sorted set the pipeline writes, read every second: the player board, or views' topics board. */
  board?: {kind: BoardKind; key: string}
  /** The table the analytics windows go to (in the view's title). */
  table?: string
}

/** The result of a `run` command: the run's summary (printed as one JSON line with --json). */
export type RunCommandResult = RunSummary & {type: 'summary'}

export abstract class PipelineCommand<T extends typeof Command> extends SstreamCommand<T> {
  protected override jsonOutput: JsonOutput = 'ndjson'
  /** The user pressed `q` in the live view: a normal end (exit 0). */
  private quitByKey = false

  /**
   * Runs the pipeline: under its live view with --tui on a terminal (ink loads only then), otherwise as
   * is (plain lines, or NDJSON with --json). `run` must spread `io` last into its options.
   */
  protected async execute<S>(pipeline: PipelineName, run: (io: PipelineIo) => Promise<S>, extras: LiveViewExtras = {}): Promise<S> {
    const metrics = await this.startMetrics(pipeline)
    const stats = await this.publishStats(pipeline)
    const observe = (event: PipelineEvent): void => {
      metrics?.observe(event)
      stats.observe(event)
    }
    try {
      return await this.executeWith(pipeline, (io) => run({...io, observe}), extras)
    } finally {
      await Promise.all([metrics?.close(), stats.close()])
    }
  }

  /**
   * Publishes the run's stats to Redis, where `sstream status` reads how far a running processor has read
   * (and, after it stops, how far it had read). Best effort: a run neither waits for Redis nor fails for it.
   */
  private async publishStats(pipeline: PipelineName): Promise<{observe: (event: PipelineEvent) => void; close: () => Promise<void>}> {
    const {ProcessorStatsPublisher} = await import('../core/redis/index.js')
    const publisher = new ProcessorStatsPublisher(this.config_.redisUrl, this.groupId(pipeline))
    let chain = Promise.resolve()
    return {
      observe: (event) => {
        if (event.type !== 'stats') return
        const {latency: _latency, ...stats} = event
        chain = chain.then(() => publisher.publish(stats))
      },
      close: async () => {
        await Promise.race([chain, new Promise((resolve) => setTimeout(resolve, 1000).unref())])
        await publisher.close()
      },
    }
  }

  /** With --metrics-port, the Prometheus endpoint of this run (prom-client loads only then). */
  private async startMetrics(pipeline: PipelineName): Promise<PipelineMetrics | undefined> {
    const flags = this.flags as unknown as Record<string, unknown>
    const port = flags['metrics-port'] as number | undefined
    if (port === undefined) return undefined
    const {startPipelineMetrics} = await import('../core/metrics/index.js')
    const metrics = await startPipelineMetrics({pipeline, groupId: this.groupId(pipeline), port, host: flags['metrics-host'] as string})
    this.report.progress({type: 'metrics', pipeline, url: metrics.url}, () => this.theme.dim(`Prometheus metrics on ${metrics.url}`))
    return metrics
  }

  private async executeWith<S>(pipeline: PipelineName, run: (io: PipelineIo) => Promise<S>, extras: LiveViewExtras): Promise<S> {
    const tui = (this.flags as unknown as Record<string, unknown>).tui === true
    if (!tui || this.jsonEnabled()) return run({signal: this.signal})
    if (this.outputMode !== 'interactive') {
      this.note(this.theme.dim('No terminal here: --tui prints plain lines instead of the live view.'))
      return run({signal: this.signal})
    }
    const [{runPipelineView}, {boardSource}, {redisTarget}, {PauseGate}] = await Promise.all([
      import('../core/tui/render-pipeline-view.js'),
      import('../core/watch/index.js'),
      import('../core/redis/index.js'),
      import('../core/async.js'),
    ])
    const gate = new PauseGate()
    const redisUrl = this.config_.redisUrl
    const {board, table} = extras
    this.enterLiveView()
    const {summary, quit} = await runPipelineView(pipeline, {
      theme: this.theme,
      signal: this.signal,
      ...(board ? {sources: [boardSource({kind: board.kind, key: board.key, redisUrl, intervalMs: 1000})], source: `${redisTarget(redisUrl)} ${board.key}`} : {}),
      ...(table ? {table} : {}),
      onPause: (paused) => gate.set(paused),
      run: ({onEvent, signal}) => run({signal, onEvent: (event) => onEvent(event as PipelineViewEvent), pause: gate, statsIntervalMs: 1000}),
    }).finally(() => this.leaveLiveView())
    this.quitByKey = quit
    return summary
  }

  /** The processor options shared by every pipeline, from the flags. */
  protected runOptions(pipeline: PipelineName): RunOptions {
    const flags = this.flags as unknown as Record<string, unknown>
    return {
      brokers: this.config_.kafkaBrokers,
      security: this.config_.kafkaSecurity,
      groupId: this.groupId(pipeline),
      from: flags.from as 'earliest' | 'latest',
      idleTimeoutMs: parseDuration(flags['idle-timeout'] as string, 'idle-timeout'),
      untilIdle: flags['until-idle'] as boolean,
      maxFutureMs: flags['max-future'] === 'off' ? null : parseDuration(flags['max-future'] as string, 'max-future'),
      ...(flags.duration === undefined ? {} : {durationMs: parseDuration(flags.duration as string, 'duration', {positive: true})}),
      signal: this.signal,
      onEvent: (event) => this.onPipelineEvent(event),
    }
  }

  protected groupId(pipeline: PipelineName): string {
    return ((this.flags as unknown as Record<string, unknown>)['group-id'] as string | undefined) ?? `sstream-${pipeline}`
  }

  /** How a result reads as a plain line. */
  protected abstract formatResult(event: ResultEvent): string

  /** Every engine event: NDJSON with --json; otherwise results on stdout, outages and stats on stderr. */
  protected onPipelineEvent(event: PipelineEvent): void {
    if (event.type === 'result') this.report.result(event, () => this.formatResult(event))
    else this.report.progress(event, () => this.progressLines(event))
  }

  /** The plain lines of the events that are not results (stderr). */
  private progressLines(event: Exclude<PipelineEvent, ResultEvent>): string[] {
    switch (event.type) {
      case 'status':
        return [event.state === 'down' ? this.theme.warn(`${event.service} is down: ${event.message} (retrying)`) : this.theme.ok(event.message)]
      case 'started':
        return [this.theme.dim(`Running ${event.pipeline} on ${event.inputTopic} (group ${event.groupId}) → ${event.outputs.join(', ')}. Ctrl-C stops.`)]
      case 'stats':
        return [
          this.theme.dim(
            `${event.recordsIn} in (${event.rate}/s), ${event.recordsOut} out, ${event.deadLettered} dead-lettered, ${event.late} late, ${event.future ? `${event.future} future-dated, ` : ''}` +
              `watermark ${event.watermark ?? '-'}, lag ${event.lag ?? '-'}`,
          ),
        ]
      default:
        return []
    }
  }

  /** The summary as a result: a final stderr line in plain mode, the last NDJSON event with --json. */
  protected finish(summary: RunSummary): RunCommandResult {
    const reason: StopReason = this.quitByKey ? 'quit' : summary.stoppedBy
    const outputs = Object.entries(summary.outputs).map(([name, n]) => `${n} ${name}`).join(', ') || 'no results'
    this.note(`Stopped (${reason === 'quit' ? 'q' : reason}) after ${(summary.elapsedMs / 1000).toFixed(1)} s: ${summary.recordsIn} records in, ${outputs}, ${summary.deadLettered} dead-lettered, ${summary.late} late${summary.future ? `, ${summary.future} future-dated` : ''}.`)
    this.stopped(reason)
    return {type: 'summary', ...summary}
  }
}
