import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {WatchCommand, watchFlags} from '../../cli/watch-command.js'
import {redisTarget} from '../../core/redis/index.js'
import {defaultBoardKey, watchBoard, type WatchBoardResult} from '../../core/watch/index.js'

export type WatchLeaderboardResult = WatchBoardResult

export default class WatchLeaderboard extends WatchCommand<typeof WatchLeaderboard> {
  static override summary = 'Watch the player leaderboard in Redis'
  static override description =
    'Reads the sorted set the leaderboard pipeline writes (player-leaderboard) and shows it ranked, with a bar per player and the movement since the last refresh, updating in place; q quits, p pauses. Read-only, so it can run in a second terminal next to `sstream run leaderboard`. Without a terminal it prints the board like the original printer (Leaderboard - 1 : Kathy = 23.0) at every refresh; with --json, one NDJSON event per refresh.'

  static override examples = [
    {description: 'The live board', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'One snapshot of another board, for a script', command: '<%= config.bin %> <%= command.id %> --key my-board --once --json'},
    {description: 'The top 3, every 2 seconds, as lines', command: '<%= config.bin %> <%= command.id %> --top 3 --interval 2s | cat'},
  ]

  static override flags = {
    ...connectionFlags('redis'),
    ...watchFlags,
    key: Flags.string({description: 'The Redis sorted set [default: player-leaderboard]'}),
    top: Flags.integer({description: 'Show only the first N players', min: 1}),
  }

  async run(): Promise<WatchLeaderboardResult> {
    const {key = defaultBoardKey('leaderboard'), top, once} = this.flags
    const redisUrl = this.config_.redisUrl
    const intervalMs = this.refreshMs(this.flags.interval)
    return this.watch('leaderboard', {once, refreshMs: intervalMs, source: `${redisTarget(redisUrl)} ${key}`}, (io) =>
      watchBoard({kind: 'leaderboard', redisUrl, key, top, intervalMs, once, ...io}),
    )
  }
}
