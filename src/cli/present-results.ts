/**
 * The plain lines of `sstream run …`: one line per result, as the original jobs printed them on their
 * console. Pure: the commands print them.
 */
import type {Theme} from '../core/output/index.js'
import type {OrderSummary} from '../core/pipelines/analytics.js'
import type {BoardRow} from '../core/redis/index.js'
import type {Prediction} from '../core/pipelines/predictions.js'
import type {UserViews} from '../core/pipelines/views.js'
import type {ResultEvent} from '../core/stream/index.js'
import {formatTimestamp} from '../core/stream/timestamps.js'
import {javaDouble} from '../core/tui/format.js'

/** The plain line for a result, like the original's console: `Retrieved Summary [[start,end],product,total]`. */
export function formatAnalyticsResult(event: ResultEvent): string {
  const value = event.value as OrderSummary
  const start = event.window ? formatTimestamp(Date.parse(event.window.start)) : '?'
  const end = event.window ? formatTimestamp(Date.parse(event.window.end)) : '?'
  return `Retrieved Summary [[${start},${end}],${event.key},${javaDouble(value.total)}] (${value.count} order${value.count === 1 ? '' : 's'})`
}

/** The plain line for a result. */
export function formatAlertsResult(event: ResultEvent): string {
  const value = event.message?.value ?? String(event.value)
  // A window's count is a high-volume alert (both outputs may be one topic: the output's name tells them apart only by default).
  return event.window ? `High Volume Alert : ${value}` : `Critical Alert : ${value}`
}

/** The original printer's lines: `Leaderboard - 1 : Bob = 23.0` (the label is `Trending Topics` for topics). */
export function formatBoard(rows: BoardRow[], label = 'Leaderboard'): string[] {
  return rows.map((row) => `${label} - ${row.rank} : ${row.member} = ${javaDouble(row.score)}`)
}

/** A closed user window as a plain line, like the original console: `User View Summary : [[start,end],user,total] (n views)`. */
export function formatUserWindow(event: ResultEvent): string {
  const value = event.value as UserViews
  const start = event.window ? formatTimestamp(Date.parse(event.window.start)) : '?'
  const end = event.window ? formatTimestamp(Date.parse(event.window.end)) : '?'
  return `User View Summary : [[${start},${end}],${event.key},${value.minutes}] (${value.views} view${value.views === 1 ? '' : 's'})`
}

/** The console line for a labelled review, like the original's `Output - Sentiment= <label> : for <review>`. */
export function formatPrediction(event: ResultEvent, theme: Theme): string {
  const p = event.value as Prediction
  return `Output - Sentiment= ${theme.label(p.label)} : for ${p.review}`
}
