/**
 * Mounting a live view on the terminal, written once for every view: the theme, keys only when stdin is a
 * terminal, Ctrl-C (which raw mode delivers as a key) raising SIGINT unless the caller says otherwise, and
 * a close that draws the last state before it unmounts and gives the terminal back.
 */
import {render} from 'ink'
import type {ReactElement} from 'react'

import {sleep} from '../async.js'
import type {Theme} from '../output/index.js'
import {ThemeContext} from './hooks/use-theme.js'

export interface MountOptions {
  theme: Theme
  /** Ctrl-C. Default: raise SIGINT, so the command's own handling applies. */
  onInterrupt?(): void
  /** Streams, for tests. */
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
}

/** What the view element is given: whether to listen to keys, and what Ctrl-C does. */
export interface MountKeys {
  keys: boolean
  onInterrupt(): void
}

export interface MountedView {
  /** Runs `settle` (the last state into the stores), lets React commit it, unmounts. Idempotent. */
  close(): Promise<void>
}

export function mountView(view: (keys: MountKeys) => ReactElement, options: MountOptions, settle: () => void): MountedView {
  const stdin = options.stdin ?? process.stdin
  const onInterrupt = options.onInterrupt ?? (() => process.kill(process.pid, 'SIGINT'))
  const instance = render(<ThemeContext.Provider value={options.theme}>{view({keys: Boolean(stdin.isTTY), onInterrupt})}</ThemeContext.Provider>, {
    stdout: options.stdout ?? process.stdout,
    stdin,
    exitOnCtrlC: false,
    patchConsole: false,
  })
  let closing: Promise<void> | undefined
  return {
    close() {
      closing ??= (async () => {
        settle()
        // Let React commit the last state before unmounting, so the final frame stays on the screen.
        await sleep(20)
        instance.unmount()
        await instance.waitUntilExit().catch(() => undefined)
      })()
      return closing
    },
  }
}
