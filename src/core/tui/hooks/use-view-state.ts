import {useSyncExternalStore} from 'react'

import type {ViewState} from '../model.js'
import type {ViewStore} from '../store.js'

/** The data hook of the live views: the current view state of a store, re-rendered when it changes. */
export function useViewState(store: ViewStore): ViewState {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState)
}
