import {describe, expect, it, vi} from 'vitest'

import type {DemoEvent, DemoRunningInfo} from '../../../src/core/demo/index.js'
import {PIPELINES} from '../../../src/core/names.js'
import {createTheme} from '../../../src/core/output/index.js'
import type {PipelineEvent} from '../../../src/core/stream/types.js'
import {mountDemoView, runDemoView} from '../../../src/core/tui/render-demo-view.js'
import {FakeStdin, FakeStdout, stripAnsi, T0} from '../tui/fixtures.js'

const iso = (ms: number) => new Date(ms).toISOString()

function streams() {
  const stdout = new FakeStdout()
  stdout.columns = 110
  stdout.rows = 34
  const stdin = new FakeStdin()
  return {stdout, stdin, io: {stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream}}
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const info = (pipelines = [...PIPELINES]): DemoRunningInfo => ({pipelines, startedAt: Date.now(), endsAt: Date.now() + 60_000, rate: 20, sentimentUrl: null})

const stats = (pipeline: string, recordsIn: number, lag = 0): PipelineEvent => ({
  type: 'stats',
  pipeline,
  time: iso(T0),
  elapsedMs: 1000,
  recordsIn,
  recordsOut: recordsIn, outputs: {},
  rate: 20,
  deadLettered: 0,
  late: 0,
  future: 0,
  watermark: null,
  openWindows: 0,
  lag,
  partitions: [],
  sinkLatencyMs: null,
  endToEndLatencyMs: null,
})

/** The last full frame: ink writes each redraw (between terminal control sequences) from the title down. */
function screen(stdout: FakeStdout): string {
  // eslint-disable-next-line no-control-regex
  const all = stripAnsi(stdout.frames.join('')).replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '')
  return all.slice(all.lastIndexOf('sstream demo'))
}

