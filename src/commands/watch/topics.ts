import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {WatchCommand, watchFlags} from '../../cli/watch-command.js'
import {redisTarget} from '../../core/redis/index.js'
import {defaultBoardKey, watchBoard, type WatchBoardResult} from '../../core/watch/index.js'

export type WatchTopicsResult = WatchBoardResult

export default class WatchTopics extends WatchCommand<typeof WatchTopics> {
  static override summary = 'Watch the trending topics board in Redis'
  static override description =
    'Reads the sorted set the views pipeline writes (topics-leaderboard: one point per view of a topic) and shows it ranked, with a bar per topic and the movement since the last refresh, updating in place; q quits, p pauses. Read-only, so it can run in a second terminal next to `sstream run views`. Without a terminal it prints the board like the original printer (Trending Topics - 1 : AI = 12.0) at every refresh; with --json, one NDJSON event per refresh.'

  static override examples = [
    {description: 'The live board', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'One snapshot of another board, for a script', command: '<%= config.bin %> <%= command.id %> --key my-board --once --json'},
    {description: 'The top 3, every 2 seconds, as lines', command: '<%= config.bin %> <%= command.id %> --top 3 --interval 2s | cat'},
  ]

  static override flags = {
    ...connectionFlags('redis'),
    ...watchFlags,
    key: Flags.string({description: 'The Redis sorted set [default: topics-leaderboard]'}),
    top: Flags.integer({description: 'Show only the first N topics', min: 1}),
  }

  async run(): Promise<WatchTopicsResult> {
    const {key = defaultBoardKey('topics'), top, once} = this.flags
    const redisUrl = this.config_.redisUrl
    const intervalMs = this.refreshMs(this.flags.interval)
    return this.watch('topics', {once, refreshMs: intervalMs, source: `${redisTarget(redisUrl)} ${key}`}, (io) =>
      watchBoard({kind: 'topics', redisUrl, key, top, intervalMs, once, ...io}),
    )
  }
}
