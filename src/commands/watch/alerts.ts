import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {WatchCommand, watchFlags} from '../../cli/watch-command.js'
import {resolveTopicName, TOPICS} from '../../core/names.js'
import {watchAlerts, type WatchAlertsResult} from '../../core/watch/index.js'

export type {WatchAlertsResult} from '../../core/watch/index.js'

export default class WatchAlerts extends WatchCommand<typeof WatchAlerts> {
  static override summary = 'Watch the CRITICAL alerts and high-volume windows'
  static override description =
    "Reads the alerts pipeline's two output topics (streaming.alerts.critical and streaming.alerts.highvolume) read committed, so only what the processor's transactions committed, and shows them as a scrolling feed with counts by level and by code; q quits, p pauses. Read-only: it uses a throw-away consumer group and commits nothing. It reads every output format of `run alerts --output-format` (sstream, and the original Spark and Kafka Streams jobs' records), detected per record: times are shown as timestamps whichever format carried them, and the format is named. Without a terminal, one line per alert; with --json, one NDJSON event per alert."

  static override examples = [
    {description: 'The live feed, from the start of the topics', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Only new alerts, as lines', command: '<%= config.bin %> <%= command.id %> --from latest | cat'},
    {description: 'Everything in the topics now, summed up, for a script', command: '<%= config.bin %> <%= command.id %> --once --json'},
  ]

  static override flags = {
    ...connectionFlags('kafka'),
    once: watchFlags.once,
    'critical-topic': Flags.string({description: `The CRITICAL alerts topic [default: ${TOPICS.alertsCritical}]`}),
    'high-volume-topic': Flags.string({description: `The high-volume windows topic [default: ${TOPICS.alertsHighVolume}] (also --highvolume-topic, as run alerts spells it)`, aliases: ['highvolume-topic']}),
    from: Flags.string({description: 'Start at the beginning of the topics or only show new alerts', options: ['earliest', 'latest'], default: 'earliest'}),
  }

  async run(): Promise<WatchAlertsResult> {
    const {once, from} = this.flags
    const criticalTopic = resolveTopicName(this.flags['critical-topic'] ?? TOPICS.alertsCritical)
    const highVolumeTopic = resolveTopicName(this.flags['high-volume-topic'] ?? TOPICS.alertsHighVolume)
    const brokers = this.config_.kafkaBrokers
    return this.watch('alerts', {once, source: `${brokers.join(',')} ${criticalTopic} ${highVolumeTopic}`}, (io) =>
      watchAlerts({brokers, security: this.config_.kafkaSecurity, criticalTopic, highVolumeTopic, from: from as 'earliest' | 'latest', once, ...io}),
    )
  }
}
