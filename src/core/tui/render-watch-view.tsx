/**
 * The live view of `sstream watch …`: runs a watch loop with the view's store as its event sink, `q` and
 * Ctrl-C stop it, `p` pauses the refreshes. Resolves with the watch's result once it has stopped.
 */
import type {Theme} from '../output/index.js'
import {PauseGate} from '../async.js'
import type {ViewEvent, ViewKind} from './model.js'
import {renderLiveView, type LiveViewOptions} from './render-live-view.js'

export interface WatchViewOptions<R> extends Pick<LiveViewOptions, 'source' | 'refreshMs' | 'table' | 'stdout' | 'stdin' | 'onInterrupt'> {
  kind: ViewKind
  theme: Theme
  /** The command's signal (SIGINT/SIGTERM). */
  signal: AbortSignal
  /** The watch loop: reports view events until its signal fires, then returns its result. */
  watch(io: {onEvent: (event: ViewEvent) => void; signal: AbortSignal; gate: PauseGate}): Promise<R>
}

export async function renderWatchView<R>({watch, signal, kind, theme, ...rest}: WatchViewOptions<R>): Promise<R> {
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  signal.addEventListener('abort', onAbort, {once: true})
  const gate = new PauseGate()
  const view = renderLiveView({
    ...rest,
    kind,
    theme,
    mode: 'watch',
    onQuit: () => stop.abort(),
    onPause: (paused) => gate.set(paused),
  })
  try {
    return await watch({onEvent: view.dispatch, signal: stop.signal, gate})
  } finally {
    signal.removeEventListener('abort', onAbort)
    await view.close()
  }
}
