/**
 * Plain-mode rendering of topic records for `sstream tail`: one line per record. Records of the alert
 * output topics are also read as alerts, in whichever output format wrote them (sstream, spark, kstreams).
 */
import {formatTimestamp} from '../core/generators/index.js'
import type {TopicRecord} from '../core/kafka/index.js'
import {TOPICS} from '../core/names.js'
import type {Theme} from '../core/output/index.js'
import {readAlertRecord, type AlertOutputKind, type AlertReading} from '../core/pipelines/alert-formats.js'

export interface PresentRecordOptions {
  headers?: boolean
  /** Read each value as a record of this alert output topic. */
  alerts?: AlertOutputKind
}

/** The alert output a topic holds by its name (streaming.alerts.critical, streaming.alerts.highvolume), if any. */
export function alertKindOfTopic(topic: string): AlertOutputKind | undefined {
  if (topic === TOPICS.alertsCritical) return 'critical'
  if (topic === TOPICS.alertsHighVolume) return 'high-volume'
  return undefined
}

function readAlert(record: TopicRecord, kind: AlertOutputKind): AlertReading | undefined {
  return record.value === null ? undefined : readAlertRecord(kind, record.key, record.value)
}

/** `[spark: 2021-06-30 12:11:15.123 code 300 "This is a CRITICAL alert "]`: what an alert record says. */
function describeAlert(reading: AlertReading | undefined): string {
  if (!reading) return '[not an alert record]'
  const what = reading.kind === 'critical' ? `"${reading.message ?? ''}"` : `count ${reading.count}`
  return `[${reading.format}: ${reading.ts} code ${reading.code} ${what}]`
}

/** `p<partition>:<offset>  <timestamp>  <key> → <value>`, then the alert read from it and the headers when asked for. */
export function presentTopicRecord(record: TopicRecord, theme: Theme, {headers = false, alerts}: PresentRecordOptions = {}): string {
  const where = theme.dim(`p${record.partition}:${record.offset}`)
  const time = theme.dim(formatTimestamp(record.timestamp))
  const key = record.key === null ? theme.dim('null') : theme.accent(record.key)
  const value = record.value === null ? theme.dim('null') : record.value
  let line = `${where}  ${time}  ${key} → ${value}`
  if (alerts) line += `  ${theme.dim(describeAlert(readAlert(record, alerts)))}`
  if (!headers) return line
  const entries = Object.entries(record.headers).map(([name, v]) => `${name}=${Array.isArray(v) ? v.join(',') : v}`)
  return `${line}  ${theme.dim(`[${entries.join(' ')}]`)}`
}

/**
 * The NDJSON event of one record. Read as an alert, it carries `alert`: the format, the time as ISO and as
 * the original's text, the code and the message or count (null when the value is no alert record).
 */
export function topicRecordJson(record: TopicRecord, {headers = false, alerts}: PresentRecordOptions = {}): object {
  const {headers: recordHeaders, ...rest} = record
  const event: Record<string, unknown> = headers ? {type: 'record', ...rest, headers: recordHeaders} : {type: 'record', ...rest}
  if (alerts) {
    const reading = readAlert(record, alerts)
    event.alert = reading
      ? {
          kind: reading.kind,
          format: reading.format,
          ts: reading.ts,
          time: reading.time === undefined ? null : new Date(reading.time).toISOString(),
          code: reading.code,
          ...(reading.kind === 'critical' ? {message: reading.message} : {count: reading.count}),
          ...(reading.windowEnd === undefined ? {} : {windowEnd: new Date(reading.windowEnd).toISOString()}),
        }
      : null
  }
  return event
}
