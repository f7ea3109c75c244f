import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {pipelineFlags, PipelineCommand, type RunCommandResult} from '../../cli/pipeline-command.js'
import {REDIS_KEYS, resolveTopicName, TOPICS} from '../../core/names.js'
import {formatBoard} from '../../cli/present-results.js'
import {runLeaderboard, type BoardPipelineEvent, type BoardRunResult} from '../../core/pipelines/leaderboard.js'
import {parseDuration} from '../../core/duration.js'
import type {ResultEvent} from '../../core/stream/index.js'

export type RunLeaderboardResult = RunCommandResult & Pick<BoardRunResult, 'board'>

export default class RunLeaderboard extends PipelineCommand<typeof RunLeaderboard> {
  static override summary = 'Keep the running total score per player in a Redis sorted set'
  static override description =
    'Reads scores (key = player, value = score) and adds each to its player in the player-leaderboard sorted set (ZINCRBY), exactly once: the consumed offsets are stored in Redis in the same atomic step as the increments, so crashes, restarts and several processes sharing the partitions (the same --group-id) never lose or double a score. --reset deletes the board and its offsets together, and the board is rebuilt from the start of the input. Prints the board every few seconds like the original printer (Leaderboard - 1 : Kathy = 23.0); --json prints NDJSON board, stats and status events and a final summary. While Redis is down it pauses, says so (also while no score arrives) and resumes by itself. A score must be a decimal within ±(2^53 − 1) and its key (the player) valid UTF-8, and a point that would take a player\'s total beyond it (where a Redis score stops being exact) is refused; such records go to the dead-letter topic with the reason (see --deadletter-topic).'

  static override examples = [
    {description: 'Keep the leaderboard until Ctrl-C', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Rebuild the board from the start of the input, then stop', command: '<%= config.bin %> <%= command.id %> --reset --until-idle'},
    {description: 'A private board, for a test', command: '<%= config.bin %> <%= command.id %> --group-id my-test --input-topic my-scores --key my-board --duration 1m --json'},
  ]

  static override flags = {
    ...connectionFlags('kafka', 'redis'),
    ...pipelineFlags,
    'input-topic': Flags.string({description: 'Scores topic', default: TOPICS.leaderboardsInput}),
    key: Flags.string({description: 'Redis sorted set of the board', default: REDIS_KEYS.playerLeaderboard}),
    reset: Flags.boolean({description: 'Delete the board and its stored offsets first: rebuild it from the start of the input', default: false}),
    'board-interval': Flags.string({description: 'How often the board is printed', default: '5s'}),
  }

  async run(): Promise<RunLeaderboardResult> {
    const result = await this.execute('leaderboard', (io) => runLeaderboard({
      ...this.runOptions('leaderboard'),
      onEvent: (event) => this.onBoardEvent(event),
      inputTopic: resolveTopicName(this.flags['input-topic']),
      deadLetterTopic: resolveTopicName(this.flags['deadletter-topic']),
      redisUrl: this.config_.redisUrl,
      key: this.flags.key,
      reset: this.flags.reset,
      boardIntervalMs: parseDuration(this.flags['board-interval'], 'board-interval', {positive: true}),
      ...io,
    }), {board: {kind: 'leaderboard', key: this.flags.key}})
    return this.finish(result) as RunLeaderboardResult
  }

  /** The board stands for the scores' results (the engine reports no event per point): printed like the original, or one NDJSON event. */
  private onBoardEvent(event: BoardPipelineEvent): void {
    if (event.type !== 'board') return this.onPipelineEvent(event)
    this.report.result(event, () => formatBoard(event.rows, 'Leaderboard').map((line) => this.theme.info(line)))
  }

  protected formatResult(event: ResultEvent): string {
    return `Retrieved Scores [${event.key},${JSON.stringify(event.value)}]`
  }
}
