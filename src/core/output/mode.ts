/**
 * The three output modes. `json`: one JSON object, or NDJSON events for long-running commands.
 * `plain`: one line per event, tables through cli-table3 (no TTY, CI, TERM=dumb). `interactive`: ink
 * live views, only on a TTY.
 */
export type OutputMode = 'json' | 'plain' | 'interactive'

export interface OutputModeInput {
  json?: boolean
  /** Whether stdout is a terminal. */
  isTTY?: boolean
  env?: NodeJS.ProcessEnv
}

export function isInteractive({isTTY = Boolean(process.stdout.isTTY), env = process.env}: OutputModeInput = {}): boolean {
  if (!isTTY) return false
  if (env.TERM === 'dumb') return false
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false
  return true
}

export function resolveOutputMode(input: OutputModeInput = {}): OutputMode {
  if (input.json) return 'json'
  return isInteractive(input) ? 'interactive' : 'plain'
}

/** Whether colour is wanted: honours NO_COLOR, FORCE_COLOR and --no-color. */
export function colorEnabled({noColor = false, isTTY = Boolean(process.stdout.isTTY), env = process.env} = {}): boolean {
  if (noColor) return false
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return isTTY && env.TERM !== 'dumb'
}
