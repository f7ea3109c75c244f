import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {presentRedisSetup} from '../../cli/present.js'
import {resetFlag} from '../../cli/setup-flags.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {setupRedis, type SetupRedisResult} from '../../core/redis/index.js'

export type {SetupRedisResult} from '../../core/redis/index.js'

export default class SetupRedis extends SstreamCommand<typeof SetupRedis> {
  static override summary = 'Check Redis; optionally clear the leaderboards'
  static override description =
    'Pings Redis and reports its version and round-trip time. With --reset it deletes the leaderboards (player-leaderboard, topics-leaderboard, or the --key sets) together with the offsets sstream stores next to them, so that the leaderboard processors start again from the beginning of their input.'

  static override examples = [
    {description: 'Check Redis', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Start the leaderboards afresh', command: '<%= config.bin %> <%= command.id %> --reset'},
    {description: 'Clear one board of your own', command: '<%= config.bin %> <%= command.id %> --reset --key my-board'},
  ]

  static override flags = {
    ...connectionFlags('redis'),
    reset: resetFlag,
    key: Flags.string({description: 'A sorted set to clear with --reset (repeatable); both leaderboards by default', multiple: true}),
  }

  async run(): Promise<SetupRedisResult> {
    const result = await setupRedis({url: this.config_.redisUrl, reset: this.flags.reset, ...(this.flags.key ? {keys: this.flags.key} : {})})
    this.report.result(undefined, () => presentRedisSetup(result, this.theme))
    return result
  }
}
