/**
 * The live view of `sstream demo`: a tab per pipeline (its own view and status bar), the generators'
 * progress and the time left. `q` stops the demo gracefully, `p` pauses and resumes the processors'
 * consumption, 1–5 and ← → switch the pipeline on show.
 */
import type {DemoEvent, DemoRunningInfo} from '../demo/demo.js'
import {demoTargets, GENERATOR_OF} from '../demo/plan.js'
import type {PipelineName} from '../names.js'
import type {Theme} from '../output/index.js'
import {PauseGate} from '../async.js'
import {toViewEvents} from './adapt.js'
import {createDemoStore, DemoLiveView, type DemoStore} from './components/DemoLiveView.js'
import {mountView} from './mount.js'
import {createViewStore, initialViewState, type ViewStore} from './store.js'

export interface DemoViewOptions<R> {
  theme: Theme
  /** The command's signal (SIGINT/SIGTERM): stops the demo like `q`. */
  signal: AbortSignal
  /** Events before the view shows (starting the stack, set-up): the command prints them as lines. */
  onEarlyEvent?(event: DemoEvent): void
  /** Runs the demo: hand it `signal`, `pause`, `onEvent` and `onRunning` (the view mounts then). */
  run(io: {signal: AbortSignal; pause: PauseGate; onEvent: (event: DemoEvent) => void; onRunning: (info: DemoRunningInfo) => void}): Promise<R>
  /** Ctrl-C, which raw mode delivers as a key. Default: raise SIGINT, so the command's own handling applies. */
  onInterrupt?(): void
  /** Streams, for tests. */
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
}

export interface DemoViewResult<R> {
  result: R
  /** True when the user pressed `q` (a normal end). */
  quit: boolean
}

export async function runDemoView<R>(options: DemoViewOptions<R>): Promise<DemoViewResult<R>> {
  const stop = new AbortController()
  const onAbort = (): void => stop.abort(options.signal.reason)
  options.signal.addEventListener('abort', onAbort, {once: true})
  const gate = new PauseGate()
  let quit = false
  let view: DemoViewHandle | undefined
  try {
    const result = await options.run({
      signal: stop.signal,
      pause: gate,
      onEvent: (event) => (view ? view.onEvent(event) : options.onEarlyEvent?.(event)),
      onRunning: (info) => {
        view ??= mountDemoView(info, {
          ...options,
          onQuit: () => {
            quit = true
            stop.abort()
          },
          onPause: (paused) => gate.set(paused),
        })
      },
    })
    return {result, quit}
  } finally {
    options.signal.removeEventListener('abort', onAbort)
    await view?.close()
  }
}

export interface DemoViewHandle {
  stores: Record<PipelineName, ViewStore>
  demo: DemoStore
  onEvent(event: DemoEvent): void
  /** Draws the last state, unmounts, and gives the terminal back. Idempotent. */
  close(): Promise<void>
}

/** Renders the demo view for the pipelines of `info`; events go in through `onEvent`. */
export function mountDemoView(
  info: DemoRunningInfo,
  options: Pick<DemoViewOptions<unknown>, 'theme' | 'onInterrupt' | 'stdout' | 'stdin'> & {onQuit(): void; onPause(paused: boolean): void},
): DemoViewHandle {
  const {pipelines} = info
  const stores = Object.fromEntries(pipelines.map((p) => [p, createViewStore(initialViewState(p, demoTargets(p).inputTopic))])) as Record<PipelineName, ViewStore>
  const demo = createDemoStore({
    generated: {},
    feeds: Object.fromEntries(pipelines.map((p) => [p, `${GENERATOR_OF[p]} → ${demoTargets(p).inputTopic}`])),
    rate: info.rate,
    endsAt: info.endsAt,
  })
  const view = mountView(
    ({keys, onInterrupt}) => (
      <DemoLiveView pipelines={pipelines} stores={stores} demo={demo} onQuit={options.onQuit} onPause={options.onPause} onInterrupt={onInterrupt} keys={keys} />
    ),
    options,
    () => {
      for (const store of Object.values(stores)) {
        store.dispatch({type: 'stopped'})
        store.flush()
      }
      demo.update({stopping: 'stopped'})
    },
  )
  return {stores, demo, onEvent: (event) => dispatchDemoEvent(stores, demo, event), close: () => view.close()}
}

/** Routes one demo event to the store of its pipeline, or to the demo's own figures. */
export function dispatchDemoEvent(stores: Partial<Record<PipelineName, ViewStore>>, demo: DemoStore, event: DemoEvent): void {
  if (event.type === 'step') {
    if (event.step === 'stopping') demo.update({stopping: event.message})
    return
  }
  if (event.type === 'generator') {
    demo.update((model) => ({generated: {...model.generated, [event.pipeline]: event.sent}}))
    return
  }
  const pipeline = event.pipeline as PipelineName
  const store = stores[pipeline]
  if (!store) return
  if (event.type === 'board') {
    store.dispatch({type: 'board', key: event.key, entries: event.rows.map((row) => ({name: row.member, score: row.score})), at: Date.parse(event.time)})
    return
  }
  for (const viewEvent of toViewEvents(pipeline, event)) store.dispatch(viewEvent)
}
