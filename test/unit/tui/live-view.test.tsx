import {render as inkRender} from 'ink'
import {render} from 'ink-testing-library'
import {afterEach, describe, expect, it, vi} from 'vitest'

import {createTheme} from '../../../src/core/output/index.js'
import {LiveView} from '../../../src/core/tui/components/LiveView.js'
import {ThemeContext} from '../../../src/core/tui/hooks/use-theme.js'
import {renderLiveView} from '../../../src/core/tui/render-live-view.js'
import {createViewStore, initialViewState, type ViewStore} from '../../../src/core/tui/store.js'
import {board, FakeStdin, FakeStdout, stripAnsi, T0} from './fixtures.js'

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await tick(10)
  }
}

function boardStore(): ViewStore {
  const store = createViewStore(initialViewState('leaderboard', '127.0.0.1:6379 player-leaderboard'), {notifyMs: 0})
  store.dispatch(board('player-leaderboard', [['Kathy', 23], ['Bob', 17]]))
  return store
}

function mount(store: ViewStore, handlers: {onQuit?: () => void; onPause?: (p: boolean) => void; onInterrupt?: () => void} = {}) {
  return render(
    <ThemeContext.Provider value={createTheme(false)}>
      <LiveView store={store} mode="watch" refreshMs={1000} onQuit={handlers.onQuit ?? vi.fn()} onPause={handlers.onPause ?? vi.fn()} onInterrupt={handlers.onInterrupt ?? vi.fn()} />
    </ThemeContext.Provider>,
  )
}

describe('LiveView', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('draws what the store holds and redraws when it changes', async () => {
    const store = boardStore()
    const {lastFrame} = mount(store)
    expect(stripAnsi(lastFrame() ?? '')).toMatch(/1\s+Kathy\s+23/)
    store.dispatch(board('player-leaderboard', [['Kathy', 23], ['Bob', 40]], T0 + 1000))
    await until(() => /1\s+Bob\s+40/.test(stripAnsi(lastFrame() ?? '')), 'the new board')
    expect(stripAnsi(lastFrame() ?? '')).toMatch(/1\s+Bob\s+40\s+█+\s+↑ \+23/)
  })

  it('q quits gracefully through the callback, once', async () => {
    const onQuit = vi.fn()
    const store = boardStore()
    const {stdin, lastFrame} = mount(store, {onQuit})
    await tick()
    stdin.write('q')
    await until(() => onQuit.mock.calls.length === 1, 'onQuit')
    expect(store.getState().status.stopping).toBe(true)
    await until(() => stripAnsi(lastFrame() ?? '').includes('■ stopping…'), 'the stopping state')
    stdin.write('q')
    await tick()
    expect(onQuit).toHaveBeenCalledTimes(1)
  })

  it('p pauses and resumes through the callback, and the view says so', async () => {
    const onPause = vi.fn()
    const store = boardStore()
    const {stdin, lastFrame} = mount(store, {onPause})
    await tick()
    stdin.write('p')
    await until(() => onPause.mock.calls.length === 1, 'pause')
    expect(onPause).toHaveBeenLastCalledWith(true)
    await until(() => stripAnsi(lastFrame() ?? '').includes('❚❚ paused'), 'the paused state')
    expect(stripAnsi(lastFrame() ?? '')).toContain('p resume')
    stdin.write('p')
    await until(() => onPause.mock.calls.length === 2, 'resume')
    expect(onPause).toHaveBeenLastCalledWith(false)
    await until(() => stripAnsi(lastFrame() ?? '').includes('● watching'), 'the running state')
  })

  it('Ctrl-C (a key in raw mode) calls the interrupt handler', async () => {
    const onInterrupt = vi.fn()
    const onQuit = vi.fn()
    const {stdin} = mount(boardStore(), {onInterrupt, onQuit})
    await tick()
    stdin.write('\u0003')
    await until(() => onInterrupt.mock.calls.length === 1, 'onInterrupt')
    expect(onQuit).not.toHaveBeenCalled()
  })

  it('re-flows when the terminal is resized', async () => {
    const stdout = new FakeStdout()
    const store = boardStore()
    const instance = inkRender(
      <ThemeContext.Provider value={createTheme(false)}>
        <LiveView store={store} mode="watch" onQuit={vi.fn()} onPause={vi.fn()} onInterrupt={vi.fn()} keys={false} />
      </ThemeContext.Provider>,
      {stdout: stdout as unknown as NodeJS.WriteStream, debug: true, patchConsole: false, exitOnCtrlC: false},
    )
    try {
      const widest = () => Math.max(...stripAnsi(stdout.lastFrame()).split('\n').map((l) => [...l].length))
      const barOf = () => (/Kathy\s+23\s+(█+)/.exec(stripAnsi(stdout.lastFrame()))?.[1] ?? '').length
      await until(() => barOf() > 0, 'the first frame')
      const wideBar = barOf()
      expect(widest()).toBeLessThanOrEqual(100)
      stdout.resize(50)
      await until(() => barOf() > 0 && barOf() < wideBar, 'a narrower board')
      expect(widest()).toBeLessThanOrEqual(50)
      stdout.resize(120)
      await until(() => barOf() > wideBar, 'a wider board')
    } finally {
      instance.unmount()
    }
  })
})

describe('renderLiveView', () => {
  it('renders a store on the terminal, takes keys, and leaves the last frame when closed', async () => {
    const stdout = new FakeStdout()
    const stdin = new FakeStdin()
    const onQuit = vi.fn()
    const view = renderLiveView({
      kind: 'topics',
      mode: 'watch',
      theme: createTheme(false),
      source: 'redis topics-leaderboard',
      refreshMs: 1000,
      onQuit,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      notifyMs: 10,
    })
    view.dispatch(board('topics-leaderboard', [['AI', 3], ['Cloud', 5]]))
    await tick(50)
    stdin.press('q')
    await until(() => onQuit.mock.calls.length === 1, 'onQuit')
    await view.close()
    await view.close()
    const all = stripAnsi(stdout.frames.join(''))
    expect(all).toMatch(/1\s+Cloud\s+5/)
    expect(all).toMatch(/2\s+AI\s+3/)
    expect(all).toContain('■ stopped')
  })
})
