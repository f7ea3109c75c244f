import {Flags} from '@oclif/core'

import {connectionFlags} from '../cli/connection-flags.js'
import {presentStatus, servicesDownAdvice} from '../cli/present.js'
import {SstreamCommand} from '../cli/sstream-command.js'
import {gatherStatus, type StatusResult} from '../core/status/status.js'

export type {StatusResult} from '../core/status/status.js'

export default class Status extends SstreamCommand<typeof Status> {
  static override summary = 'Services, topics, consumer lag, table rows and leaderboards at a glance'
  static override description =
    'Reports whether Kafka, MariaDB and Redis answer (with latency); every sstream topic with its partitions and end offsets; the sstream consumer groups per partition with two positions and two lags: the committed offset (where a restart replays from: for windowed pipelines the first record of the oldest open window) and the read offset (how far the processor has read, committed with each offset, so known after it stops too), with a note when committed lag beyond the read lag is records held in open windows rather than a backlog, and whether a processor is running in the group; the row counts of order_summary and user_view_summary; and the size and leader of each leaderboard. Exits 1 when a service is down.'

  static override examples = [
    {description: 'Everything at a glance', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Backlog (read lag) and committed lag of the analytics processor, for a script', command: '<%= config.bin %> <%= command.id %> --json | jq \'.groups[] | select(.groupId=="sstream-analytics") | {readLag, lag, readNotCommitted, note}\''},
    {description: 'Include every topic and group on the cluster', command: '<%= config.bin %> <%= command.id %> --all'},
  ]

  static override flags = {
    ...connectionFlags('kafka', 'mariadb', 'redis'),
    all: Flags.boolean({description: 'Show every topic and consumer group, not only sstream\'s', default: false}),
    table: Flags.string({description: 'A table to count (repeatable); order_summary and user_view_summary by default', multiple: true}),
    key: Flags.string({description: 'A leaderboard sorted set (repeatable); player-leaderboard and topics-leaderboard by default', multiple: true}),
  }

  async run(): Promise<StatusResult> {
    const result = await gatherStatus({
      config: this.config_,
      all: this.flags.all,
      ...(this.flags.table ? {tables: this.flags.table} : {}),
      ...(this.flags.key ? {leaderboards: this.flags.key} : {}),
    })
    this.report.result(undefined, () => presentStatus(result, this.theme))
    if (!result.healthy) {
      process.exitCode = 1
      for (const line of servicesDownAdvice(result.services, (service) => this.addressOrigin(service))) this.note(this.theme.warn(line))
    }
    return result
  }
}
