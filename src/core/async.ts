/**
 * Waiting and retrying, written once: `sleep` that an AbortSignal cuts short, the exponential backoff
 * policy (`backoffDelay`, `Backoff`) and `retry`, which runs a piece of work again after a pause while it
 * fails with an error worth retrying, and `PauseGate`, the switch a live view's `p` flips. Pure timing:
 * what counts as retriable is the caller's to say.
 */

/** Waits `ms`, or less when the signal fires first. Never rejects: look at `signal.aborted` afterwards. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms))
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}

/** How the pause grows between attempts. */
export interface BackoffPolicy {
  /** The first pause. */
  initialMs: number
  /** No pause is longer than this (before the jitter). */
  maxMs: number
  /** Growth from one pause to the next; default 2. */
  multiplier?: number
  /** Random spread around each pause, as a fraction: 0.2 gives 80–120 % of it. Default 0. */
  jitter?: number
}

/**
 * The pause before retry number `attempt` (0 for the first): initialMs × multiplier^attempt, at most maxMs,
 * then spread by the jitter. Whole milliseconds.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const {initialMs, maxMs, multiplier = 2, jitter = 0} = policy
  const base = Math.min(maxMs, initialMs * multiplier ** Math.min(Math.max(0, attempt), 64))
  const spread = jitter > 0 ? 1 - jitter + random() * 2 * jitter : 1
  return Math.max(0, Math.round(base * spread))
}

/** A backoff that counts its attempts: `next()` is the next pause, `reset()` starts again after a success. */
export class Backoff {
  private attempt = 0

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** How many pauses were handed out since the last reset. */
  get attempts(): number {
    return this.attempt
  }

  next(): number {
    return backoffDelay(this.attempt++, this.policy, this.random)
  }

  reset(): void {
    this.attempt = 0
  }
}

export interface RetryOptions extends BackoffPolicy {
  /** Whether a failure is worth another attempt (`attempt` counts from 0 for the first try). */
  retriable(error: unknown, attempt: number): boolean
  /** No attempt starts once this long has passed since the first (the pause before it included). Default: no limit. */
  budgetMs?: number
  /** Stops retrying: the last failure is thrown at once. */
  signal?: AbortSignal
  /** Called before each pause, e.g. to report an outage. */
  onRetry?(info: {error: unknown; attempt: number; delayMs: number}): void
  /** Clock and pause, for tests. */
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
}

/**
 * Runs `work`, and runs it again after a growing pause while it fails with a retriable error, within the
 * budget and until the signal fires. The last failure is thrown when it gives up.
 */
export async function retry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const {retriable, budgetMs = Number.POSITIVE_INFINITY, signal, onRetry, now = Date.now, sleep: pause = sleep, random = Math.random} = options
  const start = now()
  for (let attempt = 0; ; attempt++) {
    try {
      return await work(attempt)
    } catch (error) {
      const delayMs = backoffDelay(attempt, options, random)
      if (signal?.aborted || !retriable(error, attempt) || now() - start + delayMs > budgetMs) throw error
      onRetry?.({error, attempt, delayMs})
      await pause(delayMs, signal)
      if (signal?.aborted) throw error
    }
  }
}

/**
 * A switch the live view flips with `p`: the watch loops wait on it before each read, and the engine reads it
 * as its `PauseControl` (src/core/stream).
 */
export class PauseGate {
  private paused = false
  private waiters: Array<() => void> = []
  private readonly listeners = new Set<(paused: boolean) => void>()

  get isPaused(): boolean {
    return this.paused
  }

  set(paused: boolean): void {
    if (paused === this.paused) return
    this.paused = paused
    if (!paused) for (const wake of this.waiters.splice(0)) wake()
    for (const listener of this.listeners) listener(paused)
  }

  /** Called on every change; returns the unsubscribe function. */
  onChange(listener: (paused: boolean) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Resolves at once when not paused, otherwise when resumed or aborted. */
  async wait(signal: AbortSignal): Promise<void> {
    if (!this.paused || signal.aborted) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done)
        resolve()
      }
      this.waiters.push(done)
      signal.addEventListener('abort', done, {once: true})
    })
  }
}

/**
 * Waits for `work` at most `ms`: true when it settled in time (fulfilled or rejected: the caller only
 * waits, it does not read the outcome), false when the time ran out first. The work itself goes on.
 */
export async function settlesWithin(work: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!work) return true
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))))
  try {
    return await Promise.race([work.then(() => true, () => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}
