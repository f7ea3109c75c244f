import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {pipelineFlags, PipelineCommand, type RunCommandResult} from '../../cli/pipeline-command.js'
import {resolveTopicName, TABLES, TOPICS} from '../../core/names.js'
import {formatAnalyticsResult} from '../../cli/present-results.js'
import {runAnalytics} from '../../core/pipelines/analytics.js'
import {parseDuration} from '../../core/duration.js'
import type {ResultEvent} from '../../core/stream/index.js'

export type RunAnalyticsResult = RunCommandResult

export default class RunAnalytics extends PipelineCommand<typeof RunAnalytics> {
  static override summary = 'Sum orders per product in 5 s event-time windows into MariaDB'
  static override description =
    'Reads orders, values each at quantity × price, and sums and counts them per product in tumbling windows of the Kafka record timestamp (5 s, allowed lateness 5 s). Each closed window is written once to the order_summary table (an idempotent upsert), exactly once across crashes, restarts and scale-out: run several with the same --group-id to share the partitions. Late and malformed records go to the dead-letter topic. Prints one line per window; --json prints NDJSON result and stats events and a final summary. Each order is validated against order_summary\'s columns (a product of at most 45 characters, an integer quantity, a price in whole cents, quantity × price within DECIMAL(16,2), a Kafka timestamp of the years 1000–9999, not negative); late, malformed and invalid orders go to the dead-letter topic with the reason (see --deadletter-topic).'

  static override examples = [
    {description: 'Process orders until Ctrl-C', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Everything there is, then stop (for scripts)', command: '<%= config.bin %> <%= command.id %> --until-idle --json'},
    {description: 'A private group and table, for a test', command: '<%= config.bin %> <%= command.id %> --group-id my-test --input-topic my-orders --table order_summary_test --duration 1m'},
  ]

  static override flags = {
    ...connectionFlags('kafka', 'mariadb'),
    ...pipelineFlags,
    'input-topic': Flags.string({description: 'Orders topic', default: TOPICS.ordersInput}),
    table: Flags.string({description: 'MariaDB table for the window rows (another name: one made like it, CREATE TABLE t LIKE order_summary)', default: TABLES.orderSummary}),
    window: Flags.string({description: 'Window size', default: '5s'}),
    lateness: Flags.string({description: 'Allowed lateness', default: '5s'}),
  }

  async run(): Promise<RunAnalyticsResult> {
    const summary = await this.execute('analytics', (io) => runAnalytics({
      ...this.runOptions('analytics'),
      mariadbUrl: this.config_.mariadbUrl,
      inputTopic: resolveTopicName(this.flags['input-topic']),
      deadLetterTopic: resolveTopicName(this.flags['deadletter-topic']),
      table: this.flags.table,
      windowMs: parseDuration(this.flags.window, 'window', {positive: true}),
      latenessMs: parseDuration(this.flags.lateness, 'lateness'),
      ...io,
    }), {table: this.flags.table})
    return this.finish(summary)
  }

  protected formatResult(event: ResultEvent): string {
    return formatAnalyticsResult(event)
  }
}
