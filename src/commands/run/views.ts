import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {pipelineFlags, PipelineCommand, type RunCommandResult} from '../../cli/pipeline-command.js'
import {REDIS_KEYS, resolveTopicName, TABLES, TOPICS} from '../../core/names.js'
import {formatBoard, formatUserWindow} from '../../cli/present-results.js'
import type {BoardPipelineEvent, BoardRunResult} from '../../core/pipelines/leaderboard.js'
import {runViews} from '../../core/pipelines/views.js'
import {parseDuration} from '../../core/duration.js'
import type {ResultEvent} from '../../core/stream/index.js'

export type RunViewsResult = RunCommandResult & Pick<BoardRunResult, 'board'>

export default class RunViews extends PipelineCommand<typeof RunViews> {
  static override summary = 'Web analytics: minutes per user in 5 s windows into MariaDB, trending topics in Redis'
  static override description =
    'Reads website views ("<ts>","<user>","<topic>",<minutes>) with the CSV timestamp as event time. Sums the minutes and counts the views per user in tumbling 5 s windows (allowed lateness 5 s), each written once to user_view_summary when it closes (an idempotent upsert), and adds one point per view to its topic in the topics-leaderboard sorted set, with the consumed offsets stored next to it: both exactly once across crashes, restarts and several processes in one group. --reset deletes the topics board and its offsets together; the run then rebuilds the board from the start of the input (only the board: the windows already written and the dead letters are not redone) before going on from where the group stands. Prints each closed user window and the topics board every few seconds (Trending Topics - 1 : AI = 23.0); --json prints NDJSON events and a final summary. Each view is validated against user_view_summary\'s columns (a user of 1–64 characters, whole minutes within INT, a timestamp of the years 1000–9999); late, malformed and invalid ones go to the dead-letter topic with the reason (see --deadletter-topic).'

  static override examples = [
    {description: 'Run until Ctrl-C', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Everything there is, then stop (for scripts)', command: '<%= config.bin %> <%= command.id %> --until-idle --json'},
    {description: 'A private group and board, for a test', command: '<%= config.bin %> <%= command.id %> --group-id my-test --input-topic my-views --topics-key my-topics --duration 1m'},
  ]

  static override flags = {
    ...connectionFlags('kafka', 'mariadb', 'redis'),
    ...pipelineFlags,
    'input-topic': Flags.string({description: 'Views topic', default: TOPICS.viewsInput}),
    table: Flags.string({description: 'MariaDB table for the user windows (another name: one made like it, CREATE TABLE t LIKE user_view_summary)', default: TABLES.userViewSummary}),
    'topics-key': Flags.string({description: 'Redis sorted set of the topics board', default: REDIS_KEYS.topicsLeaderboard}),
    reset: Flags.boolean({description: 'Delete the topics board and its stored offsets first; the run rebuilds it from the start of the input', default: false}),
    'board-interval': Flags.string({description: 'How often the topics board is printed', default: '5s'}),
  }

  async run(): Promise<RunViewsResult> {
    const result = await this.execute('views', (io) => runViews({
      ...this.runOptions('views'),
      onEvent: (event) => this.onBoardEvent(event),
      inputTopic: resolveTopicName(this.flags['input-topic']),
      deadLetterTopic: resolveTopicName(this.flags['deadletter-topic']),
      mariadbUrl: this.config_.mariadbUrl,
      table: this.flags.table,
      redisUrl: this.config_.redisUrl,
      key: this.flags['topics-key'],
      reset: this.flags.reset,
      boardIntervalMs: parseDuration(this.flags['board-interval'], 'board-interval', {positive: true}),
      ...io,
    }), {board: {kind: 'topics', key: this.flags['topics-key']}, table: this.flags.table})
    return this.finish(result) as RunViewsResult
  }

  /** User windows print as results; the topic points (one per view, no event each) show through the board. */
  private onBoardEvent(event: BoardPipelineEvent): void {
    if (event.type !== 'board') return this.onPipelineEvent(event)
    this.report.result(event, () => formatBoard(event.rows, 'Trending Topics').map((line) => this.theme.info(line)))
  }

  protected formatResult(event: ResultEvent): string {
    return formatUserWindow(event)
  }
}
