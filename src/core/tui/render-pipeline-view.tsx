/**
 * The live view of a running pipeline (`sstream run <pipeline> --tui`, `sstream demo`): the pipeline's
 * events (result, stats, status) go in through `onEvent` or `subscribe`; boards that live in Redis are
 * read by `sources` (see `boardSource`) at least once a second.
 */
import {errorMessage} from '../errors.js'
import type {PipelineName} from '../names.js'
import {sleep} from '../async.js'
import {toViewEvents, type PipelineViewEvent} from './adapt.js'
import type {ViewEvent} from './model.js'
import {renderLiveView, type LiveViewHandle, type LiveViewOptions} from './render-live-view.js'

/** Something that feeds view events until the signal fires, e.g. a Redis board read every second. */
export type ViewSource = (emit: (event: ViewEvent) => void, signal: AbortSignal) => Promise<unknown>

export interface PipelineViewOptions extends Omit<LiveViewOptions, 'kind' | 'mode' | 'refreshMs'> {
  /** Subscribes the view to the pipeline's events; returns the unsubscribe function. Or call `handle.onEvent`. */
  subscribe?: (listener: (event: PipelineViewEvent) => void) => () => void
  /** Extra data the pipeline's events do not carry (the Redis boards). Restarted after a failure. */
  sources?: ViewSource[]
  /** Wait before restarting a failed source; default 2 s. */
  sourceRetryMs?: number
}

export interface PipelineViewHandle extends LiveViewHandle {
  /** The pipeline's `onEvent` callback: pass it to runPipeline. */
  onEvent(event: PipelineViewEvent): void
}

export function renderPipelineView(pipeline: PipelineName, options: PipelineViewOptions): PipelineViewHandle {
  const {subscribe, sources = [], sourceRetryMs = 2000, ...rest} = options
  const view = renderLiveView({...rest, kind: pipeline, mode: 'run'})
  const onEvent = (event: PipelineViewEvent): void => {
    for (const viewEvent of toViewEvents(pipeline, event)) view.dispatch(viewEvent)
  }
  const unsubscribe = subscribe?.(onEvent)
  const stop = new AbortController()
  const running = sources.map((source) => runSource(source, view.dispatch, stop.signal, sourceRetryMs))
  return {
    ...view,
    onEvent,
    async close() {
      unsubscribe?.()
      stop.abort()
      await Promise.all(running)
      await view.close()
    },
  }
}

/** Runs a source until the signal fires; a failure is shown as an outage and the source restarts. */
async function runSource(source: ViewSource, emit: (event: ViewEvent) => void, signal: AbortSignal, retryMs: number): Promise<void> {
  while (!signal.aborted) {
    try {
      await source(emit, signal)
    } catch (error) {
      if (signal.aborted) break
      const service = /redis/i.test(errorMessage(error)) ? 'redis' : 'source'
      emit({type: 'service', service, state: 'down', message: errorMessage(error), at: Date.now()})
    }
    await sleep(retryMs, signal)
  }
}

export interface RunPipelineViewOptions<S> extends Omit<PipelineViewOptions, 'onQuit' | 'subscribe'> {
  /** The command's signal (SIGINT/SIGTERM): stops the run like `q`. */
  signal: AbortSignal
  /** Runs the pipeline: hand `onEvent` and `signal` to runPipeline. */
  run(io: {onEvent: (event: PipelineViewEvent) => void; signal: AbortSignal}): Promise<S>
}

export interface RunPipelineViewResult<S> {
  /** What `run` returned (the run's summary). */
  summary: S
  /** True when the user pressed `q` (a normal end: exit 0), false when the run ended by itself or by a signal. */
  quit: boolean
}

/**
 * Runs a pipeline under its live view: `q` stops it gracefully (the run's signal fires), the view shows
 * its events until it has stopped, then gives the terminal back.
 */
export async function runPipelineView<S>(pipeline: PipelineName, {signal, run, ...options}: RunPipelineViewOptions<S>): Promise<RunPipelineViewResult<S>> {
  const stop = new AbortController()
  let quit = false
  const onAbort = (): void => stop.abort(signal.reason)
  signal.addEventListener('abort', onAbort, {once: true})
  const view = renderPipelineView(pipeline, {
    ...options,
    onQuit: () => {
      quit = true
      stop.abort()
    },
  })
  try {
    const summary = await run({onEvent: view.onEvent, signal: stop.signal})
    return {summary, quit}
  } finally {
    signal.removeEventListener('abort', onAbort)
    await view.close()
  }
}
