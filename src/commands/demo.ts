import {Args, Flags} from '@oclif/core'

import {connectionFlags} from '../cli/connection-flags.js'
import {adminUrlFlag} from '../cli/setup-flags.js'
import type {JsonOutput} from '../cli/reporter.js'
import {SstreamCommand} from '../cli/sstream-command.js'
import {createDemoPrinter, formatDemoSummary} from '../cli/present-demo.js'
import {DEFAULT_DEMO_RATE, DEMO_PATTERNS, pipelinesOf, runDemo, type DemoEvent, type DemoPattern, type DemoResult} from '../core/demo/index.js'
import {parseDuration} from '../core/duration.js'

export type DemoCommandResult = DemoResult & {type: 'summary'}

export default class Demo extends SstreamCommand<typeof Demo> {
  /** NDJSON: the summary is one line too. */
  protected override jsonOutput: JsonOutput = 'ndjson'

  static override summary = 'Set up, generate, process and watch the patterns live, for a bounded time'
  static override description =
    'One command that shows sstream working: it starts the local stack when Kafka, MariaDB or Redis does not answer (`sstream stack up`), sets up the topics, tables and Redis, starts the generator of each pattern at --rate records per second, the sentiment service when predictions run (unless --sentiment-url or SSTREAM_SENTIMENT_URL names one: then the demo checks that it answers and uses it), and the processors, all in this process, on the default topics, tables, keys and consumer groups (so `sstream watch` and `sstream status` in another terminal show the same). On a terminal it shows the live view (with `all`, a tab per pipeline: 1–5 or ← → switch, p pauses consumption, q stops); without one it prints progress lines, with --json NDJSON events. It stops after --duration and prints what each pipeline did: records generated, processed, results written, dead letters.'

  static override examples = [
    {description: 'Every pattern for a minute, live', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'The leaderboard only, for two minutes, faster', command: '<%= config.bin %> <%= command.id %> leaderboard --duration 2m --rate 100'},
    {description: 'In CI: 30 seconds, NDJSON events and a summary', command: '<%= config.bin %> <%= command.id %> all --duration 30 --json'},
    {description: 'Predictions labelled by a sentiment service already running', command: '<%= config.bin %> <%= command.id %> predictions --sentiment-url http://127.0.0.1:8001/sentiment'},
  ]

  static override args = {
    pattern: Args.string({description: 'The pattern to show', options: [...DEMO_PATTERNS], default: 'all'}),
  }

  static override flags = {
    ...connectionFlags('kafka', 'mariadb', 'redis', 'sentiment'),
    duration: Flags.string({description: 'How long the demo runs (e.g. 30s, 2m; a bare number is seconds)', default: '60s'}),
    rate: Flags.integer({description: 'Records per second per generator', default: DEFAULT_DEMO_RATE, min: 1, max: 10_000}),
    'admin-url': adminUrlFlag,
  }

  async run(): Promise<DemoCommandResult> {
    const options = {
      pipelines: pipelinesOf(this.args.pattern as DemoPattern),
      config: this.config_,
      adminUrl: this.flags['admin-url'],
      sentimentGiven: this.connectionGiven('sentiment'),
      rate: this.flags.rate,
      durationMs: parseDuration(this.flags.duration, 'duration', {positive: true}),
    }
    const print = createDemoPrinter(this.theme)
    const report = (event: DemoEvent): void => this.report.progress(event, () => print(event))
    let result: DemoResult
    if (this.outputMode === 'interactive') {
      // ink and React load only for the live view.
      const {runDemoView} = await import('../core/tui/render-demo-view.js')
      const shown = await runDemoView({theme: this.theme, signal: this.signal, onEarlyEvent: report, run: (io) => runDemo({...options, ...io})})
      result = shown.quit ? {...shown.result, stoppedBy: 'quit'} : shown.result
    } else {
      result = await runDemo({...options, signal: this.signal, onEvent: report})
    }
    this.report.result(undefined, () => formatDemoSummary(result, this.theme))
    this.stopped(result.stoppedBy)
    return {type: 'summary', ...result}
  }
}
