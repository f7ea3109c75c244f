/**
 * The entry function of every live view: renders the view of a store on the terminal and hands back the
 * store's `dispatch` and a `close`. Everything shown comes from view events; keys call back.
 */
import type {Theme} from '../output/index.js'
import {LiveView} from './components/LiveView.js'
import type {ViewEvent, ViewKind} from './model.js'
import {mountView} from './mount.js'
import {createViewStore, initialViewState, type ViewStore} from './store.js'

export interface LiveViewOptions {
  kind: ViewKind
  /** `run`: a processor's view; `watch`: a read-only view refreshed every `refreshMs`. */
  mode: 'run' | 'watch'
  theme: Theme
  /** Where the data comes from, e.g. `127.0.0.1:6379 player-leaderboard`. */
  source?: string
  refreshMs?: number
  /** The table the analytics windows go to (shown in the title). */
  table?: string
  /** `q`: stop gracefully (abort the work; call `close()` once it has stopped). */
  onQuit(): void
  /** `p`: pause (true) or resume (false). */
  onPause?(paused: boolean): void
  /** Ctrl-C, which raw mode delivers as a key. Default: raise SIGINT, so the command's own handling applies. */
  onInterrupt?(): void
  /** `window` redraws the feeds in place instead of printing them above the view. */
  feedVariant?: 'static' | 'window'
  /** Streams, for tests. */
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
  /** Longest time between an event and its redraw; default 100 ms. */
  notifyMs?: number
}

export interface LiveViewHandle {
  store: ViewStore
  /** Feeds one view event to the view. */
  dispatch(event: ViewEvent): void
  /** Draws the last state, unmounts, and gives the terminal back. Idempotent. */
  close(): Promise<void>
}

export function renderLiveView(options: LiveViewOptions): LiveViewHandle {
  const store = createViewStore(initialViewState(options.kind, options.source ?? ''), {notifyMs: options.notifyMs})
  const view = mountView(
    ({keys, onInterrupt}) => (
      <LiveView
        store={store}
        mode={options.mode}
        refreshMs={options.refreshMs}
        table={options.table}
        feedVariant={options.feedVariant}
        onQuit={options.onQuit}
        onPause={(paused) => options.onPause?.(paused)}
        onInterrupt={onInterrupt}
        keys={keys}
      />
    ),
    options,
    () => {
      store.dispatch({type: 'stopped'})
      store.flush()
    },
  )
  return {store, dispatch: (event) => store.dispatch(event), close: () => view.close()}
}
