import {GeneratorCommand} from '../../cli/generator-command.js'

export type {GeneratorResult} from '../../cli/generator-command.js'

export default class GenViews extends GeneratorCommand {
  static override summary = 'Produce website views to streaming.views.input'
  static override description =
    'Writes page views in the original course format: key = a counter starting at the current epoch second + 1, value = "<timestamp>","<user>","<topic>",<minutes> with users Bob, Mike, Kathy, Sam, topics AI, BigData, CI_CD, Cloud and 1 to 10 minutes (not quoted). The timestamp is local time as yyyy-mm-dd hh:mm:ss.f and equals the record timestamp.'

  static override examples = [
    {description: 'Views at 100 a second for five minutes', command: '<%= config.bin %> <%= command.id %> --rate 100 --duration 5m'},
    {description: 'The original pacing, echoed', command: '<%= config.bin %> <%= command.id %> --classic --echo'},
    {
      description: 'A day of event time in a few seconds, reproducibly',
      command: '<%= config.bin %> <%= command.id %> --seed 3 --start-time 2024-01-01T00:00:00Z --time-step 1s --count 86400 --rate max',
    },
  ]

  protected readonly generator = 'views' as const
}
