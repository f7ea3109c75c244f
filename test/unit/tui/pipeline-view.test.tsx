import {describe, expect, it, vi} from 'vitest'

import {createTheme} from '../../../src/core/output/index.js'
import type {PipelineEvent} from '../../../src/core/stream/types.js'
import {renderPipelineView, runPipelineView, type ViewSource} from '../../../src/core/tui/render-pipeline-view.js'
import {FakeStdin, FakeStdout, stripAnsi, T0} from './fixtures.js'

const iso = (ms: number) => new Date(ms).toISOString()
const streams = () => {
  const stdout = new FakeStdout()
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

const stats = (recordsIn: number): PipelineEvent => ({
  type: 'stats',
  pipeline: 'analytics',
  time: iso(T0),
  elapsedMs: 1000,
  recordsIn,
  recordsOut: 1, outputs: {},
  rate: 250,
  deadLettered: 0,
  late: 0,
  future: 0,
  watermark: iso(T0),
  openWindows: 3,
  lag: 12,
  partitions: [],
  sinkLatencyMs: null,
  endToEndLatencyMs: null,
})

describe('renderPipelineView', () => {
  it('shows the engine events it is given through onEvent or subscribe', async () => {
    const {stdout, io} = streams()
    let listener: ((event: PipelineEvent) => void) | undefined
    const view = renderPipelineView('analytics', {
      theme: createTheme(false),
      onQuit: vi.fn(),
      subscribe: (l) => {
        listener = l
        return () => (listener = undefined)
      },
      notifyMs: 5,
      ...io,
    })
    view.onEvent({type: 'result', pipeline: 'analytics', output: 'order_summary', key: 'Monitor', value: {total: 280, count: 2}, window: {start: iso(T0), end: iso(T0 + 5000)}})
    listener?.(stats(1234))
    listener?.({type: 'status', pipeline: 'analytics', service: 'mariadb', state: 'down', message: "Can't reach MariaDB at 127.0.0.1:3306.", time: iso(T0)})
    await view.close()
    expect(listener).toBeUndefined()
    const screen = stripAnsi(stdout.frames.join(''))
    expect(screen).toMatch(/Monitor\s+\S+\s+280\s+2/)
    expect(screen).toContain(' DB Summary : Records = 1, Value = 280.0')
    expect(screen).toContain('in 1,234')
    expect(screen).toContain('lag 12')
    expect(screen).toContain("mariadb is down: Can't reach MariaDB at 127.0.0.1:3306.")
  })

  it('runs its sources (the Redis board) until closed, restarting one that fails', async () => {
    const {stdout, io} = streams()
    let starts = 0
    let stopped = false
    const source: ViewSource = async (emit, signal) => {
      starts += 1
      if (starts === 1) throw new Error("Can't reach Redis at 127.0.0.1:6379.")
      emit({type: 'board', key: 'player-leaderboard', entries: [{name: 'Kathy', score: 23}], at: T0})
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
      stopped = true
    }
    const view = renderPipelineView('leaderboard', {theme: createTheme(false), onQuit: vi.fn(), sources: [source], sourceRetryMs: 10, notifyMs: 5, ...io})
    await until(() => view.store.getState().board.refreshes === 1, 'the board from the restarted source')
    await view.close()
    expect(stopped).toBe(true)
    expect(starts).toBe(2)
    const screen = stripAnsi(stdout.frames.join(''))
    expect(screen).toMatch(/1\s+Kathy\s+23/)
    expect(screen).toContain("redis is down: Can't reach Redis at 127.0.0.1:6379.")
  })
})

describe('runPipelineView', () => {
  it('q stops the run gracefully and says it was quit', async () => {
    const {stdout, stdin, io} = streams()
    const command = new AbortController()
    const result = runPipelineView('predictions', {
      theme: createTheme(false),
      signal: command.signal,
      notifyMs: 5,
      ...io,
      run: async ({onEvent, signal}) => {
        onEvent({type: 'result', pipeline: 'predictions', output: 'sentiment', key: '1', value: {label: 'Very Positive', review: 'A wonderful film.'}})
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
        return {recordsIn: 1}
      },
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    stdin.press('q')
    await expect(result).resolves.toEqual({summary: {recordsIn: 1}, quit: true})
    expect(stripAnsi(stdout.frames.join(''))).toContain('■ stopped')
  })

  it('the command’s signal stops the run too, and that is not a quit', async () => {
    const {io} = streams()
    const command = new AbortController()
    const result = runPipelineView('alerts', {
      theme: createTheme(false),
      signal: command.signal,
      ...io,
      run: async ({signal}) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
        return 'done'
      },
    })
    command.abort()
    await expect(result).resolves.toEqual({summary: 'done', quit: false})
  })

  it('gives the terminal back and rethrows when the run fails', async () => {
    const {io} = streams()
    await expect(
      runPipelineView('analytics', {
        theme: createTheme(false),
        signal: new AbortController().signal,
        ...io,
        run: async () => {
          throw new Error("Can't reach Kafka at localhost:9092.")
        },
      }),
    ).rejects.toThrow("Can't reach Kafka")
  })
})
