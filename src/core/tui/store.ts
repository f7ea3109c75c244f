/**
 * The view store: a pure reducer that folds view events into the view model, and a tiny store around it
 * that coalesces notifications, so that a processor emitting thousands of events a second redraws the
 * screen a few times a second, not thousands.
 */
import {
  FEED_KEPT,
  WINDOWS_KEPT,
  type AlertItem,
  type AlertsModel,
  type AnalyticsModel,
  type BoardEntry,
  type BoardModel,
  type BoardRow,
  type ServiceHealth,
  type ViewEvent,
  type ViewKind,
  type ViewState,
  type WindowResult,
} from './model.js'

export function initialViewState(kind: ViewKind, source = ''): ViewState {
  return {
    kind,
    source,
    board: {key: '', rows: [], refreshedAt: null, refreshes: 0},
    analytics: {closed: [], open: [], totals: {records: 0, value: 0}},
    alerts: {feed: [], seq: 0, critical: 0, highVolume: 0, byLevel: {}, byCode: {}},
    predictions: {feed: [], seq: 0, total: 0, distribution: {}},
    status: {
      rate: null,
      recordsIn: null,
      recordsOut: null,
      lag: null,
      watermark: null,
      deadLetters: null,
      late: null,
      future: null,
      openWindows: null,
      services: [],
      paused: false,
      stopping: false,
      stopped: false,
      updatedAt: null,
    },
  }
}

/** Folds one event into the state. Pure: returns a new state and never mutates its arguments. */
export function reduceView(state: ViewState, event: ViewEvent): ViewState {
  switch (event.type) {
    case 'board':
      return {...state, board: refreshBoard(state.board, event.key, event.entries, event.at), status: {...state.status, updatedAt: event.at}}
    case 'window-closed':
      return {...state, analytics: addClosedWindow(state.analytics, event.window)}
    case 'windows-open':
      return {...state, analytics: {...state.analytics, open: [...event.windows].sort(byWindowThenKey)}}
    case 'windows-snapshot':
      return {
        ...state,
        analytics: {...state.analytics, closed: keepLatest([...event.windows].sort(byWindowThenKey)), totals: {...event.totals}},
        status: {...state.status, updatedAt: event.at},
      }
    case 'critical':
      return {...state, alerts: addAlert(state.alerts, {kind: 'critical', ts: event.ts, code: event.code, message: event.message, key: event.key, format: event.format})}
    case 'high-volume':
      return {...state, alerts: addAlert(state.alerts, {kind: 'high-volume', ts: event.ts, code: event.code, count: event.count, key: event.key, format: event.format})}
    case 'alert-seen': {
      const byLevel = {...state.alerts.byLevel, [event.level]: (state.alerts.byLevel[event.level] ?? 0) + 1}
      return {...state, alerts: {...state.alerts, byLevel}}
    }
    case 'prediction': {
      const p = state.predictions
      const seq = p.seq + 1
      const feed = appendBounded(p.feed, {seq, id: event.id, review: event.review, label: event.label})
      const distribution = {...p.distribution, [event.label]: (p.distribution[event.label] ?? 0) + 1}
      return {...state, predictions: {feed, seq, total: p.total + 1, distribution}}
    }
    case 'stats':
      return {...state, status: {...state.status, ...definedOnly(event.stats), updatedAt: event.at}}
    case 'service':
      return {...state, status: {...state.status, services: setService(state.status.services, event)}}
    case 'paused':
      return {...state, status: {...state.status, paused: event.paused}}
    case 'stopping':
      return {...state, status: {...state.status, stopping: true}}
    case 'stopped':
      return {...state, status: {...state.status, stopping: false, stopped: true}}
  }
}

/**
 * Ranks a fresh snapshot and compares it with the previous one: ↑ ↓ new, and the score gained. A refresh
 * that changes nothing keeps the movements of the last change, so that they stay readable on a board
 * refreshed every second.
 */
export function refreshBoard(previous: BoardModel, key: string, entries: BoardEntry[], at: number): BoardModel {
  const sameKey = previous.key === key || previous.key === ''
  if (sameKey && previous.refreshes > 0 && sameEntries(previous.rows, entries)) {
    return {...previous, key, refreshedAt: at, refreshes: previous.refreshes + 1}
  }
  const before = new Map<string, BoardRow>(sameKey ? previous.rows.map((row) => [row.name, row]) : [])
  const first = previous.refreshes === 0 || !sameKey
  const sorted = [...entries].sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const rows = sorted.map((entry, index): BoardRow => {
    const rank = index + 1
    const old = before.get(entry.name)
    if (!old) return {...entry, rank, movement: first ? 'same' : 'new', gained: 0}
    const movement = rank < old.rank ? 'up' : rank > old.rank ? 'down' : 'same'
    return {...entry, rank, movement, gained: entry.score - old.score}
  })
  return {key, rows, refreshedAt: at, refreshes: (sameKey ? previous.refreshes : 0) + 1}
}

