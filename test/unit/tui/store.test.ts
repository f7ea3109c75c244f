import {afterEach, describe, expect, it, vi} from 'vitest'

import {FEED_KEPT, WINDOWS_KEPT} from '../../../src/core/tui/model.js'
import {createViewStore, initialViewState, reduceView, refreshBoard} from '../../../src/core/tui/store.js'
import {board, closed, stateOf, T0} from './fixtures.js'

describe('board refreshes', () => {
  it('ranks by score, highest first, ties by name', () => {
    const s = stateOf('leaderboard', [board('k', [['Sam', 3], ['Kathy', 23], ['Bob', 3], ['Mike', 10]])])
    expect(s.board.rows.map((r) => [r.rank, r.name, r.score])).toEqual([
      [1, 'Kathy', 23],
      [2, 'Mike', 10],
      [3, 'Bob', 3],
      [4, 'Sam', 3],
    ])
    expect(s.board.refreshes).toBe(1)
    expect(s.board.refreshedAt).toBe(T0)
  })

  it('marks the movement since the previous refresh: up, down, new, same, and the score gained', () => {
    const s = stateOf('leaderboard', [
      board('k', [['Kathy', 23], ['Bob', 17], ['Sam', 12]]),
      board('k', [['Kathy', 25], ['Bob', 30], ['Sam', 12], ['Zed', 1]], T0 + 1000),
    ])
    const byName = Object.fromEntries(s.board.rows.map((r) => [r.name, r]))
    expect(byName.Bob).toMatchObject({rank: 1, movement: 'up', gained: 13})
    expect(byName.Kathy).toMatchObject({rank: 2, movement: 'down', gained: 2})
    expect(byName.Sam).toMatchObject({rank: 3, movement: 'same', gained: 0})
    expect(byName.Zed).toMatchObject({rank: 4, movement: 'new', gained: 0})
  })

  it('keeps the movements of the last change through refreshes that change nothing', () => {
    const s = stateOf('leaderboard', [
      board('k', [['Kathy', 23], ['Bob', 17]]),
      board('k', [['Kathy', 23], ['Bob', 30]], T0 + 1000),
      board('k', [['Bob', 30], ['Kathy', 23]], T0 + 2000),
    ])
    expect(s.board.rows.map((r) => [r.name, r.movement, r.gained])).toEqual([
      ['Bob', 'up', 13],
      ['Kathy', 'down', 0],
    ])
    expect(s.board.refreshes).toBe(3)
    expect(s.board.refreshedAt).toBe(T0 + 2000)
    const changed = reduceView(s, board('k', [['Bob', 31], ['Kathy', 23]], T0 + 3000))
    expect(changed.board.rows.map((r) => [r.name, r.movement, r.gained])).toEqual([
      ['Bob', 'same', 1],
      ['Kathy', 'same', 0],
    ])
  })

  it('calls nobody new on the first refresh, and starts over when the key changes', () => {
    const first = refreshBoard(initialViewState('leaderboard').board, 'a', [{name: 'Bob', score: 1}], T0)
    expect(first.rows[0].movement).toBe('same')
    const other = refreshBoard(first, 'b', [{name: 'Bob', score: 5}, {name: 'Sam', score: 2}], T0 + 1)
    expect(other.rows.map((r) => r.movement)).toEqual(['same', 'same'])
    expect(other.refreshes).toBe(1)
  })

  it('does not mutate the previous state', () => {
    const before = stateOf('leaderboard', [board('k', [['Bob', 1]])])
    const frozen = structuredClone(before)
    reduceView(before, board('k', [['Bob', 2], ['Sam', 9]], T0 + 1))
    expect(before).toEqual(frozen)
  })
})

describe('windows', () => {
  it('adds closed windows to the totals once, even when a window is replayed', () => {
    const s = stateOf('analytics', [closed('Mouse', T0, 31.5, 3), closed('Keyboard', T0, 50, 2), closed('Mouse', T0, 31.5, 3)])
    expect(s.analytics.totals).toEqual({records: 2, value: 81.5})
    expect(s.analytics.closed.map((w) => w.key)).toEqual(['Keyboard', 'Mouse'])
  })

  it('keeps the last WINDOWS_KEPT windows of each key, oldest first', () => {
    const events = Array.from({length: WINDOWS_KEPT + 5}, (_, i) => closed('Mouse', T0 + i * 5000, i + 1))
    const s = stateOf('analytics', [...events, closed('Monitor', T0, 140)])
    const mouse = s.analytics.closed.filter((w) => w.key === 'Mouse')
    expect(mouse).toHaveLength(WINDOWS_KEPT)
    expect(mouse[0].value).toBe(6)
    expect(mouse.at(-1)?.value).toBe(WINDOWS_KEPT + 5)
    expect(s.analytics.closed.filter((w) => w.key === 'Monitor')).toHaveLength(1)
  })

  it('drops a window from the open list when it closes', () => {
    const open = {windowStart: T0, windowEnd: T0 + 5000, key: 'Mouse', value: 10.5, count: 1}
    const s = stateOf('analytics', [{type: 'windows-open', windows: [open, {...open, key: 'Monitor', value: 140}]}, closed('Mouse', T0, 21, 2)])
    expect(s.analytics.open.map((w) => w.key)).toEqual(['Monitor'])
  })

  it('replaces windows and totals with a database snapshot', () => {
    const s = stateOf('orders', [closed('Mouse', T0, 1), {type: 'windows-snapshot', windows: [{windowStart: T0 + 5000, windowEnd: T0 + 10_000, key: 'Monitor', value: 280, count: 2}], totals: {records: 7, value: 999.5}, at: T0 + 9}])
    expect(s.analytics.closed.map((w) => w.key)).toEqual(['Monitor'])
    expect(s.analytics.totals).toEqual({records: 7, value: 999.5})
    expect(s.status.updatedAt).toBe(T0 + 9)
  })
})