describe('the demo view', () => {
  it('shows a tab per pipeline, switches with 1–5 and the arrows, and routes each event to its pipeline', async () => {
    const {stdout, stdin, io} = streams()
    const view = mountDemoView(info(), {theme: createTheme(false), onQuit: vi.fn(), onPause: vi.fn(), ...io})
    const events: DemoEvent[] = [
      {type: 'generator', pipeline: 'analytics', generator: 'orders', topic: 'streaming.orders.input', sent: 1234, ratePerSec: 20, time: iso(T0)},
      {type: 'generator', pipeline: 'leaderboard', generator: 'scores', topic: 'streaming.leaderboards.input', sent: 77, ratePerSec: 20, time: iso(T0)},
      stats('analytics', 1200, 3),
      {type: 'board', pipeline: 'leaderboard', key: 'player-leaderboard', rows: [{rank: 1, member: 'Kathy', score: 23}, {rank: 2, member: 'Bob', score: 17}], time: iso(T0)},
      {type: 'status', pipeline: 'predictions', service: 'sentiment', state: 'down', message: "Can't reach the sentiment service.", time: iso(T0)},
    ]
    for (const event of events) view.onEvent(event)
    await until(() => /in 1,200/.test(screen(stdout)), 'the analytics figures')
    let s = screen(stdout)
    expect(s).toMatch(/sstream demo\s+\[1 analytics\] 2 alerts {2}3 leaderboard {2}4 predictions ● {2}5 views/)
    expect(s).toMatch(/←→ switch {2}\d+s left/)
    expect(s).toContain('generator orders → streaming.orders.input · 20 rec/s · 1,234 generated')
    expect(s).toContain('lag 3')
    // The events of one pipeline never show in another's view.
    expect(s).not.toContain('Kathy')
    expect(view.stores.analytics.getState().status.services).toEqual([])

    stdin.press('3')
    await until(() => screen(stdout).includes('[3 leaderboard]'), 'the leaderboard tab')
    s = screen(stdout)
    expect(s).toMatch(/1\s+Kathy\s+23/)
    expect(s).toMatch(/2\s+Bob\s+17/)
    expect(s).toContain('generator scores → streaming.leaderboards.input · 20 rec/s · 77 generated')

    stdin.press('\u001B[C') // →
    await until(() => screen(stdout).includes('[4 predictions ●]'), 'the predictions tab')
    expect(screen(stdout)).toContain("sentiment is down: Can't reach the sentiment service.")

    stdin.press('\u001B[C')
    stdin.press('\u001B[C') // wraps around to the first tab
    await until(() => screen(stdout).includes('[1 analytics]'), 'the first tab again')
    stdin.press('\u001B[D') // ←
    await until(() => screen(stdout).includes('[5 views]'), 'the last tab')
    await view.close()
    expect(screen(stdout)).toContain('■ stopped')
  })

  it('p pauses and resumes every pipeline, q stops them all, once', async () => {
    const {stdout, stdin, io} = streams()
    const onPause = vi.fn()
    const onQuit = vi.fn()
    const view = mountDemoView(info(['analytics', 'alerts']), {theme: createTheme(false), onQuit, onPause, ...io})
    await until(() => screen(stdout).includes('[1 analytics]'), 'the first frame')
    stdin.press('p')
    await until(() => onPause.mock.calls.length === 1, 'onPause')
    expect(onPause).toHaveBeenLastCalledWith(true)
    expect(view.stores.analytics.getState().status.paused).toBe(true)
    expect(view.stores.alerts.getState().status.paused).toBe(true)
    await until(() => screen(stdout).includes('❚❚ paused'), 'the paused view')
    stdin.press('p')
    await until(() => onPause.mock.calls.length === 2, 'onPause again')
    expect(onPause).toHaveBeenLastCalledWith(false)
    stdin.press('q')
    await until(() => onQuit.mock.calls.length === 1, 'onQuit')
    stdin.press('q')
    stdin.press('p')
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(onQuit).toHaveBeenCalledTimes(1)
    expect(onPause).toHaveBeenCalledTimes(2)
    expect(view.stores.alerts.getState().status.stopping).toBe(true)
    await view.close()
  })

  it('one pipeline: no tabs, its name in the title', async () => {
    const {stdout, io} = streams()
    const view = mountDemoView(info(['leaderboard']), {theme: createTheme(false), onQuit: vi.fn(), onPause: vi.fn(), ...io})
    await until(() => screen(stdout).includes('sstream demo leaderboard'), 'the title')
    expect(screen(stdout)).not.toContain('switch')
    expect(screen(stdout)).not.toContain('[1')
    await view.close()
  })
})

describe('runDemoView', () => {
  it('hands the events before the view to onEarlyEvent, then to the view; q stops the run (quit)', async () => {
    const {stdout, stdin, io} = streams()
    const early: DemoEvent[] = []
    let runSignal: AbortSignal | undefined
    const shown = runDemoView({
      theme: createTheme(false),
      signal: new AbortController().signal,
      onEarlyEvent: (event) => early.push(event),
      ...io,
      run: async ({signal, onEvent, onRunning, pause}) => {
        runSignal = signal
        onEvent({type: 'step', step: 'setup', message: 'Setting up…', time: iso(T0)})
        onRunning(info(['leaderboard']))
        onEvent(stats('leaderboard', 42))
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
        return {paused: pause.isPaused}
      },
    })
    await until(() => screen(stdout).includes('in 42'), 'the stats in the view')
    expect(early.map((e) => e.type)).toEqual(['step'])
    stdin.press('p')
    await until(() => screen(stdout).includes('❚❚ paused'), 'paused')
    stdin.press('q')
    const {result, quit} = await shown
    expect(quit).toBe(true)
    expect(runSignal?.aborted).toBe(true)
    expect(result).toEqual({paused: true})
    expect(screen(stdout)).toContain('■ stopped')
  })

  it('the command signal (Ctrl-C, SIGTERM) stops the run too, without quit', async () => {
    const {io} = streams()
    const controller = new AbortController()
    const shown = runDemoView({
      theme: createTheme(false),
      signal: controller.signal,
      ...io,
      run: async ({signal, onRunning}) => {
        onRunning(info(['alerts']))
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
        return 'stopped'
      },
    })
    controller.abort()
    expect(await shown).toEqual({result: 'stopped', quit: false})
  })
})
