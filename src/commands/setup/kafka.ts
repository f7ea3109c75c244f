import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {presentTopicReports} from '../../cli/present.js'
import {topicFlags} from '../../cli/setup-flags.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {resolveTopicName} from '../../core/names.js'
import {setupKafka, type SetupKafkaResult} from '../../core/setup/kafka.js'

export type {SetupKafkaResult} from '../../core/setup/kafka.js'

export default class SetupKafka extends SstreamCommand<typeof SetupKafka> {
  static override summary = 'Create every sstream topic, idempotently'
  static override description =
    'Creates the nine topics sstream uses: the eight input and output topics of the original course and streaming.deadletter. Topics that already exist are reported, not changed; a topic that exists with fewer partitions or another replication factor is reported as a mismatch. With --topic it creates the topics named instead (your own input, output or dead-letter topics, for the --input-topic, --topic and other topic flags of the other commands).'

  static override examples = [
    {description: 'Create the topics on the local broker', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Six partitions each, on another cluster', command: '<%= config.bin %> <%= command.id %> --partitions 6 --brokers kafka1:9092,kafka2:9092'},
    {description: 'For a script', command: '<%= config.bin %> <%= command.id %> --json | jq .created'},
    {description: 'Topics of your own, then a generator that writes to one', command: '<%= config.bin %> <%= command.id %> --topic my-orders --topic my-deadletter && <%= config.bin %> gen orders --topic my-orders --count 10'},
  ]

  static override flags = {
    ...connectionFlags('kafka'),
    ...topicFlags,
    topic: Flags.string({description: "Create this topic instead of sstream's nine (repeatable; short names such as orders.input work)", multiple: true}),
  }

  async run(): Promise<SetupKafkaResult> {
    const result = await setupKafka({
      brokers: this.config_.kafkaBrokers,
      security: this.config_.kafkaSecurity,
      partitions: this.flags.partitions,
      replicationFactor: this.flags['replication-factor'],
      ...(this.flags.topic ? {topics: [...new Set(this.flags.topic.map(resolveTopicName))]} : {}),
    })
    this.report.result(undefined, () => presentTopicReports(result, this.theme))
    return result
  }
}
