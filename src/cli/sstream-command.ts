/**
 * The base class of every sstream command. It owns what all commands share: --json and --no-color, the
 * connection settings resolved from whichever connection flags the command declares (connectionFlags, each
 * with its SSTREAM_* variable), the AbortController wired to SIGINT/SIGTERM, the reporter of the output
 * mode (src/cli/reporter.ts), the one exit path of a stop, and one error handler with one JSON error shape.
 * Commands stay thin: parse flags, build one options object, await one core function, return a typed result.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {CONTEXT_ENV, readConfig, settingSource, type SstreamConfig} from '../core/config/index.js'
import {BugError, SstreamError} from '../core/errors.js'
import {colorEnabled, createTheme, resolveOutputMode, type OutputMode, type Theme} from '../core/output/index.js'
import type {StopReason} from '../core/stop.js'
import {CONNECTIONS, connectionOverrides, type Connection} from './connection-flags.js'
import {fitUnreachable, type AddressOrigin} from './next-steps.js'
import {createReporter, exitCodeOfStop, INTERRUPTED_EXIT_CODE, type JsonOutput, type Reporter, type ReporterMode} from './reporter.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof SstreamCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class SstreamCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  /** Only the global flags: each command declares the connections it uses (connectionFlags). */
  static override baseFlags = {
    context: Flags.string({
      description: `Use this context of the sstream config file (\`sstream config list\`) [env: ${CONTEXT_ENV}] [default: the current context]`,
      helpGroup: 'GLOBAL',
    }),
    color: Flags.boolean({
      description: 'Colour the output (also switched off by NO_COLOR)',
      allowNo: true,
      default: true,
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** How the last JSON value is written with --json: long-running commands make it `ndjson`. */
  protected jsonOutput: JsonOutput = 'object'
  private reporterInUse: Reporter | undefined
  private resolvedConfig: SstreamConfig | undefined
  /** Aborted on the first SIGINT/SIGTERM; core functions stop gracefully when it fires. */
  protected readonly abortController = new AbortController()
  private interrupts = 0
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.interrupts += 1
    if (this.interrupts === 1) {
      this.abortController.abort(new SstreamError('INTERRUPTED', `Interrupted by ${signal}.`))
      // The process ends within 10 s of the first signal whatever the services do (SPEC §4): the graceful
      // stop is bounded to finish before this, and a client left reconnecting to a broker that is gone
      // would keep the process alive after it. Unref'd: a process that ends by itself ends earlier.
      setTimeout(() => {
        const left = process.env.SSTREAM_DEBUG ? ` Still open: ${process.getActiveResourcesInfo().join(', ')}.` : ''
        process.stderr.write(`\nStopping now: a connection did not close in time.${left}\n`)
        process.exit(process.exitCode ?? 130)
      }, STOP_DEADLINE_MS).unref()
      return
    }
    // A second Ctrl-C exits at once. Results stay exactly-once: nothing was committed past what the sinks hold.
    process.stderr.write('\nStopping now.\n')
    process.exit(INTERRUPTED_EXIT_CODE)
  }

  protected get signal(): AbortSignal {
    return this.abortController.signal
  }

  /**
   * The resolved connection settings (src/core/config): flags > environment > the context > defaults. A
   * setting the command does not declare a flag for comes from its SSTREAM_* variable, the context or its default.
   */
  protected get config_(): SstreamConfig {
    this.resolvedConfig ??= readConfig(connectionOverrides(this.flags as unknown as Record<string, unknown>), process.env, {context: this.flags.context})
    return this.resolvedConfig
  }

  /** Whether the user named this connection (its flag, its SSTREAM_* variable or the context) rather than leaving it to the default. */
  protected connectionGiven(connection: Connection): boolean {
    return this.addressOrigin(connection).source !== 'default'
  }

  /** Where a connection's address came from: its flag, its SSTREAM_* variable, the context (with its name), or the default. */
  protected addressOrigin(connection: Connection): AddressOrigin {
    const overrides = connectionOverrides(this.flags as unknown as Record<string, unknown>)
    const source = settingSource(CONNECTIONS[connection].key, overrides, process.env, {context: this.flags.context})
    return source === 'context' ? {source, context: this.config_.context} : {source}
  }

  protected get outputMode(): OutputMode {
    return resolveOutputMode({json: this.jsonEnabled()})
  }

  protected get theme(): Theme {
    return createTheme(!this.jsonEnabled() && colorEnabled({noColor: this.flags?.color === false}))
  }

  /** Whether the command was interrupted (Ctrl-C / SIGTERM). */
  protected get interrupted(): boolean {
    return this.signal.aborted
  }

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof SstreamCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  /** The reporter of the output mode: `json` with --json, otherwise `plain` until the command enters a live view. */
  protected get report(): Reporter {
    this.reporterInUse ??= this.createReporter(this.jsonEnabled() ? 'json' : 'plain')
    return this.reporterInUse
  }

  /** From here on an ink view owns the terminal: results and progress are its to show, notes still reach stderr. */
  protected enterLiveView(): void {
    this.reporterInUse = this.createReporter('live')
  }

  /** Back to plain lines after the live view (the closing summary). */
  protected leaveLiveView(): void {
    this.reporterInUse = this.createReporter('plain')
  }

  private createReporter(mode: ReporterMode): Reporter {
    return createReporter(mode, {
      stdout: process.stdout,
      stderr: process.stderr,
      logToStderr: process.env.SSTREAM_LOG === 'stderr',
      printObject: (value) => super.logJson(value),
    })
  }

  /** A line of progress, a warning or a log: always stderr, never mixed with results. */
  protected note(line: string): void {
    this.report.note(line)
  }

  /** The one exit path of a command that ran until it stopped: 130 after SIGINT/SIGTERM (SPEC §1), else 0. */
  protected stopped(reason: StopReason): void {
    const code = exitCodeOfStop(reason)
    if (code !== 0) process.exitCode = code
  }

  /** The result (or error) with --json, written as `jsonOutput` says. */
  override logJson(json: unknown): void {
    this.report.final(json, this.jsonOutput)
  }

  protected override async catch(err: Error & {oclif?: {exit?: number}}): Promise<void> {
    // oclif's own usage errors (unknown flags, bad values, missing arguments) exit 2 with their usage text.
    if (err instanceof Errors.CLIError) err.message = withoutGreedyFlagNote(err.message, this.ctor.flags ?? {})
    if (err instanceof Errors.CLIError && !this.jsonEnabled()) return super.catch(err)
    // A service that does not answer: the next step fits where the user pointed sstream (not `stack up` for their own cluster).
    if (err instanceof SstreamError && err.unreachable) err = fitUnreachable(err, (service) => this.addressOrigin(service))
    const exitCode = exitCodeOf(err)
    if (this.jsonEnabled()) {
      this.logJson({error: errorJson(err)})
    } else if (err instanceof SstreamError) {
      const theme = createTheme(colorEnabled({isTTY: Boolean(process.stderr.isTTY)}))
      const steps = err.nextSteps.length > 0 ? `\n${err.nextSteps.map((s) => `  → ${s}`).join('\n')}` : ''
      process.stderr.write(`${theme.error('Error:')} ${err.message}${steps}\n`)
    } else {
      process.stderr.write(`sstream hit a bug: ${err.stack ?? err.message}\nPlease report it with the command you ran.\n`)
    }
    this.exit(exitCode)
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
    return super.finally(err)
  }
}

/** After the first SIGINT/SIGTERM the process exits by this time at the latest (SPEC §4: within 10 s). */
const STOP_DEADLINE_MS = 9000

/**
 * oclif adds to a missing-argument error a note that the arguments must come before the flags that take several
 * values, as such a flag would swallow them; a flag that takes one value per use (multipleNonGreedy) swallows
 * nothing, so when every such flag does, the note is wrong and is left out.
 */
export function withoutGreedyFlagNote(message: string, flags: Record<string, {type?: string; multiple?: boolean; multipleNonGreedy?: boolean}>): string {
  const greedy = Object.values(flags).some((f) => f.type === 'option' && f.multiple === true && f.multipleNonGreedy !== true)
  if (greedy) return message
  return message.replace(/\n\nNote: --\S+(?:, --\S+)* allows? multiple values\.[^\n]*\nAlternatively, you can use "--" to signify the end of the flags and the beginning of arguments\./, '')
}

/** The process exit code of an error: 2 for usage errors, 130 for interruptions, 1 otherwise. */
export function exitCodeOf(err: Error & {oclif?: {exit?: number}}): number {
  if (err instanceof SstreamError) return err.exitCode
  if (err instanceof Errors.CLIError) return err.oclif?.exit ?? 2
  return 1
}

/** The one JSON error shape: {code, message, nextSteps}. */
export function errorJson(err: Error): {code: string; message: string; nextSteps: string[]} {
  if (err instanceof SstreamError) return err.toJSON()
  if (err instanceof Errors.CLIError) return {code: 'USAGE', message: err.message, nextSteps: ['Run the command with --help for its usage.']}
  if (err instanceof BugError) return {code: 'BUG', message: err.message, nextSteps: ['Please report it with the command you ran.']}
  return {code: 'BUG', message: err.message, nextSteps: ['Please report it with the command you ran.']}
}
