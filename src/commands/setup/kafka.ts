import {connectionFlags} from '../../cli/connection-flags.js'
import {presentTopicReports} from '../../cli/present.js'
import {topicFlags} from '../../cli/setup-flags.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {setupKafka, type SetupKafkaResult} from '../../core/setup/kafka.js'

export type {SetupKafkaResult} from '../../core/setup/kafka.js'

export default class SetupKafka extends SstreamCommand<typeof SetupKafka> {
  static override summary = 'Create every sstream topic, idempotently'
  static override description =
    'Creates the nine topics sstream uses: the eight input and output topics of the original course and streaming.deadletter. Topics that already exist are reported, not changed; a topic that exists with fewer partitions or another replication factor is reported as a mismatch.'

  static override examples = [
    {description: 'Create the topics on the local broker', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Six partitions each, on another cluster', command: '<%= config.bin %> <%= command.id %> --partitions 6 --brokers kafka1:9092,kafka2:9092'},
    {description: 'For a script', command: '<%= config.bin %> <%= command.id %> --json | jq .created'},
  ]

  static override flags = {...connectionFlags('kafka'), ...topicFlags}

  async run(): Promise<SetupKafkaResult> {
    const result = await setupKafka({
      brokers: this.config_.kafkaBrokers,
      security: this.config_.kafkaSecurity,
      partitions: this.flags.partitions,
      replicationFactor: this.flags['replication-factor'],
    })
    this.report.result(undefined, () => presentTopicReports(result, this.theme))
    return result
  }
}
