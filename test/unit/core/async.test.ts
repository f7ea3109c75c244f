/**
 * The one sleep and backoff helper: a sleep that a signal cuts short, pauses that grow to a cap with an
 * optional spread, and a retry loop that stops on a non-retriable error, at its budget and on abort.
 */
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {Backoff, backoffDelay, retry, sleep} from '../../../src/core/async.js'

describe('sleep', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('resolves after the time has passed, not before', async () => {
    let done = false
    const waiting = sleep(1000).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(999)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await waiting
    expect(done).toBe(true)
  })

  it('resolves at once when the signal fires, and leaves no timer behind', async () => {
    const controller = new AbortController()
    let done = false
    const waiting = sleep(60_000, controller.signal).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(10)
    expect(done).toBe(false)
    controller.abort()
    await waiting
    expect(done).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('does not wait at all on a signal that has already fired', async () => {
    const controller = new AbortController()
    controller.abort()
    await sleep(60_000, controller.signal)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('backoffDelay and Backoff', () => {
  it('doubles from the first pause up to the cap', () => {
    const policy = {initialMs: 100, maxMs: 1000}
    expect([0, 1, 2, 3, 4, 5, 60, 10_000].map((attempt) => backoffDelay(attempt, policy))).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000])
  })

  it('grows by another multiplier when asked', () => {
    expect([0, 1, 2].map((attempt) => backoffDelay(attempt, {initialMs: 10, maxMs: 1000, multiplier: 3}))).toEqual([10, 30, 90])
  })

  it('spreads each pause within the jitter', () => {
    const policy = {initialMs: 1000, maxMs: 1000, jitter: 0.2}
    expect(backoffDelay(0, policy, () => 0)).toBe(800)
    expect(backoffDelay(0, policy, () => 0.5)).toBe(1000)
    expect(backoffDelay(0, policy, () => 0.999_999)).toBe(1200)
  })

  it('counts its attempts and starts again after a reset', () => {
    const backoff = new Backoff({initialMs: 5, maxMs: 100})
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([5, 10, 20])
    expect(backoff.attempts).toBe(3)
    backoff.reset()
    expect(backoff.next()).toBe(5)
  })
})

/** A clock that moves only when the loop pauses, and the pauses it took. */
function fakeTime(): {now: () => number; sleep: (ms: number) => Promise<void>; pauses: number[]} {
  let t = 0
  const pauses: number[] = []
  return {now: () => t, sleep: async (ms) => void (pauses.push(ms), (t += ms)), pauses}
}

describe('retry', () => {
  it('runs the work again after growing pauses until it succeeds', async () => {
    const time = fakeTime()
    const seen: number[] = []
    const result = await retry(
      async (attempt) => {
        seen.push(attempt)
        if (attempt < 3) throw new Error(`failure ${attempt}`)
        return 'answer'
      },
      {initialMs: 100, maxMs: 300, retriable: () => true, ...time},
    )
    expect(result).toBe('answer')
    expect(seen).toEqual([0, 1, 2, 3])
    expect(time.pauses).toEqual([100, 200, 300])
  })

  it('throws a failure that is not retriable at once', async () => {
    const time = fakeTime()
    const fatal = new Error('fatal')
    await expect(retry(async () => Promise.reject(fatal), {initialMs: 100, maxMs: 100, retriable: (e) => e !== fatal, ...time})).rejects.toBe(fatal)
    expect(time.pauses).toEqual([])
  })

  it('gives up with the last failure when the next pause would pass the budget', async () => {
    const time = fakeTime()
    let attempts = 0
    const failing = retry(
      async () => {
        attempts++
        throw new Error(`failure ${attempts}`)
      },
      {initialMs: 100, maxMs: 1000, budgetMs: 1000, retriable: () => true, ...time},
    )
    await expect(failing).rejects.toThrow('failure 4')
    // 100 + 200 + 400 = 700; the next pause (800) would end past the budget.
    expect(time.pauses).toEqual([100, 200, 400])
  })

  it('reports each retry before pausing', async () => {
    const time = fakeTime()
    const reports: Array<{attempt: number; delayMs: number; message: string}> = []
    await retry(
      async (attempt) => {
        if (attempt < 2) throw new Error(`down ${attempt}`)
      },
      {initialMs: 50, maxMs: 1000, retriable: () => true, onRetry: ({error, attempt, delayMs}) => reports.push({attempt, delayMs, message: (error as Error).message}), ...time},
    )
    expect(reports).toEqual([
      {attempt: 0, delayMs: 50, message: 'down 0'},
      {attempt: 1, delayMs: 100, message: 'down 1'},
    ])
  })

  it('stops retrying when the signal fires during a pause, with the last failure', async () => {
    const controller = new AbortController()
    let attempts = 0
    const failing = retry(
      async () => {
        attempts++
        throw new Error('still down')
      },
      {initialMs: 60_000, maxMs: 60_000, retriable: () => true, signal: controller.signal},
    )
    setTimeout(() => controller.abort(), 10)
    await expect(failing).rejects.toThrow('still down')
    expect(attempts).toBe(1)
  })
})