describe('alerts and predictions', () => {
  it('counts CRITICAL alerts and high-volume windows by code and by level', () => {
    const s = stateOf('alerts', [
      {type: 'critical', ts: 't1', code: '300', message: 'm'},
      {type: 'critical', ts: 't2', code: '100', message: 'm'},
      {type: 'high-volume', ts: 'w1', code: '300', count: 4},
      {type: 'alert-seen', level: 'HIGH', code: '200'},
    ])
    expect(s.alerts.critical).toBe(2)
    expect(s.alerts.highVolume).toBe(1)
    expect(s.alerts.byCode).toEqual({'300': {critical: 1, highVolume: 1}, '100': {critical: 1, highVolume: 0}})
    expect(s.alerts.byLevel).toEqual({CRITICAL: 2, HIGH: 1})
    expect(s.alerts.feed.map((a) => [a.seq, a.kind])).toEqual([
      [1, 'critical'],
      [2, 'critical'],
      [3, 'high-volume'],
    ])
  })

  it('keeps the feed bounded while the sequence keeps counting', () => {
    const events = Array.from({length: FEED_KEPT + 10}, (_, i) => ({type: 'prediction' as const, id: String(i), review: 'r', label: i % 2 ? 'Positive' : 'Negative'}))
    const s = stateOf('predictions', events)
    expect(s.predictions.feed).toHaveLength(FEED_KEPT)
    expect(s.predictions.seq).toBe(FEED_KEPT + 10)
    expect(s.predictions.feed[0].seq).toBe(11)
    expect(s.predictions.total).toBe(FEED_KEPT + 10)
    expect(s.predictions.distribution).toEqual({Negative: 105, Positive: 105})
  })
})

describe('status', () => {
  it('merges stats, keeping figures a stats event does not carry', () => {
    const s = stateOf('analytics', [
      {type: 'stats', stats: {rate: 10, lag: 5, deadLetters: 1}, at: T0},
      {type: 'stats', stats: {rate: 12, late: 2}, at: T0 + 1},
    ])
    expect(s.status).toMatchObject({rate: 12, lag: 5, deadLetters: 1, late: 2, updatedAt: T0 + 1})
  })

  it('tracks each service and when its state last changed', () => {
    const s = stateOf('leaderboard', [
      {type: 'service', service: 'redis', state: 'ok', at: T0},
      {type: 'service', service: 'redis', state: 'down', message: 'gone', at: T0 + 10},
      {type: 'service', service: 'redis', state: 'down', message: 'still gone', at: T0 + 20},
      {type: 'service', service: 'kafka', state: 'ok', at: T0 + 30},
    ])
    expect(s.status.services).toEqual([
      {service: 'redis', state: 'down', message: 'still gone', since: T0 + 10},
      {service: 'kafka', state: 'ok', since: T0 + 30},
    ])
    const back = reduceView(s, {type: 'service', service: 'redis', state: 'ok', at: T0 + 40})
    expect(back.status.services[0]).toEqual({service: 'redis', state: 'ok', since: T0 + 40})
  })

  it('pauses, resumes, stops', () => {
    let s = stateOf('alerts', [{type: 'paused', paused: true}])
    expect(s.status.paused).toBe(true)
    s = reduceView(s, {type: 'paused', paused: false})
    expect(s.status.paused).toBe(false)
    s = reduceView(reduceView(s, {type: 'stopping'}), {type: 'stopped'})
    expect(s.status).toMatchObject({stopping: false, stopped: true})
  })
})

describe('createViewStore', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('folds every event at once and notifies the listeners at most once per interval', () => {
    vi.useFakeTimers()
    const store = createViewStore(initialViewState('predictions'), {notifyMs: 100})
    const listener = vi.fn()
    store.subscribe(listener)
    for (let i = 0; i < 1000; i++) store.dispatch({type: 'prediction', id: String(i), review: 'r', label: 'Neutral'})
    expect(store.getState().predictions.total).toBe(1000)
    expect(listener).not.toHaveBeenCalled()
    vi.advanceTimersByTime(100)
    expect(listener).toHaveBeenCalledTimes(1)
    store.dispatch({type: 'paused', paused: true})
    store.flush()
    expect(listener).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(1000)
    expect(listener).toHaveBeenCalledTimes(2)
  })

  it('stops notifying an unsubscribed listener', () => {
    const store = createViewStore(initialViewState('alerts'), {notifyMs: 0})
    const listener = vi.fn()
    const unsubscribe = store.subscribe(listener)
    store.dispatch({type: 'stopping'})
    unsubscribe()
    store.dispatch({type: 'stopped'})
    expect(listener).toHaveBeenCalledTimes(1)
  })
})
