import {GeneratorCommand} from '../../cli/generator-command.js'

export type {GeneratorResult} from '../../cli/generator-command.js'

export default class GenScores extends GeneratorCommand {
  static override summary = 'Produce game scores to streaming.leaderboards.input'
  static override description =
    'Writes player scores in the original course format: key = the player (Bob, Mike, Kathy or Sam, so one player always lands on one partition), value = a score of 1 to 10 as a decimal string. The leaderboard pipeline adds them up per player.'

  static override examples = [
    {description: 'Scores at 20 a second until Ctrl-C', command: '<%= config.bin %> <%= command.id %> --rate 20'},
    {description: 'A thousand scores, each echoed', command: '<%= config.bin %> <%= command.id %> --count 1000 --echo'},
    {description: 'For a script', command: '<%= config.bin %> <%= command.id %> --count 500 --rate max --json'},
  ]

  protected readonly generator = 'scores' as const
}
