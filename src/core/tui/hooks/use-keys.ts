import {useInput} from 'ink'

export interface KeyHandlers {
  /** `q`: stop gracefully. */
  onQuit(): void
  /** `p`: pause or resume. */
  onPause(): void
  /** Ctrl-C: in raw mode the terminal sends it as a key, not as SIGINT. */
  onInterrupt(): void
}

/** The keys of every live view: `q` quits, `p` pauses and resumes, Ctrl-C interrupts. */
export function useKeys({onQuit, onPause, onInterrupt}: KeyHandlers, {isActive = true} = {}): void {
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') onInterrupt()
      else if (input === 'q' || input === 'Q') onQuit()
      else if (input === 'p' || input === 'P') onPause()
    },
    {isActive},
  )
}
