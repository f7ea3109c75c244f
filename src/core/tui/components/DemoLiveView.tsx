import {useInput} from 'ink'
import {useEffect, useState} from 'react'

import type {PipelineName} from '../../names.js'
import {useKeys} from '../hooks/use-keys.js'
import {useNow} from '../hooks/use-now.js'
import {useTerminalSize} from '../hooks/use-terminal-size.js'
import type {ViewState} from '../model.js'
import type {ViewStore} from '../store.js'
import {DemoView, type DemoModel} from './DemoView.js'

/** The demo's own figures, in a tiny store of their own. */
export interface DemoStore {
  getState(): DemoModel
  update(change: Partial<DemoModel> | ((model: DemoModel) => Partial<DemoModel>)): void
  subscribe(listener: () => void): () => void
}

export function createDemoStore(initial: DemoModel): DemoStore {
  let model = initial
  const listeners = new Set<() => void>()
  return {
    getState: () => model,
    update(change) {
      model = {...model, ...(typeof change === 'function' ? change(model) : change)}
      for (const listener of listeners) listener()
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}

export interface DemoLiveViewProps {
  pipelines: PipelineName[]
  stores: Record<PipelineName, ViewStore>
  demo: DemoStore
  /** `q`. */
  onQuit(): void
  /** `p`: true when pausing. */
  onPause(paused: boolean): void
  /** Ctrl-C. */
  onInterrupt(): void
  /** Whether keys are read (false when stdin is not a terminal). */
  keys?: boolean
}

/** The demo view wired to its stores, the terminal, the clock and the keys: 1–5, ← →, Tab switch the pipeline. */
export function DemoLiveView({pipelines, stores, demo, onQuit, onPause, onInterrupt, keys = true}: DemoLiveViewProps) {
  const [, setVersion] = useState(0)
  const [activeIndex, setActiveIndex] = useState(0)
  useEffect(() => {
    const redraw = (): void => setVersion((v) => v + 1)
    const unsubscribe = [...pipelines.map((p) => stores[p].subscribe(redraw)), demo.subscribe(redraw)]
    return () => {
      for (const u of unsubscribe) u()
    }
  }, [pipelines, stores, demo])
  const {columns, rows} = useTerminalSize()
  const now = useNow()
  const all = pipelines.map((p) => stores[p])
  // Read at key time, not render time: two quick presses must not stop twice.
  const stopping = (): boolean => all.some((s) => s.getState().status.stopping || s.getState().status.stopped)
  useKeys(
    {
      onQuit: () => {
        if (stopping()) return
        for (const store of all) {
          store.dispatch({type: 'stopping'})
          store.flush()
        }
        onQuit()
      },
      onPause: () => {
        if (stopping()) return
        const paused = !all[0].getState().status.paused
        for (const store of all) {
          store.dispatch({type: 'paused', paused})
          store.flush()
        }
        onPause(paused)
      },
      onInterrupt,
    },
    {isActive: keys},
  )
  useInput(
    (input, key) => {
      const n = pipelines.length
      if (/^[1-9]$/.test(input) && Number(input) <= n) setActiveIndex(Number(input) - 1)
      else if (key.rightArrow || (key.tab && !key.shift)) setActiveIndex((i) => (i + 1) % n)
      else if (key.leftArrow || (key.tab && key.shift)) setActiveIndex((i) => (i + n - 1) % n)
    },
    {isActive: keys && pipelines.length > 1},
  )
  const states = Object.fromEntries(pipelines.map((p) => [p, stores[p].getState()])) as Record<PipelineName, ViewState>
  return <DemoView pipelines={pipelines} states={states} active={pipelines[activeIndex]} demo={demo.getState()} columns={columns} rows={rows} now={now} />
}
