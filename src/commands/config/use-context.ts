import {Args} from '@oclif/core'

import {SstreamCommand} from '../../cli/sstream-command.js'
import {useContext} from '../../core/config/index.js'

export interface UseContextResult {
  file: string
  current: string
  previous: string | null
}

export default class ConfigUseContext extends SstreamCommand<typeof ConfigUseContext> {
  static override summary = 'Make a context the current one'
  static override description = 'Every command then takes its brokers, security settings and service URLs from this context, unless --context, SSTREAM_CONTEXT, flags or SSTREAM_* variables say otherwise.'

  static override examples = [
    {description: 'Work against the production cluster', command: '<%= config.bin %> <%= command.id %> prod'},
    {description: 'Back to the local stack', command: '<%= config.bin %> <%= command.id %> local'},
  ]

  static override args = {name: Args.string({description: 'Name of the context', required: true})}

  async run(): Promise<UseContextResult> {
    const result = useContext(this.args.name)
    this.report.result(undefined, () => `Current context: ${this.theme.ok(result.current)}${result.previous && result.previous !== result.current ? ` (was ${result.previous})` : ''}.`)
    return result
  }
}
