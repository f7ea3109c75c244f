/**
 * The view model of the live views, and the events that build it.
 *
 * Views never read pipeline internals: everything they show is the result of folding `ViewEvent`s
 * (store.ts). Pipelines report through their `onEvent` callback; `adapt.ts` turns those events into
 * view events, and the `watch` data sources (src/core/watch) emit view events directly from Redis,
 * MariaDB and the output topics.
 */
import type {PipelineName} from '../names.js'
import type {AlertOutputFormat} from '../pipelines/alert-formats.js'

/** The pipelines and read-only boards a live view can show. */
export type ViewKind = PipelineName | 'topics' | 'orders'

export type Movement = 'up' | 'down' | 'same' | 'new'

/** One member of a sorted set as read from Redis, highest score first. */
export interface BoardEntry {
  name: string
  score: number
}

export interface BoardRow extends BoardEntry {
  /** 1-based position, highest score first. */
  rank: number
  /** Movement since the previous refresh. */
  movement: Movement
  /** Score gained since the previous refresh (0 for a new member). */
  gained: number
}

export interface BoardModel {
  /** The Redis key the board was read from. */
  key: string
  rows: BoardRow[]
  /** Epoch ms of the last refresh, null before the first one. */
  refreshedAt: number | null
  refreshes: number
}

/** A window result: one (window, key) aggregate, e.g. a product's order value or a user's minutes. */
export interface WindowResult {
  /** Epoch ms, inclusive. */
  windowStart: number
  /** Epoch ms, exclusive. */
  windowEnd: number
  /** The grouping key: product (analytics) or user (views). */
  key: string
  /** Sum of the window: order value (analytics) or minutes (views). */
  value: number
  /** Records in the window: orders or views; null when the writer did not say (a row of the original job). */
  count: number | null
}

export interface AnalyticsModel {
  /** Closed windows, oldest first, the last `WINDOWS_KEPT` per key. */
  closed: WindowResult[]
  /** Windows still open (filling up), as last reported. */
  open: WindowResult[]
  /** Like the original's periodic DB summary: rows written and their total value. */
  totals: {records: number; value: number}
}

export type AlertKind = 'critical' | 'high-volume'

export interface AlertItem {
  /** Position in the feed, increasing from 1. */
  seq: number
  kind: AlertKind
  /** The alert's timestamp (critical) or the window start (high volume), as written in the record. */
  ts: string
  code: string
  /** The alert message (critical only). */
  message?: string
  /** Alerts in the window (high volume only). */
  count?: number
  /** The Kafka record key, when known. */
  key?: string
  /** The output format the record was read in (watch alerts), when known. */
  format?: AlertOutputFormat
}

export interface AlertsModel {
  feed: AlertItem[]
  /** Items ever added to the feed (the feed keeps only the last FEED_KEPT). */
  seq: number
  critical: number
  highVolume: number
  /** Input alerts seen, by level (when the processor reports them), and CRITICAL alerts forwarded. */
  byLevel: Record<string, number>
  /** By alert code: CRITICAL alerts forwarded and high-volume windows. */
  byCode: Record<string, {critical: number; highVolume: number}>
}

export interface PredictionItem {
  seq: number
  id: string
  review: string
  label: string
}

export interface PredictionsModel {
  feed: PredictionItem[]
  seq: number
  total: number
  distribution: Record<string, number>
}

export type ServiceName = 'kafka' | 'mariadb' | 'redis' | 'sentiment'

export interface ServiceHealth {
  service: ServiceName | string
  state: 'ok' | 'down'
  /** What is wrong, while down. */
  message?: string
  /** Epoch ms of the last change of state. */
  since: number
}

export interface StatusModel {
  /** Records consumed per second (the processor's own rate), null when unknown. */
  rate: number | null
  recordsIn: number | null
  recordsOut: number | null
  /** Total consumer lag over the assigned partitions. */
  lag: number | null
  /** Epoch ms. */
  watermark: number | null
  deadLetters: number | null
  late: number | null
  /** Records dead-lettered because their event time was beyond --max-future. */
  future: number | null
  openWindows: number | null
  services: ServiceHealth[]
  paused: boolean
  /** Set once the view is stopping (q pressed, Ctrl-C), then once it has stopped. */
  stopping: boolean
  stopped: boolean
  /** Epoch ms of the last event of any kind. */
  updatedAt: number | null
}

/** Everything a live view shows. Each view kind uses the parts it needs. */
export interface ViewState {
  kind: ViewKind
  /** A one-line description of where the data comes from, e.g. `redis://127.0.0.1:6379 player-leaderboard`. */
  source: string
  board: BoardModel
  analytics: AnalyticsModel
  alerts: AlertsModel
  predictions: PredictionsModel
  status: StatusModel
}

export interface StatsUpdate {
  rate?: number | null
  recordsIn?: number | null
  recordsOut?: number | null
  lag?: number | null
  watermark?: number | null
  deadLetters?: number | null
  late?: number | null
  future?: number | null
  openWindows?: number | null
}

/**
 * The view events. Each carries `at` (epoch ms) where the time matters, so that the reducer stays pure.
 */
export type ViewEvent =
  /** A full snapshot of a sorted set (a board refresh). */
  | {type: 'board'; key: string; entries: BoardEntry[]; at: number}
  /** A window closed and was written (analytics: order_summary; views: user_view_summary). */
  | {type: 'window-closed'; window: WindowResult}
  /** The windows that are open right now (replaces the previous list). */
  | {type: 'windows-open'; windows: WindowResult[]}
  /** A snapshot of closed windows and totals read back from the database (replaces both). */
  | {type: 'windows-snapshot'; windows: WindowResult[]; totals: {records: number; value: number}; at: number}
  | {type: 'critical'; ts: string; code: string; message: string; key?: string; format?: AlertOutputFormat}
  | {type: 'high-volume'; ts: string; code: string; count: number; key?: string; format?: AlertOutputFormat}
  /** An input alert was seen (counts by level). */
  | {type: 'alert-seen'; level: string; code: string}
  | {type: 'prediction'; id: string; review: string; label: string}
  | {type: 'stats'; stats: StatsUpdate; at: number}
  | {type: 'service'; service: string; state: 'ok' | 'down'; message?: string; at: number}
  | {type: 'paused'; paused: boolean}
  | {type: 'stopping'}
  | {type: 'stopped'}

/** Closed windows kept per key (enough for a sparkline). */
export const WINDOWS_KEPT = 24
/** Feed items kept in memory. */
export const FEED_KEPT = 200

/** The sentiment labels, from most negative to most positive. */
export const LABELS = ['Very Negative', 'Negative', 'Neutral', 'Positive', 'Very Positive'] as const
