/**
 * Pausing and waiting for the watch loops: `p` in a live view pauses the refreshes, an AbortSignal ends them.
 */

/** A switch the view flips with `p`; loops wait on it before each read. */
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

/** Waits `ms`, or less if the signal fires first. Never rejects. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
  })
}
