/**
 * The base class of every sstream command. It owns what all commands share: --json and --no-color, the
 * connection settings resolved from whichever connection flags the command declares (connectionFlags, each
 * with its SSTREAM_* variable), the AbortController wired to SIGINT/SIGTERM, the output mode, and one
 * error handler with one JSON error shape. Commands stay thin: parse flags, build one options object,
 * await one core function, return a typed result.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {CONFIG_VARS, readConfig, type SstreamConfig} from '../core/config/index.js'
import {BugError, SstreamError} from '../core/errors.js'
import {colorEnabled, createTheme, resolveOutputMode, type OutputMode, type Theme} from '../core/output/index.js'
import {CONNECTIONS, connectionOverrides, type Connection} from './connection-flags.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof SstreamCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class SstreamCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  /** Only the global flags: each command declares the connections it uses (connectionFlags). */
  static override baseFlags = {
    color: Flags.boolean({
      description: 'Colour the output (also switched off by NO_COLOR)',
      allowNo: true,
      default: true,
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** The flags that took their default value (not given on the command line nor by their variable). */
  private readonly defaulted = new Set<string>()
  /** Aborted on the first SIGINT/SIGTERM; core functions stop gracefully when it fires. */
  protected readonly abortController = new AbortController()
  private interrupts = 0
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.interrupts += 1
    if (this.interrupts === 1) {
      this.abortController.abort(new SstreamError('INTERRUPTED', `Interrupted by ${signal}.`))
      return
    }
    // A second Ctrl-C exits at once. Results stay exactly-once: nothing was committed past what the sinks hold.
    process.stderr.write('\nStopping now.\n')
    process.exit(130)
  }

  protected get signal(): AbortSignal {
    return this.abortController.signal
  }

  /**
   * The resolved connection settings: flags > environment > defaults. A connection the command does not
   * declare a flag for comes from its SSTREAM_* variable or its default.
   */
  protected get config_(): SstreamConfig {
    return readConfig(connectionOverrides(this.flags as unknown as Record<string, unknown>))
  }

  /** Whether the user named this connection (its flag, or its SSTREAM_* variable) rather than leaving it to the default. */
  protected connectionGiven(connection: Connection): boolean {
    const {flag, key} = CONNECTIONS[connection]
    if (flag in (this.ctor.flags ?? {})) return !this.defaulted.has(flag)
    return Boolean(process.env[CONFIG_VARS[key].env])
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
    const {args, flags, metadata} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof SstreamCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    for (const [name, meta] of Object.entries(metadata.flags)) if (meta.setFromDefault) this.defaulted.add(name)
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  /** A line of progress, a warning or a log: always stderr, never mixed with results. */
  protected note(line: string): void {
    if (!this.jsonEnabled() || process.env.SSTREAM_LOG === 'stderr') process.stderr.write(`${line}\n`)
  }

  /** One NDJSON event on stdout (only in --json mode). */
  protected emitJson(event: object): void {
    process.stdout.write(`${JSON.stringify(event)}\n`)
  }

  /** A result line on stdout (plain mode). */
  protected out(line: string): void {
    process.stdout.write(`${line}\n`)
  }

  protected override async catch(err: Error & {oclif?: {exit?: number}}): Promise<void> {
    // oclif's own usage errors (unknown flags, bad values, missing arguments) exit 2 with their usage text.
    if (err instanceof Errors.CLIError && !this.jsonEnabled()) return super.catch(err)
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
