/**
 * What the five `sstream gen …` commands share: run the generator with the shared flags, show live
 * progress on a TTY (stderr), say when Kafka stops acknowledging records and when it does again, echo
 * records when asked, print the summary, and exit 130 after Ctrl-C.
 * Each command only names its generator and documents itself.
 */
import {DELIVERY_TIMEOUT_MS, DeliveryWatch, GENERATOR_SPECS, runGenerator, type DeliveryChange, type GeneratorProgress, type GeneratorResult, type RunGeneratorOptions} from '../core/generators/index.js'
import {KafkaAdmin} from '../core/kafka/index.js'
import type {GeneratorName} from '../core/names.js'
import type {Theme} from '../core/output/index.js'
import {generatorFlags, generatorOptionsFromFlags} from './generator-flags.js'
import {SstreamCommand} from './sstream-command.js'

export type {GeneratorResult} from '../core/generators/index.js'

export abstract class GeneratorCommand extends SstreamCommand<typeof GeneratorCommand> {
  static override flags = generatorFlags

  protected abstract readonly generator: GeneratorName

  /** Options only one generator has (the review corpus). */
  protected extraOptions(): Partial<RunGeneratorOptions> {
    return {}
  }

  async run(): Promise<GeneratorResult> {
    const spec = GENERATOR_SPECS[this.generator]
    const options = generatorOptionsFromFlags(this.flags)
    const json = this.jsonEnabled()
    const theme = this.theme
    const line = process.stderr.isTTY && !json ? createProgressLine(theme) : undefined
    const echo = this.flags.echo
    const delivery = new DeliveryWatch()
    this.note(theme.dim(`${spec.startMessage} → ${options.topic ?? spec.topic}`))
    const result = await runGenerator({
      ...options,
      ...this.extraOptions(),
      generator: this.generator,
      brokers: this.config_.kafkaBrokers,
      security: this.config_.kafkaSecurity,
      signal: this.signal,
      onProgress: (progress) => {
        const change = delivery.observe(progress)
        if (change) {
          line?.clear()
          this.note(theme.warn(deliveryNote(change)))
        }
        line?.draw(progress)
      },
      onRecords: echo
        ? (records) => {
            line?.clear()
            const text = records.map((record) => theme.echo(spec.echo(record))).join('\n')
            ;(json ? process.stderr : process.stdout).write(`${text}\n`)
          }
        : undefined,
    }).finally(() => line?.clear())
    if (options.startTime !== undefined && result.sent > 0) {
      const warning = await this.retentionWarning(result.topic, options.startTime)
      if (warning) {
        result.warnings = [warning]
        this.note(theme.warn(warning))
      }
    }
    this.report.result(undefined, () => presentGeneratorResult(result, theme))
    if (result.interrupted) this.stopped('signal')
    return result
  }

  /**
   * With --start-time in the past, the records carry old Kafka timestamps: the broker deletes those older than
   * the topic's retention.ms within minutes (24 h on the local stack), which would leave the topic empty with
   * no word said. Best effort: when the retention cannot be read, nothing is said.
   */
  private async retentionWarning(topic: string, startTime: number): Promise<string | undefined> {
    let admin: KafkaAdmin | undefined
    try {
      admin = await KafkaAdmin.connect(this.config_.kafkaBrokers, {security: this.config_.kafkaSecurity})
      const retentionMs = await admin.retentionMs(topic)
      if (retentionMs === undefined || retentionMs < 0 || startTime >= Date.now() - retentionMs) return undefined
      return retentionNote(topic, startTime, retentionMs)
    } catch {
      return undefined
    } finally {
      await admin?.close().catch(() => undefined)
    }
  }
}

/** Says that records timestamped from `startTime` are older than the topic keeps records, and what to do. */
export function retentionNote(topic: string, startTime: number, retentionMs: number): string {
  const hours = retentionMs / 3_600_000
  const retention = Number.isInteger(hours) ? `${hours} h` : `${retentionMs.toLocaleString('en-US')} ms`
  return (
    `The records are timestamped from ${new Date(startTime).toISOString()}, earlier than ${topic} keeps records (retention.ms: ${retention}): ` +
    `Kafka deletes them within minutes. Give a --start-time within the last ${retention}, or raise the topic's retention.ms ` +
    `(kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config retention.ms=-1 keeps them).`
  )
}

/** The one-line summary of a run. */
export function presentGeneratorResult(result: GeneratorResult, theme: Theme): string {
  const seconds = (result.durationMs / 1000).toFixed(1)
  const rate = Math.round(result.ratePerSec).toLocaleString('en-US')
  const errors = result.errors === 1 ? '1 retried error' : `${result.errors} retried errors`
  const stopped = result.interrupted ? theme.warn(' (interrupted)') : ''
  const givenUp = result.unacknowledged
    ? theme.warn(`; ${result.unacknowledged.toLocaleString('en-US')} records given up unacknowledged (Kafka did not answer): they may or may not be in the topic`)
    : ''
  return `${theme.ok('Sent')} ${result.sent.toLocaleString('en-US')} ${result.generator} records to ${result.topic} in ${seconds} s (${rate}/s), ${errors}${stopped}${givenUp}`
}

/** What a run says when Kafka stops acknowledging its records, and when it does again. */
export function deliveryNote(change: DeliveryChange): string {
  if (change.type === 'resumed') return `Kafka acknowledges records again (none for ${Math.round(change.afterMs / 1000)} s).`
  const errors = change.errors === 1 ? '1 retried error' : `${change.errors.toLocaleString('en-US')} retried errors`
  return `Kafka has acknowledged no record for ${Math.round(change.forMs / 1000)} s (${change.waiting.toLocaleString('en-US')} waiting, ${errors}); still trying, for up to ${Math.round(DELIVERY_TIMEOUT_MS / 1000)} s per record. \`sstream status\` shows which brokers answer.`
}

function createProgressLine(theme: Theme): {draw(progress: GeneratorProgress): void; clear(): void} {
  let drawn = false
  return {
    draw: (p) => {
      const text = [
        `sent ${p.sent.toLocaleString('en-US')}`,
        `${Math.round(p.currentRatePerSec).toLocaleString('en-US')}/s`,
        `${(p.elapsedMs / 1000).toFixed(1)} s`,
        p.errors > 0 ? theme.warn(`${p.errors} errors`) : '0 errors',
      ].join(theme.dim(' · '))
      process.stderr.write(`\r\u001B[2K${text}`)
      drawn = true
    },
    clear: () => {
      if (drawn) process.stderr.write('\r\u001B[2K')
      drawn = false
    },
  }
}
