/**
 * What every `sstream run <pipeline>` command shares: the processor flags of SPEC §4 (group, --from,
 * bounds, idle timeout, dead-letter topic), the output of a run — one plain line per result on stdout,
 * or NDJSON events with --json, progress and outages on stderr — and a one-line JSON summary at the end.
 * With --tui on a terminal, `execute` runs the pipeline under its live view instead (`q` quits, `p` pauses).
 */
import {Flags, type Command} from '@oclif/core'

import {TOPICS, type PipelineName} from '../core/names.js'
import {parseDuration, type PipelineEvent, type ResultEvent, type RunOptions, type RunSummary} from '../core/stream/index.js'
import type {PipelineViewEvent} from '../core/tui/adapt.js'
import type {BoardKind, PauseGate} from '../core/watch/index.js'
import {SstreamCommand} from './sstream-command.js'

export const pipelineFlags = {
  'group-id': Flags.string({description: 'Consumer group id (default sstream-<pipeline>)'}),
  from: Flags.string({description: 'Where a new group starts on the input topic', options: ['earliest', 'latest'], default: 'earliest'}),
  'idle-timeout': Flags.string({description: 'A partition with no records for this long is idle (e.g. 5s)', default: '5s'}),
  duration: Flags.string({description: 'Stop after this long (e.g. 30s, 5m)'}),
  'until-idle': Flags.boolean({description: 'Stop once every partition is caught up and idle and the last windows are written', default: false}),
  'deadletter-topic': Flags.string({description: 'Topic for records that cannot be processed', default: TOPICS.deadLetter}),
  tui: Flags.boolean({description: 'Show the live view, updating in place (q quits, p pauses); plain lines without a terminal', default: false}),
}

/**
 * What `execute` hands the run: spread it LAST into the run's options. Under the live view it replaces the
 * signal (`q` fires it) and `onEvent` (the view), and adds the pause switch (`p`) and faster stats.
 */
export interface PipelineIo extends Pick<RunOptions, 'signal' | 'statsIntervalMs'> {
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
  /** The user pressed `q` in the live view: a normal end (exit 0). */
  private quitByKey = false

  /**
   * Runs the pipeline: under its live view with --tui on a terminal (ink loads only then), otherwise as
   * is (plain lines, or NDJSON with --json). `run` must spread `io` last into its options.
   */
  protected async execute<S>(pipeline: PipelineName, run: (io: PipelineIo) => Promise<S>, extras: LiveViewExtras = {}): Promise<S> {
    const tui = (this.flags as unknown as Record<string, unknown>).tui === true
    if (!tui || this.jsonEnabled()) return run({signal: this.signal})
    if (this.outputMode !== 'interactive') {
      this.note(this.theme.dim('No terminal here: --tui prints plain lines instead of the live view.'))
      return run({signal: this.signal})
    }
    const [{runPipelineView}, {boardSource, PauseGate}, {redisTarget}] = await Promise.all([
      import('../core/tui/render-pipeline-view.js'),
      import('../core/watch/index.js'),
      import('../core/redis/index.js'),
    ])
    const gate = new PauseGate()
    const redisUrl = this.config_.redisUrl
    const {board, table} = extras
    const {summary, quit} = await runPipelineView(pipeline, {
      theme: this.theme,
      signal: this.signal,
      ...(board ? {sources: [boardSource({kind: board.kind, key: board.key, redisUrl, intervalMs: 1000})], source: `${redisTarget(redisUrl)} ${board.key}`} : {}),
      ...(table ? {table} : {}),
      onPause: (paused) => gate.set(paused),
      run: ({onEvent, signal}) => run({signal, onEvent: (event) => onEvent(event as PipelineViewEvent), pause: gate, statsIntervalMs: 1000}),
    })
    this.quitByKey = quit
    return summary
  }

  /** The processor options shared by every pipeline, from the flags. */
  protected runOptions(pipeline: PipelineName): RunOptions {
    const flags = this.flags as unknown as Record<string, unknown>
    return {
      brokers: this.config_.kafkaBrokers,
      groupId: (flags['group-id'] as string | undefined) ?? `sstream-${pipeline}`,
      from: flags.from as 'earliest' | 'latest',
      idleTimeoutMs: parseDuration(flags['idle-timeout'] as string, 'idle-timeout'),
      untilIdle: flags['until-idle'] as boolean,
      ...(flags.duration ? {durationMs: parseDuration(flags.duration as string, 'duration')} : {}),
      signal: this.signal,
      onEvent: (event) => this.onPipelineEvent(event),
    }
  }

  /** How a result reads as a plain line. */
  protected abstract formatResult(event: ResultEvent): string

  /** Every engine event: NDJSON with --json; otherwise results on stdout, outages and stats on stderr. */
  protected onPipelineEvent(event: PipelineEvent): void {
    if (this.jsonEnabled()) {
      this.emitJson(event)
      return
    }
    switch (event.type) {
      case 'result':
        this.out(this.formatResult(event))
        break
      case 'status':
        this.note(event.state === 'down' ? this.theme.warn(`${event.service} is down: ${event.message} (retrying)`) : this.theme.ok(event.message))
        break
      case 'started':
        this.note(this.theme.dim(`Running ${event.pipeline} on ${event.inputTopic} (group ${event.groupId}) → ${event.outputs.join(', ')}. Ctrl-C stops.`))
        break
      case 'stats':
        this.note(
          this.theme.dim(
            `${event.recordsIn} in (${event.rate}/s), ${event.recordsOut} out, ${event.deadLettered} dead-lettered, ${event.late} late, ` +
              `watermark ${event.watermark ?? '-'}, lag ${event.lag ?? '-'}`,
          ),
        )
        break
      default:
    }
  }

  /** The summary as a result: a final stderr line in plain mode. */
  protected finish(summary: RunSummary): RunCommandResult {
    if (!this.jsonEnabled()) {
      const outputs = Object.entries(summary.outputs).map(([name, n]) => `${n} ${name}`).join(', ') || 'no results'
      this.note(`Stopped (${this.quitByKey ? 'q' : summary.stoppedBy}) after ${(summary.elapsedMs / 1000).toFixed(1)} s: ${summary.recordsIn} records in, ${outputs}, ${summary.deadLettered} dead-lettered, ${summary.late} late.`)
    }
    if (summary.stoppedBy === 'signal' && !this.quitByKey) process.exitCode = 130
    return {type: 'summary', ...summary}
  }

  /** NDJSON: the final summary is one line too. */
  protected override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`)
  }
}
