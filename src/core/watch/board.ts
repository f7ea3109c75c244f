/**
 * `watch leaderboard` and `watch topics`: the sorted sets the leaderboard and views pipelines write, read
 * from Redis at every refresh. A Redis outage after start-up is reported and waited out; at start-up it is
 * a clear error within seconds.
 */
import {REDIS_KEYS} from '../names.js'
import {connectRedis, createRedis, readBoard as readSortedSet, redisTarget, toRedisError, type Redis} from '../redis/index.js'
import {initialViewState, reduceView} from '../tui/store.js'
import type {BoardEntry, ViewEvent, ViewState} from '../tui/model.js'
import {PauseGate, sleep} from '../async.js'

export type BoardKind = 'leaderboard' | 'topics'

export interface WatchCommonOptions {
  /** Time between refreshes. */
  intervalMs: number
  /** Read one snapshot and return. */
  once?: boolean
  signal: AbortSignal
  /** Every view event, as it happens (the live view's store, or the plain/JSON printer). */
  onEvent?: (event: ViewEvent) => void
  /** `p` in the live view. */
  gate?: PauseGate
  clock?: () => number
}

export interface WatchBoardOptions extends WatchCommonOptions {
  kind: BoardKind
  redisUrl: string
  /** The sorted set; default player-leaderboard or topics-leaderboard. */
  key?: string
  /** Members read at most (highest first); all by default. */
  top?: number
}

export interface WatchBoardResult {
  view: BoardKind
  key: string
  refreshes: number
  /** ISO time of the last refresh, null if none happened. */
  refreshedAt: string | null
  /** The board at the last refresh, highest score first. */
  entries: Array<{rank: number; name: string; score: number}>
}

export function defaultBoardKey(kind: BoardKind): string {
  return kind === 'leaderboard' ? REDIS_KEYS.playerLeaderboard : REDIS_KEYS.topicsLeaderboard
}

/** The members of a sorted set with their scores, highest first (ZREVRANGE … WITHSCORES). */
export async function readBoard(client: Redis, key: string, top?: number): Promise<BoardEntry[]> {
  return (await readSortedSet(client, key, top)).map((row) => ({name: row.member, score: row.score}))
}

/** Reads the board every `intervalMs` until the signal fires (or once), reporting each refresh as a `board` event. */
export async function watchBoard(options: WatchBoardOptions): Promise<WatchBoardResult> {
  const {kind, redisUrl, intervalMs, once = false, signal, gate = new PauseGate(), clock = Date.now} = options
  const key = options.key ?? defaultBoardKey(kind)
  let state: ViewState = initialViewState(kind, `${redisTarget(redisUrl)} ${key}`)
  const emit = (event: ViewEvent): void => {
    state = reduceView(state, event)
    options.onEvent?.(event)
  }
  const client = createRedis(redisUrl, {
    patient: true,
    onStateChange: (change, error) =>
      emit({type: 'service', service: 'redis', state: change === 'up' ? 'ok' : 'down', message: error ? toRedisError(error, redisUrl).message : undefined, at: clock()}),
  })
  try {
    await connectRedis(client, redisUrl)
    emit({type: 'service', service: 'redis', state: 'ok', at: clock()})
    while (!signal.aborted) {
      await gate.wait(signal)
      if (signal.aborted) break
      const entries = await untilAborted(readBoard(client, key, options.top), signal, redisUrl)
      if (entries === undefined) break
      emit({type: 'board', key, entries, at: clock()})
      if (once) break
      await sleep(intervalMs, signal)
    }
  } finally {
    client.disconnect()
  }
  return {
    view: kind,
    key,
    refreshes: state.board.refreshes,
    refreshedAt: state.board.refreshedAt === null ? null : new Date(state.board.refreshedAt).toISOString(),
    entries: state.board.rows.map(({rank, name, score}) => ({rank, name, score})),
  }
}

/** Awaits a Redis reply, or undefined once the signal fires (a reply may wait for Redis to come back). */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal, redisUrl: string): Promise<T | undefined> {
  let onAbort: (() => void) | undefined
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, {once: true})
  })
  try {
    return await Promise.race([work, aborted])
  } catch (error) {
    throw toRedisError(error, redisUrl, 'read the board')
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
    work.catch(() => undefined)
  }
}

/** A live-view source: the board read every `intervalMs` (for `run leaderboard|views --tui`). */
export function boardSource(options: Omit<WatchBoardOptions, 'signal' | 'onEvent' | 'once'>): (emit: (event: ViewEvent) => void, signal: AbortSignal) => Promise<WatchBoardResult> {
  return (emit, signal) => watchBoard({...options, signal, onEvent: emit})
}
