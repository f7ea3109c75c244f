import {Args} from '@oclif/core'

import {SstreamCommand} from '../../cli/sstream-command.js'
import {showContext, type ContextView} from '../../core/config/index.js'

export interface ConfigShowResult {
  file: string
  context: ContextView
}

export default class ConfigShow extends SstreamCommand<typeof ConfigShow> {
  static override summary = 'Show the settings of a context (passwords as ****)'
  static override description =
    'Shows the named context, else the one SSTREAM_CONTEXT or --context names, else the current one. A stored password and the password in a URL are printed as ****.'

  static override examples = [
    {description: 'The current context', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Another one, for scripts', command: '<%= config.bin %> <%= command.id %> prod --json'},
  ]

  static override args = {name: Args.string({description: 'Name of the context (default: the current one)'})}

  async run(): Promise<ConfigShowResult> {
    const result = showContext(this.args.name ?? this.flags.context)
    this.report.result(undefined, () => {
      const {name, current, settings} = result.context
      return [`${this.theme.ok(name)}${current ? ' (current)' : ''} in ${result.file}`, ...Object.entries(settings).map(([key, value]) => `  ${key}: ${value}`)]
    })
    return result
  }
}
