/**
 * The values of the alerts pipeline's output topics, read back: `"<ts>","<code>","<message>"` (critical)
 * and `"<window start ts>","<code>","<count>"` (high volume).
 */
import type {ViewEvent} from '../tui/model.js'

/** Splits `"a","b","c"` (the Kafka Streams variant's quoting) or `a,b,c` (the Spark variant's) into three fields. */
export function parseAlertFields(value: string): [string, string, string] | undefined {
  const quoted = /^"(.*?)","(.*?)","(.*)",?$/s.exec(value.trim())
  if (quoted) return [quoted[1], quoted[2], quoted[3]]
  const parts = value.replace(/"/g, '').split(',')
  if (parts.length < 3) return undefined
  return [parts[0], parts[1], parts.slice(2).join(',')]
}

/** A record of one of the output topics as a view event, or undefined when it cannot be read. */
export function alertEvent(kind: 'critical' | 'high-volume', key: string | undefined, value: string): ViewEvent | undefined {
  const fields = parseAlertFields(value)
  if (!fields) return undefined
  const [ts, code, rest] = fields
  if (kind === 'critical') return {type: 'critical', ts, code, message: rest, ...(key ? {key} : {})}
  const count = Number(rest)
  if (!Number.isFinite(count)) return undefined
  return {type: 'high-volume', ts, code, count, ...(key ? {key} : {})}
}
