/**
 * The colour theme. All colour goes through here so that NO_COLOR and --no-color switch it off in one place.
 */
import {Chalk, type ChalkInstance} from 'chalk'

export interface Theme {
  readonly enabled: boolean
  ok(text: string): string
  warn(text: string): string
  error(text: string): string
  dim(text: string): string
  bold(text: string): string
  accent(text: string): string
  /** The original generators' purple echo. */
  echo(text: string): string
  /** The original printers' blue. */
  info(text: string): string
  label(label: string, text?: string): string
  chalk: ChalkInstance
}

const LABEL_COLORS: Record<string, (c: ChalkInstance) => ChalkInstance> = {
  'Very Negative': (c) => c.red.bold,
  Negative: (c) => c.red,
  Neutral: (c) => c.gray,
  Positive: (c) => c.green,
  'Very Positive': (c) => c.green.bold,
  CRITICAL: (c) => c.red.bold,
  HIGH: (c) => c.yellow,
  ELEVATED: (c) => c.cyan,
}

export function createTheme(enabled: boolean): Theme {
  const chalk = new Chalk({level: enabled ? 1 : 0})
  return {
    enabled,
    chalk,
    ok: (t) => chalk.green(t),
    warn: (t) => chalk.yellow(t),
    error: (t) => chalk.red(t),
    dim: (t) => chalk.dim(t),
    bold: (t) => chalk.bold(t),
    accent: (t) => chalk.cyan(t),
    echo: (t) => chalk.magenta(t),
    info: (t) => chalk.blue(t),
    label: (label, text = label) => (LABEL_COLORS[label]?.(chalk) ?? chalk.white)(text),
  }
}
