/**
 * Plain-mode rendering of topic records for `sstream tail`: one line per record.
 */
import {formatTimestamp} from '../core/generators/index.js'
import type {TopicRecord} from '../core/kafka/index.js'
import type {Theme} from '../core/output/index.js'

/** `p<partition>:<offset>  <timestamp>  <key> → <value>`, then the headers when asked for. */
export function presentTopicRecord(record: TopicRecord, theme: Theme, {headers = false} = {}): string {
  const where = theme.dim(`p${record.partition}:${record.offset}`)
  const time = theme.dim(formatTimestamp(record.timestamp))
  const key = record.key === null ? theme.dim('null') : theme.accent(record.key)
  const value = record.value === null ? theme.dim('null') : record.value
  const line = `${where}  ${time}  ${key} → ${value}`
  if (!headers) return line
  const entries = Object.entries(record.headers).map(([name, v]) => `${name}=${Array.isArray(v) ? v.join(',') : v}`)
  return `${line}  ${theme.dim(`[${entries.join(' ')}]`)}`
}

/** The NDJSON event of one record. */
export function topicRecordJson(record: TopicRecord, {headers = false} = {}): object {
  const {headers: recordHeaders, ...rest} = record
  return headers ? {type: 'record', ...rest, headers: recordHeaders} : {type: 'record', ...rest}
}
