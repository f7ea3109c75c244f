import {EventEmitter} from 'node:events'

import {render} from 'ink-testing-library'
import type {ReactElement} from 'react'

import {createTheme} from '../../../src/core/output/index.js'
import {ThemeContext} from '../../../src/core/tui/hooks/use-theme.js'
import type {ViewEvent, ViewKind, ViewState} from '../../../src/core/tui/model.js'
import {initialViewState, reduceView} from '../../../src/core/tui/store.js'

/** Renders with the theme: colours on (to check them) or off (to read the text). */
export function renderThemed(node: ReactElement, {color = false} = {}) {
  const theme = createTheme(color)
  const instance = render(<ThemeContext.Provider value={theme}>{node}</ThemeContext.Provider>)
  return {...instance, rerender: (next: ReactElement) => instance.rerender(<ThemeContext.Provider value={theme}>{next}</ThemeContext.Provider>)}
}

/** A view state built by folding events, as the store would. */
export function stateOf(kind: ViewKind, events: ViewEvent[], source = ''): ViewState {
  return events.reduce(reduceView, initialViewState(kind, source))
}

// eslint-disable-next-line no-control-regex
export const stripAnsi = (text: string): string => text.replace(/\u001B\[[0-9;]*m/g, '')

export const T0 = Date.UTC(2024, 4, 1, 10, 0, 0)

export function board(key: string, entries: Array<[string, number]>, at = T0): ViewEvent {
  return {type: 'board', key, entries: entries.map(([name, score]) => ({name, score})), at}
}

export function closed(key: string, windowStart: number, value: number, count = 1, sizeMs = 5000): ViewEvent {
  return {type: 'window-closed', window: {windowStart, windowEnd: windowStart + sizeMs, key, value, count}}
}

/** A terminal whose size can change. */
export class FakeStdout extends EventEmitter {
  columns = 100
  rows = 30
  isTTY = true
  frames: string[] = []
  write = (frame: string): boolean => {
    this.frames.push(frame)
    return true
  }
  lastFrame = (): string => this.frames.at(-1) ?? ''
  resize(columns: number, rows = this.rows): void {
    this.columns = columns
    this.rows = rows
    this.emit('resize')
  }
}

/** A terminal's keyboard. */
export class FakeStdin extends EventEmitter {
  isTTY = true
  private data: string | null = null
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => {
    const {data} = this
    this.data = null
    return data
  }
  press(data: string): void {
    this.data = data
    this.emit('readable')
    this.emit('data', data)
  }
}

