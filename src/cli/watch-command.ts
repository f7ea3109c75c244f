/**
 * What the `sstream watch …` commands share: the live ink view on a terminal (`q` quits, `p` pauses),
 * plain lines in the original printers' format without one, NDJSON with --json, and --once for one
 * snapshot. Each command names its view, its data source and its own flags.
 */
import {Flags, type Command} from '@oclif/core'

import type {PauseGate} from '../core/async.js'
import {parseDuration} from '../core/duration.js'
import type {ViewEvent} from '../core/tui/model.js'
import {serviceNotes, watchJson, watchLines, type WatchKind} from './present-watch.js'
import type {JsonOutput} from './reporter.js'
import {SstreamCommand} from './sstream-command.js'

export const watchFlags = {
  once: Flags.boolean({description: 'Print one snapshot and exit (for scripts and tests)', default: false}),
  interval: Flags.string({description: 'Time between refreshes, e.g. 1s, 500ms [default: 1s on a terminal, 5s otherwise, as the original printer]'}),
}

/** What a watch loop is given: where to report, when to stop, and the pause switch of the live view. */
export interface WatchIo {
  onEvent: (event: ViewEvent) => void
  signal: AbortSignal
  gate?: PauseGate
}

export abstract class WatchCommand<T extends typeof Command> extends SstreamCommand<T> {
  /** NDJSON: the summary (or the error) is one more event; --once makes the snapshot one JSON line. */
  protected override jsonOutput: JsonOutput = 'ndjson'

  /** The refresh interval from --interval: 1 s by default in the live view, 5 s for plain lines and NDJSON. */
  protected refreshMs(interval: string | undefined): number {
    const ms = interval === undefined ? (this.outputMode === 'interactive' ? 1000 : 5000) : parseDuration(interval, 'interval', {positive: true})
    return Math.max(100, ms)
  }

  /** Runs a watch loop in the live view (a terminal, not --once) or printing lines / NDJSON events. */
  protected async watch<R extends object>(
    kind: WatchKind,
    options: {once: boolean; refreshMs?: number; source?: string; table?: string},
    loop: (io: WatchIo) => Promise<R>,
  ): Promise<R> {
    if (options.once) this.jsonOutput = 'line'
    let result: R
    if (this.outputMode === 'interactive' && !options.once) {
      // ink and React load only for the live view.
      const {renderWatchView} = await import('../core/tui/render-watch-view.js')
      this.enterLiveView()
      result = await renderWatchView({kind, theme: this.theme, signal: this.signal, refreshMs: options.refreshMs, source: options.source, table: options.table, watch: loop})
    } else {
      result = await loop({signal: this.signal, onEvent: this.printer(kind, options.once)})
    }
    this.stopped(this.interrupted ? 'signal' : options.once ? 'end' : 'quit')
    return result
  }

  /** Plain lines (stdout) and outage notes (stderr); with --json, one NDJSON event per result (none with --once). */
  private printer(kind: WatchKind, once: boolean): (event: ViewEvent) => void {
    const notes = serviceNotes()
    return (event) => {
      const note = notes(event)
      if (note) this.note(this.theme.warn(note))
      this.report.result(once ? undefined : watchJson(kind, event), () => watchLines(kind, event, this.theme))
    }
  }
}