function sameEntries(rows: BoardRow[], entries: BoardEntry[]): boolean {
  if (rows.length !== entries.length) return false
  const scores = new Map(rows.map((row) => [row.name, row.score]))
  return entries.every((entry) => scores.get(entry.name) === entry.score)
}

function byWindowThenKey(a: WindowResult, b: WindowResult): number {
  return a.windowStart - b.windowStart || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
}

/** Adds (or replaces, on a replay) a closed window; keeps the last WINDOWS_KEPT per key; adds to the totals once. */
function addClosedWindow(analytics: AnalyticsModel, window: WindowResult): AnalyticsModel {
  const index = analytics.closed.findIndex((w) => w.windowStart === window.windowStart && w.key === window.key)
  const totals =
    index === -1
      ? {records: analytics.totals.records + 1, value: analytics.totals.value + window.value}
      : {records: analytics.totals.records, value: analytics.totals.value - analytics.closed[index].value + window.value}
  const closed = index === -1 ? [...analytics.closed, window] : analytics.closed.map((w, i) => (i === index ? window : w))
  closed.sort(byWindowThenKey)
  // A window that closed is no longer open.
  const open = analytics.open.filter((w) => !(w.windowStart === window.windowStart && w.key === window.key))
  return {closed: keepLatest(closed), open, totals}
}

/** Keeps the last WINDOWS_KEPT windows of each key (input sorted oldest first). */
function keepLatest(windows: WindowResult[]): WindowResult[] {
  const perKey = new Map<string, number>()
  const kept: WindowResult[] = []
  for (let i = windows.length - 1; i >= 0; i--) {
    const n = perKey.get(windows[i].key) ?? 0
    if (n < WINDOWS_KEPT) kept.push(windows[i])
    perKey.set(windows[i].key, n + 1)
  }
  return kept.reverse()
}

function addAlert(alerts: AlertsModel, item: Omit<AlertItem, 'seq'>): AlertsModel {
  const seq = alerts.seq + 1
  const feed = appendBounded(alerts.feed, {...item, seq})
  const code = alerts.byCode[item.code] ?? {critical: 0, highVolume: 0}
  if (item.kind === 'critical') {
    return {
      ...alerts,
      feed,
      seq,
      critical: alerts.critical + 1,
      byCode: {...alerts.byCode, [item.code]: {...code, critical: code.critical + 1}},
      // Without input counts from the processor, the CRITICAL alerts forwarded are the level count we know.
      byLevel: {...alerts.byLevel, CRITICAL: Math.max(alerts.byLevel.CRITICAL ?? 0, alerts.critical + 1)},
    }
  }
  return {
    ...alerts,
    feed,
    seq,
    highVolume: alerts.highVolume + 1,
    byCode: {...alerts.byCode, [item.code]: {...code, highVolume: code.highVolume + 1}},
  }
}

function appendBounded<T>(feed: T[], item: T): T[] {
  const next = feed.length >= FEED_KEPT ? feed.slice(feed.length - FEED_KEPT + 1) : feed.slice()
  next.push(item)
  return next
}

function setService(services: ServiceHealth[], event: {service: string; state: 'ok' | 'down'; message?: string; at: number}): ServiceHealth[] {
  const existing = services.find((s) => s.service === event.service)
  const since = existing && existing.state === event.state ? existing.since : event.at
  const next: ServiceHealth = {service: event.service, state: event.state, since, ...(event.state === 'down' && event.message ? {message: event.message} : {})}
  return existing ? services.map((s) => (s.service === event.service ? next : s)) : [...services, next]
}

function definedOnly<T extends object>(update: T): Partial<T> {
  return Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)) as Partial<T>
}

export interface ViewStore {
  getState(): ViewState
  dispatch(event: ViewEvent): void
  /** Listeners are told at most once per `notifyMs`; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void
  /** Tells the listeners now (tests, and before unmounting). */
  flush(): void
}

export interface ViewStoreOptions {
  /** Coalescing interval of the notifications, default 100 ms (10 redraws a second at most). */
  notifyMs?: number
}

export function createViewStore(initial: ViewState, {notifyMs = 100}: ViewStoreOptions = {}): ViewStore {
  let state = initial
  const listeners = new Set<() => void>()
  let timer: NodeJS.Timeout | undefined
  const notify = (): void => {
    timer = undefined
    for (const listener of listeners) listener()
  }
  return {
    getState: () => state,
    dispatch(event) {
      state = reduceView(state, event)
      if (notifyMs <= 0) notify()
      else if (!timer) timer = setTimeout(notify, notifyMs)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    flush() {
      if (timer) clearTimeout(timer)
      notify()
    },
  }
}
