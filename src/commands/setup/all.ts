import {connectionFlags} from '../../cli/connection-flags.js'
import {presentDbSetup, presentRedisSetup, presentTopicReports} from '../../cli/present.js'
import {adminUrlFlag, resetFlag, topicFlags} from '../../cli/setup-flags.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {setupAll, type SetupAllResult} from '../../core/setup/all.js'

export type {SetupAllResult} from '../../core/setup/all.js'

export default class SetupAll extends SstreamCommand<typeof SetupAll> {
  static override summary = 'Set up Kafka topics, the MariaDB schema and Redis in one go'
  static override description = 'Runs `setup kafka`, `setup db` and `setup redis` in that order and stops at the first failure. Idempotent: a second run creates nothing.'

  static override examples = [
    {description: 'Everything on the local stack', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'For a CI script', command: '<%= config.bin %> <%= command.id %> --json'},
    {description: 'Six partitions and fresh leaderboards', command: '<%= config.bin %> <%= command.id %> --partitions 6 --reset'},
  ]

  static override flags = {...connectionFlags('kafka', 'mariadb', 'redis'), ...topicFlags, 'admin-url': adminUrlFlag, reset: resetFlag}

  async run(): Promise<SetupAllResult> {
    const result = await setupAll({
      brokers: this.config_.kafkaBrokers,
      security: this.config_.kafkaSecurity,
      partitions: this.flags.partitions,
      replicationFactor: this.flags['replication-factor'],
      mariadbUrl: this.config_.mariadbUrl,
      adminUrl: this.flags['admin-url'],
      redisUrl: this.config_.redisUrl,
      resetRedis: this.flags.reset,
    })
    this.report.result(undefined, () => [presentTopicReports(result.kafka, this.theme), presentDbSetup(result.db, this.theme), presentRedisSetup(result.redis, this.theme)])
    return result
  }
}
