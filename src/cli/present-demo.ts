/**
 * The demo without a terminal: one progress line per step, outage and start, one line of figures per
 * pipeline every few seconds (stderr), and the summary as a table (stdout).
 */
import type {DemoEvent, DemoResult} from '../core/demo/index.js'
import {renderTable, type Theme} from '../core/output/index.js'

const count = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n.toLocaleString('en-US'))

/**
 * Returns a function that turns each demo event into the progress lines to print (often none): steps,
 * starts and outages at once, each pipeline's figures at most every `everyMs`.
 */
export function createDemoPrinter(theme: Theme, {everyMs = 5000, clock = Date.now}: {everyMs?: number; clock?: () => number} = {}): (event: DemoEvent) => string[] {
  const generated = new Map<string, number>()
  const printedAt = new Map<string, number>()
  return (event) => {
    switch (event.type) {
      case 'step':
        return [event.message]
      case 'generator':
        generated.set(event.pipeline, event.sent)
        return []
      case 'started':
        return [theme.dim(`${event.pipeline}: reading ${event.inputTopic} (group ${event.groupId}) → ${event.outputs.join(', ')}`)]
      case 'status':
        return [event.state === 'down' ? theme.warn(`${event.pipeline}: ${event.service} is down: ${event.message} (retrying)`) : theme.ok(`${event.pipeline}: ${event.message}`)]
      case 'stats': {
        const last = printedAt.get(event.pipeline)
        if (last !== undefined && clock() - last < everyMs) return []
        printedAt.set(event.pipeline, clock())
        return [
          `${event.pipeline.padEnd(11)} ${count(generated.get(event.pipeline) ?? 0)} generated · ${count(event.recordsIn)} in (${event.rate}/s) · ` +
            `${count(event.recordsOut)} out · lag ${count(event.lag)} · ${count(event.deadLettered)} dead letters · ${count(event.late)} late`,
        ]
      }
      default:
        return []
    }
  }
}

/** The summary: one row per pipeline, its outputs one per line. */
export function formatDemoSummary(result: DemoResult, theme: Theme): string {
  const rows = result.pipelines.map((p) => [
    `${p.pipeline}\n${theme.dim(`(${p.generator})`)}`,
    count(p.generated),
    count(p.processed),
    count(p.results),
    outputsOf(p.outputs),
    count(p.deadLettered),
    count(p.late),
  ])
  const table = renderTable(['PIPELINE', 'GENERATED', 'PROCESSED', 'RESULTS', 'WRITTEN TO', 'DEAD LETTERS', 'LATE'], rows, {color: theme.enabled})
  const how = result.stoppedBy === 'duration' ? 'ran its time' : result.stoppedBy === 'quit' ? 'stopped with q' : 'was interrupted'
  return `${table}\nThe demo ${how} after ${(result.elapsedMs / 1000).toFixed(1)} s. ${theme.dim('Look again with `sstream status` and `sstream watch leaderboard|topics|orders|alerts`.')}`
}

function outputsOf(outputs: Record<string, number>): string {
  const entries = Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b))
  return entries.length === 0 ? '–' : entries.map(([name, n]) => `${name} ${count(n)}`).join('\n')
}
