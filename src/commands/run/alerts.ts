import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {pipelineFlags, PipelineCommand, type RunCommandResult} from '../../cli/pipeline-command.js'
import {resolveTopicName, TOPICS} from '../../core/names.js'
import {ALERT_OUTPUT_FORMATS, type AlertOutputFormat} from '../../core/pipelines/alert-formats.js'
import {formatAlertsResult} from '../../cli/present-results.js'
import {runAlerts} from '../../core/pipelines/alerts.js'
import {parseDuration} from '../../core/duration.js'
import type {ResultEvent} from '../../core/stream/index.js'

export type RunAlertsResult = RunCommandResult

export default class RunAlerts extends PipelineCommand<typeof RunAlerts> {
  static override summary = 'Forward CRITICAL alerts and flag codes with high volume in 10 s windows'
  static override description =
    'Reads alerts (quoted CSV, event time = the alert timestamp). Every CRITICAL alert goes to the critical topic with its key and value "<ts>","<code>","<message>". Alerts are also counted per code in tumbling 10 s windows (allowed lateness 10 s); a window with more than --threshold alerts goes to the high-volume topic as "<window start>","<code>","<count>", keyed by code. Both outputs are written in Kafka transactions with the consumed offsets: exactly once across crashes, restarts and scale-out. Malformed alerts and unparseable timestamps go to the dead-letter topic. --output-format spark writes what the original Spark job writes (no key; values like 1625047875123000,300,This is a CRITICAL alert  with the time in epoch microseconds, unquoted), --output-format kstreams what the original Kafka Streams job writes (critical as sstream; high volume keyed [<code>@<start ms>/<end ms>] with the window start as an ISO instant in UTC), for consumers built on those jobs. Each alert is validated (four CSV fields, a timestamp of the years 1000–9999, UTF-8, a critical alert that fits an output message, with a UTF-8 key unless --output-format spark); late, malformed and invalid ones go to the dead-letter topic with the reason (see --deadletter-topic).'

  static override examples = [
    {description: 'Process alerts until Ctrl-C', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Flag codes with more than 5 alerts in a window, then stop when idle', command: '<%= config.bin %> <%= command.id %> --threshold 5 --until-idle'},
    {description: 'Write the alert topics as the original Spark job does, for consumers built on it', command: '<%= config.bin %> <%= command.id %> --output-format spark'},
    {description: 'Private topics for a test, as NDJSON', command: '<%= config.bin %> <%= command.id %> --input-topic my-alerts --critical-topic my-critical --highvolume-topic my-high --json'},
  ]

  static override flags = {
    ...connectionFlags('kafka'),
    ...pipelineFlags,
    'input-topic': Flags.string({description: 'Alerts topic', default: TOPICS.alertsInput}),
    'critical-topic': Flags.string({description: 'Topic for CRITICAL alerts', default: TOPICS.alertsCritical}),
    'highvolume-topic': Flags.string({description: 'Topic for high-volume windows (also --high-volume-topic, as watch alerts spells it)', default: TOPICS.alertsHighVolume, aliases: ['high-volume-topic']}),
    threshold: Flags.integer({description: 'A window is high volume when its count is greater than this', default: 2, min: 0}),
    window: Flags.string({description: 'Window size', default: '10s'}),
    lateness: Flags.string({description: 'Allowed lateness', default: '10s'}),
    'output-format': Flags.string({
      description: "The bytes of both output topics: sstream's quoted CSV, or exactly what the original Spark or Kafka Streams job writes",
      options: [...ALERT_OUTPUT_FORMATS],
      default: 'sstream',
    }),
  }

  async run(): Promise<RunAlertsResult> {
    const summary = await this.execute('alerts', (io) => runAlerts({
      ...this.runOptions('alerts'),
      inputTopic: resolveTopicName(this.flags['input-topic']),
      deadLetterTopic: resolveTopicName(this.flags['deadletter-topic']),
      criticalTopic: resolveTopicName(this.flags['critical-topic']),
      highVolumeTopic: resolveTopicName(this.flags['highvolume-topic']),
      threshold: this.flags.threshold,
      windowMs: parseDuration(this.flags.window, 'window', {positive: true}),
      latenessMs: parseDuration(this.flags.lateness, 'lateness'),
      outputFormat: this.flags['output-format'] as AlertOutputFormat,
      ...io,
    }))
    return this.finish(summary)
  }

  protected formatResult(event: ResultEvent): string {
    return formatAlertsResult(event)
  }
}
