/**
 * Alerts and thresholds (SPEC §4): alerts (quoted CSV) with event time = the CSV timestamp.
 * (1) every CRITICAL alert → `streaming.alerts.critical`, key = input key, value `"<ts>","<code>","<message>"`;
 * (2) tumbling 10 s windows by code with 10 s lateness, count; count > threshold (2) →
 *     `streaming.alerts.highvolume`, key = code, value `"<window start ts>","<code>","<count>"`.
 */
import {runPipeline} from '../stream/runtime.js'
import {formatTimestamp, parseTimestamp} from '../stream/timestamps.js'
import {
  RecordError,
  type Aggregator,
  type InputRecord,
  type PipelineDefinition,
  type ResultEvent,
  type RunOptions,
  type RunSummary,
  type WindowResult,
} from '../stream/types.js'
import {parseCsvLine, recordText} from './common.js'

export interface Alert {
  time: number
  level: string
  code: string
  message: string
}

export interface CriticalAlert {
  key: string | null
  time: number
  code: string
  message: string
}

/** Parses `"<ts>","<LEVEL>","<CODE>","<message>"`. */
export function decodeAlert(record: InputRecord): Alert {
  const fields = parseCsvLine(recordText(record))
  if (fields.length !== 4) throw new RecordError('malformed-csv', `An alert has 4 fields, this one has ${fields.length}.`)
  const [timestamp, level, code, message] = fields
  const time = parseTimestamp(timestamp)
  if (time === undefined) throw new RecordError('bad-timestamp', `"${timestamp}" is not a timestamp like 2021-06-30 12:11:15.123.`)
  return {time, level, code, message}
}

export const countAggregator: Aggregator<unknown, number, number> = {
  init: () => 0,
  add: (acc) => acc + 1,
  merge: (a, b) => a + b,
  result: (acc) => acc,
}

export function criticalValue(alert: CriticalAlert): string {
  return `"${formatTimestamp(alert.time)}","${alert.code}","${alert.message}"`
}

export function highVolumeValue(result: WindowResult<number>): string {
  return `"${formatTimestamp(result.windowStart)}","${result.key}","${result.value}"`
}

export interface AlertsOptions {
  inputTopic: string
  deadLetterTopic: string
  criticalTopic: string
  highVolumeTopic: string
  /** A window is high volume when its count is greater than this. Default 2. */
  threshold?: number
  windowMs?: number
  latenessMs?: number
}

export function alertsPipeline(options: AlertsOptions): PipelineDefinition<Alert> {
  const threshold = options.threshold ?? 2
  return {
    name: 'alerts',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeAlert,
    eventTime: (alert) => alert.time,
    perRecord: [
      {
        name: 'critical',
        map: (alert: Alert, record: InputRecord): CriticalAlert | null =>
          alert.level === 'CRITICAL' ? {key: record.key, time: alert.time, code: alert.code, message: alert.message} : null,
        sink: {kind: 'topic', name: 'critical', topic: options.criticalTopic, toMessage: (alert: CriticalAlert) => ({key: alert.key, value: criticalValue(alert)})},
      },
    ],
    window: {
      name: 'high-volume',
      sizeMs: options.windowMs ?? 10_000,
      latenessMs: options.latenessMs ?? 10_000,
      key: (alert) => alert.code,
      aggregator: countAggregator,
      sink: {
        kind: 'topic',
        name: 'highvolume',
        topic: options.highVolumeTopic,
        toMessage: (result: WindowResult<number>) => (result.value > threshold ? {key: result.key, value: highVolumeValue(result)} : null),
      },
    },
  }
}

/** The plain line for a result. */
export function formatAlertsResult(event: ResultEvent): string {
  const value = event.message?.value ?? String(event.value)
  return event.output === 'critical' ? `Critical Alert : ${value}` : `High Volume Alert : ${value}`
}

/** Runs the alerts pipeline against Kafka until stopped. */
export async function runAlerts(options: AlertsOptions & RunOptions): Promise<RunSummary> {
  return runPipeline(alertsPipeline(options), options)
}
