import {Args, Flags} from '@oclif/core'

import {connectionFlags} from '../cli/connection-flags.js'
import {alertKindOfTopic, presentTopicRecord, topicRecordJson} from '../cli/present-records.js'
import type {JsonOutput} from '../cli/reporter.js'
import {SstreamCommand} from '../cli/sstream-command.js'
import {readTopic, type ReadTopicResult} from '../core/kafka/index.js'
import {resolveTopicName} from '../core/names.js'
import type {AlertOutputKind} from '../core/pipelines/alert-formats.js'

export type TailResult = ReadTopicResult

export default class Tail extends SstreamCommand<typeof Tail> {
  /** NDJSON: the summary (or the error) is one more line, not a pretty-printed object. */
  protected override jsonOutput: JsonOutput = 'ndjson'

  static override summary = "Print a topic's records, like a console consumer"
  static override description =
    'Prints each record with its partition, offset, timestamp, key and value (and headers with --headers) as it arrives. Topics can be named in full or by their short name (alerts.critical for streaming.alerts.critical). Nothing is committed: tail never moves a consumer group. With --json each record is one NDJSON line, and a last line sums up. Records of the alert output topics are also read as alerts, in whichever format wrote them (sstream, or the original Spark or Kafka Streams job: see `run alerts --output-format`): the format, the time as a timestamp, the code and the message or count; --alerts does the same for topics with other names.'

  static override examples = [
    {description: 'Follow the critical alerts', command: '<%= config.bin %> <%= command.id %> alerts.critical'},
    {description: 'Everything in the orders topic, then exit', command: '<%= config.bin %> <%= command.id %> orders.input --from-beginning --exit-at-end'},
    {description: 'The first 10 dead letters with their headers', command: '<%= config.bin %> <%= command.id %> deadletter --from-beginning --max 10 --headers'},
    {description: 'A private critical-alerts topic, each record read as an alert', command: '<%= config.bin %> <%= command.id %> my-critical --from-beginning --exit-at-end --alerts critical'},
    {description: 'One partition as NDJSON', command: '<%= config.bin %> <%= command.id %> streaming.views.input --partition 2 --from-beginning --exit-at-end --json'},
  ]

  static override args = {
    topic: Args.string({description: 'The topic, in full or by its short name (orders.input, alerts.critical, deadletter …)', required: true}),
  }

  static override flags = {
    ...connectionFlags('kafka'),
    'from-beginning': Flags.boolean({description: 'Start at the earliest record instead of the end', default: false}),
    max: Flags.integer({description: 'Stop after this many records', min: 1}),
    partition: Flags.integer({description: 'Only this partition (repeatable: --partition 0 --partition 2)', min: 0, multiple: true, multipleNonGreedy: true}),
    'exit-at-end': Flags.boolean({description: 'Stop at the end the topic had when tail started (with --from-beginning)', default: false}),
    headers: Flags.boolean({description: 'Print the record headers too', default: false}),
    alerts: Flags.string({
      description: 'Read the values as records of this alert output topic [default: by the topic name, for streaming.alerts.critical and streaming.alerts.highvolume]',
      options: ['critical', 'high-volume'],
    }),
    isolation: Flags.string({
      description: 'read_committed skips records of aborted and open transactions',
      options: ['read_committed', 'read_uncommitted'],
      default: 'read_committed',
    }),
  }

  async run(): Promise<TailResult> {
    const topic = resolveTopicName(this.args.topic)
    const headers = this.flags.headers
    const alerts = (this.flags.alerts as AlertOutputKind | undefined) ?? alertKindOfTopic(topic)
    // The settings first: an error in them is said alone, not after the line that announces the reading.
    const {kafkaBrokers: brokers, kafkaSecurity: security} = this.config_
    this.note(this.theme.dim(`Reading ${topic} ${this.flags['from-beginning'] ? 'from the beginning' : 'from the end'} (Ctrl-C to stop)`))
    const result = await readTopic({
      brokers,
      security,
      topic,
      fromBeginning: this.flags['from-beginning'],
      max: this.flags.max,
      partitions: this.flags.partition,
      exitAtEnd: this.flags['exit-at-end'],
      isolation: this.flags.isolation as 'read_committed' | 'read_uncommitted',
      signal: this.signal,
      onRecord: (record) => this.report.result(topicRecordJson(record, {headers, alerts}), () => presentTopicRecord(record, this.theme, {headers, alerts})),
      onStatus: (state, message) =>
        this.report.progress({type: 'status', service: 'kafka', state, ...(message ? {message} : {}), time: new Date().toISOString()}, () =>
          state === 'down' ? this.theme.warn(`Kafka is down: ${message} Reading again once it is back.`) : 'Kafka is back; reading goes on where it stopped.',
        ),
    })
    this.note(this.theme.dim(`${result.records} record${result.records === 1 ? '' : 's'} from ${topic}`))
    this.stopped(result.stoppedBy)
    return result
  }
}
