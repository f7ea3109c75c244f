/**
 * Where a command's output goes, one reporter per output mode (SstreamCommand builds it):
 * - `json`: results and progress as NDJSON events on stdout, the command's last word (its result, or the
 *   error) as one JSON value; notes only with SSTREAM_LOG=stderr.
 * - `plain`: results as lines on stdout, progress and notes on stderr.
 * - `live`: an ink view owns the terminal and shows results and progress itself; only notes (before and
 *   after the view) reach stderr.
 * Commands hand each output to the reporter with both renderings, and never ask which mode they are in.
 */
import type {StopReason} from '../core/stop.js'

export type ReporterMode = 'json' | 'plain' | 'live'

/**
 * How the last JSON value is written with --json: `object` pretty-printed (one-shot commands), `line` as
 * one compact line (a snapshot), `ndjson` as one more event after the command's events, typed `summary`
 * (or `error`) unless it carries a type of its own.
 */
export type JsonOutput = 'object' | 'line' | 'ndjson'

type Lines = string | readonly string[]

export interface Reporter {
  readonly mode: ReporterMode
  /** A result: its NDJSON event with --json (none when undefined), its plain lines on stdout. */
  result(json: object | undefined, plain: () => Lines): void
  /** Progress, an outage, a figure: its NDJSON event with --json (none when undefined), its plain lines on stderr. */
  progress(json: object | undefined, plain: () => Lines): void
  /** A line of progress, a warning or a log, on stderr: never mixed with results. */
  note(line: string): void
  /** The command's last word with --json: its result, or `{error}`. */
  final(value: unknown, output: JsonOutput): void
}

export interface ReporterStreams {
  stdout: {write(text: string): unknown}
  stderr: {write(text: string): unknown}
  /** Notes in json mode too (SSTREAM_LOG=stderr). */
  logToStderr?: boolean
  /** How `object` output is printed (oclif's pretty JSON). */
  printObject?: (value: unknown) => void
}

export function createReporter(mode: ReporterMode, streams: ReporterStreams): Reporter {
  const {stdout, stderr, logToStderr = false} = streams
  const write = (stream: ReporterStreams['stdout'], lines: Lines): void => {
    const text = typeof lines === 'string' ? lines : lines.join('\n')
    if (typeof lines !== 'string' && lines.length === 0) return
    stream.write(`${text}\n`)
  }
  const event = (json: object | undefined): void => {
    if (json !== undefined) stdout.write(`${JSON.stringify(json)}\n`)
  }
  return {
    mode,
    result: (json, plain) => (mode === 'json' ? event(json) : mode === 'plain' ? write(stdout, plain()) : undefined),
    progress: (json, plain) => (mode === 'json' ? event(json) : mode === 'plain' ? write(stderr, plain()) : undefined),
    note: (line) => {
      if (mode !== 'json' || logToStderr) stderr.write(`${line}\n`)
    },
    final: (value, output) => {
      if (output === 'object') {
        if (streams.printObject) streams.printObject(value)
        else stdout.write(`${JSON.stringify(value, null, 2)}\n`)
      } else if (output === 'line') {
        event(value as object)
      } else {
        event(ndjsonFinal(value as object))
      }
    },
  }
}

/** The last NDJSON event: the value as it is when it has a type, else typed `error` or `summary`. */
export function ndjsonFinal(value: object): object {
  if ('type' in value) return value
  return {type: 'error' in value ? 'error' : 'summary', ...value}
}

/** SPEC §1: a command stopped by SIGINT/SIGTERM exits 130; every other stop is a normal end (0). */
export const INTERRUPTED_EXIT_CODE = 130

/** The exit code of a command that ran until it stopped: the one place a stop reason becomes an exit code. */
export function exitCodeOfStop(reason: StopReason): number {
  return reason === 'signal' ? INTERRUPTED_EXIT_CODE : 0
}
