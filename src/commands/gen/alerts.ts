import {GeneratorCommand} from '../../cli/generator-command.js'

export type {GeneratorResult} from '../../cli/generator-command.js'

export default class GenAlerts extends GeneratorCommand {
  static override summary = 'Produce operational alerts to streaming.alerts.input'
  static override description =
    'Writes alerts in the original course format: key = a counter starting at the current epoch second + 1, value = "<timestamp>","<LEVEL>","<CODE>","This is a <LEVEL> alert " (quoted CSV with the trailing space), with LEVEL one of CRITICAL, HIGH, ELEVATED and CODE one of 100, 200, 300, 400. The timestamp is local time as yyyy-mm-dd hh:mm:ss.f and equals the record timestamp.'

  static override examples = [
    {description: 'Alerts at 50 a second for a minute', command: '<%= config.bin %> <%= command.id %> --rate 50 --duration 1m'},
    {description: 'The original pacing, echoed in purple', command: '<%= config.bin %> <%= command.id %> --classic --echo'},
    {
      description: 'Replayable input for the alerts pipeline, into a topic of your own',
      command: '<%= config.bin %> <%= command.id %> --topic my.alerts --seed 1 --start-time 2024-01-01T00:00:00Z --time-step 500ms --count 200 --rate max',
    },
  ]

  protected readonly generator = 'alerts' as const
}
