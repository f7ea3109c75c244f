/**
 * From the engine's events (src/core/stream/types.ts) to view events. This is the one place that knows
 * what each pipeline's results carry, so that the views stay unchanged when the pipelines evolve.
 * Events and values it cannot read are ignored, never an error.
 */
import type {PipelineName} from '../names.js'
import type {PipelineEvent, ServiceName} from '../stream/types.js'
import {readAlertRecord} from '../pipelines/alert-formats.js'
import type {StatsUpdate, ViewEvent, WindowResult} from './model.js'

type Fields = Record<string, unknown>

/** The services each pipeline depends on (shown in the status bar once the run has started). */
export const PIPELINE_SERVICES: Record<PipelineName, ServiceName[]> = {
  analytics: ['kafka', 'mariadb'],
  alerts: ['kafka'],
  leaderboard: ['kafka', 'redis'],
  predictions: ['kafka', 'sentiment'],
  views: ['kafka', 'mariadb', 'redis'],
}

const num = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
  return undefined
}

/** Epoch ms from a number, an ISO string or a Date. */
const time = (value: unknown): number | undefined => {
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'string' && value !== '' && !/^\d+(\.\d+)?$/.test(value)) {
    const parsed = Date.parse(value)
    return Number.isNaN(parsed) ? undefined : parsed
  }
  return num(value)
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined)

const first = <T>(read: (v: unknown) => T | undefined, ...values: unknown[]): T | undefined => {
  for (const value of values) {
    const result = read(value)
    if (result !== undefined) return result
  }
  return undefined
}

const obj = (value: unknown): Fields => (value && typeof value === 'object' ? (value as Fields) : {})

/**
 * The sum and count of a window value: a number, or an object such as analytics' {total, count} or a
 * user window's {minutes, views}.
 */
export function windowValue(value: unknown): {value: number; count: number} | undefined {
  const direct = num(value)
  if (direct !== undefined) return {value: direct, count: 0}
  const v = obj(value)
  const sum = first(num, v.total, v.sum, v.value, v.minutes, v.totalMinutes)
  if (sum === undefined) return undefined
  return {value: sum, count: first(num, v.count, v.views, v.orders, v.viewCount, v.orderCount) ?? 0}
}

/** What a live view takes from a pipeline: the engine's events. */
export type PipelineViewEvent = PipelineEvent | OpenWindowsEvent

/** The view events for one engine event of `pipeline`. */
export function toViewEvents(pipeline: PipelineName, event: PipelineViewEvent, now = Date.now()): ViewEvent[] {
  if (event.type === 'open-windows') return [{type: 'windows-open', windows: openWindows(event)}]
  switch (event.type) {
    case 'result':
      return resultEvents(pipeline, event)
    case 'stats':
      return [{type: 'stats', stats: statsOf(event), at: time(event.time) ?? now}]
    case 'started':
      // The run checks every service it needs before it starts.
      return PIPELINE_SERVICES[pipeline].map((service) => ({type: 'service', service, state: 'ok', at: time(event.time) ?? now}))
    case 'status':
      return [{type: 'service', service: event.service, state: event.state === 'down' ? 'down' : 'ok', ...(event.message ? {message: event.message} : {}), at: time(event.time) ?? now}]
    default:
      return []
  }
}

function resultEvents(pipeline: PipelineName, event: Extract<PipelineEvent, {type: 'result'}>): ViewEvent[] {
  const key = event.key ?? undefined
  if (pipeline === 'alerts') {
    // The output record in whichever format the run writes (sstream, spark, kstreams).
    const read = event.message ? readAlertRecord(event.window ? 'high-volume' : 'critical', event.message.key, event.message.value) : undefined
    const value = obj(event.value)
    if (event.window) {
      const count = num(event.value) ?? read?.count
      const code = read?.code ?? key
      if (count === undefined || code === undefined) return []
      return [{type: 'high-volume', ts: read?.ts ?? event.window.start, code, count}]
    }
    const code = read?.code ?? str(value.code)
    if (code === undefined) return []
    const ts = read?.ts ?? (num(value.time) !== undefined ? new Date(num(value.time) as number).toISOString() : '')
    return [{type: 'critical', ts, code, message: read?.message ?? str(value.message) ?? '', ...(key ? {key} : {})}]
  }
  if (pipeline === 'predictions') {
    const value = obj(event.value)
    const label = str(event.value) ?? str(value.label) ?? str(value.sentiment) ?? event.message?.value
    if (!label) return []
    return [{type: 'prediction', id: key ?? str(value.id) ?? '', review: first(str, value.review, value.text) ?? '', label}]
  }
  // analytics and views: closed windows. The boards (leaderboard, views' topics) are read from Redis.
  if (!event.window || key === undefined) return []
  const windowStart = time(event.window.start)
  const parsed = windowValue(event.value)
  if (windowStart === undefined || !parsed) return []
  const window: WindowResult = {windowStart, windowEnd: time(event.window.end) ?? windowStart, key, ...parsed}
  return [{type: 'window-closed', window}]
}

/**
 * Requested from the engine (src/core/stream/REQUESTS.md): the windows still open, with their partial
 * aggregates, so that the analytics view can show the open window filling up. Read when present.
 */
export interface OpenWindowsEvent {
  type: 'open-windows'
  pipeline: string
  time?: string
  windows: Array<{key: string; window: {start: string; end: string}; value: unknown}>
}

function openWindows(event: OpenWindowsEvent): WindowResult[] {
  const windows: WindowResult[] = []
  for (const w of event.windows ?? []) {
    const windowStart = time(w.window?.start)
    const parsed = windowValue(w.value)
    if (windowStart === undefined || !parsed || typeof w.key !== 'string') continue
    windows.push({windowStart, windowEnd: time(w.window.end) ?? windowStart, key: w.key, ...parsed})
  }
  return windows
}

function statsOf(event: Extract<PipelineEvent, {type: 'stats'}>): StatsUpdate {
  return {
    rate: event.rate,
    recordsIn: event.recordsIn,
    recordsOut: event.recordsOut,
    lag: event.lag,
    watermark: event.watermark === null ? null : (time(event.watermark) ?? null),
    deadLetters: event.deadLettered,
    late: event.late,
    future: event.future,
    openWindows: event.openWindows,
  }
}

/**
 * A record of one of the alerts pipeline's output topics as a view event, or undefined when it cannot be
 * read. `ts` is the original's timestamp text whichever output format wrote it (Spark's epoch microseconds
 * and Kafka Streams' ISO window starts are converted); `format` says which one did.
 */
export function alertEvent(kind: 'critical' | 'high-volume', key: string | undefined, value: string): ViewEvent | undefined {
  const reading = readAlertRecord(kind, key, value)
  if (!reading) return undefined
  const {ts, code, format} = reading
  if (kind === 'critical') return {type: 'critical', ts, code, message: reading.message ?? '', format, ...(key ? {key} : {})}
  return {type: 'high-volume', ts, code, count: reading.count ?? 0, format, ...(key ? {key} : {})}
}
