import {useKeys} from '../hooks/use-keys.js'
import {useNow} from '../hooks/use-now.js'
import {useTerminalSize} from '../hooks/use-terminal-size.js'
import {useViewState} from '../hooks/use-view-state.js'
import type {ViewStore} from '../store.js'
import {PipelineView, type PipelineViewProps} from './PipelineView.js'

export interface LiveViewProps extends Pick<PipelineViewProps, 'mode' | 'refreshMs' | 'table' | 'feedVariant'> {
  store: ViewStore
  /** `q`. */
  onQuit(): void
  /** `p`: called with the new state, true when pausing. */
  onPause(paused: boolean): void
  /** Ctrl-C (raw mode turns it into a key). */
  onInterrupt(): void
  /** Whether keys are read (false when stdin is not a terminal). */
  keys?: boolean
}

/** The live view wired to its data: the store's state, the terminal size, the clock and the keys. */
export function LiveView({store, onQuit, onPause, onInterrupt, keys = true, ...view}: LiveViewProps) {
  const state = useViewState(store)
  const {columns, rows} = useTerminalSize()
  const now = useNow()
  useKeys(
    {
      onQuit: () => {
        if (state.status.stopping) return
        store.dispatch({type: 'stopping'})
        store.flush()
        onQuit()
      },
      onPause: () => {
        if (state.status.stopping) return
        const paused = !store.getState().status.paused
        store.dispatch({type: 'paused', paused})
        store.flush()
        onPause(paused)
      },
      onInterrupt,
    },
    {isActive: keys},
  )
  return <PipelineView state={state} columns={columns} rows={rows} now={now} {...view} />
}
