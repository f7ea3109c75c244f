/**
 * The plain lines and NDJSON events of `sstream watch`, from view events. Pure: the command prints them.
 * Plain lines keep the original printers' format (`Leaderboard - 1 : Kathy = 23.0`, ` DB Summary : …`).
 */
import type {Theme} from '../core/output/index.js'
import {dbSummaryLine, javaDouble} from '../core/tui/format.js'
import type {ViewEvent} from '../core/tui/model.js'
import {latestWindows} from '../core/watch/index.js'

export type WatchKind = 'leaderboard' | 'topics' | 'orders' | 'alerts'

const DASHES = '-'.repeat(63)

/** Result lines (stdout) for an event; service changes are notes (stderr), see `serviceNotes`. */
export function watchLines(kind: WatchKind, event: ViewEvent, theme: Theme): string[] {
  switch (event.type) {
    case 'board': {
      const label = kind === 'topics' ? 'Trending Topics' : 'Leaderboard'
      return event.entries.map((entry, index) => theme.info(`${label} - ${index + 1} : ${entry.name} = ${javaDouble(entry.score)}`))
    }
    case 'windows-snapshot':
      return [theme.info(`${DASHES}\n${dbSummaryLine(event.totals)}\n${DASHES}`)]
    case 'critical':
      return [`${theme.label('CRITICAL', 'CRITICAL   ')} ${event.ts.padEnd(23)}  code ${event.code}  ${event.message.trim()}${formatTag(event.format, theme)}`]
    case 'high-volume':
      return [`${theme.warn('HIGH VOLUME')} ${event.ts.padEnd(23)}  code ${event.code}  count ${event.count}${formatTag(event.format, theme)}`]
    default:
      return []
  }
}

/** `  (spark)` after an alert written in one of the original jobs' formats; nothing for sstream's. */
function formatTag(format: string | undefined, theme: Theme): string {
  return format && format !== 'sstream' ? `  ${theme.dim(`(${format})`)}` : ''
}

/** Progress notes (stderr) for outages and recoveries: returns a function of each event. */
export function serviceNotes(): (event: ViewEvent) => string | undefined {
  const down = new Set<string>()
  return (event) => {
    if (event.type !== 'service') return undefined
    const name = ({kafka: 'Kafka', mariadb: 'MariaDB', redis: 'Redis'} as Record<string, string>)[event.service] ?? event.service
    if (event.state === 'down') {
      down.add(event.service)
      return `${name} is down: ${event.message ?? 'unreachable'} Waiting for it to come back.`
    }
    if (!down.delete(event.service)) return undefined
    return `${name} is back.`
  }
}

/** The NDJSON event for a view event (times in `time`, as the engine's events), or undefined for events that are not results. */
export function watchJson(kind: WatchKind, event: ViewEvent): object | undefined {
  switch (event.type) {
    case 'board':
      return {
        type: 'board',
        view: kind,
        key: event.key,
        time: new Date(event.at).toISOString(),
        entries: event.entries.map((entry, index) => ({rank: index + 1, name: entry.name, score: entry.score})),
      }
    case 'windows-snapshot':
      return {type: 'orders', time: new Date(event.at).toISOString(), totals: event.totals, latest: latestWindows(event.windows)}
    case 'critical':
      return {type: 'critical', ts: event.ts, code: event.code, message: event.message, ...(event.key ? {key: event.key} : {}), ...(event.format ? {format: event.format} : {})}
    case 'high-volume':
      return {type: 'high-volume', ts: event.ts, code: event.code, count: event.count, ...(event.key ? {key: event.key} : {}), ...(event.format ? {format: event.format} : {})}
    case 'service':
      return {type: 'status', service: event.service, state: event.state, ...(event.message ? {message: event.message} : {}), time: new Date(event.at).toISOString()}
    default:
      return undefined
  }
}
