import {Args} from '@oclif/core'

import {SstreamCommand} from '../../cli/sstream-command.js'
import {removeContext} from '../../core/config/index.js'

export interface ConfigRemoveResult {
  file: string
  removed: string
  current: string | null
}

export default class ConfigRemove extends SstreamCommand<typeof ConfigRemove> {
  static override summary = 'Remove a context'
  static override description = 'Deletes the context from the sstream config file. If it was the current one, no context is current afterwards.'

  static override examples = [
    {description: 'Forget a cluster', command: '<%= config.bin %> <%= command.id %> staging'},
    {description: 'For scripts', command: '<%= config.bin %> <%= command.id %> staging --json'},
  ]

  static override args = {name: Args.string({description: 'Name of the context', required: true})}

  async run(): Promise<ConfigRemoveResult> {
    const result = removeContext(this.args.name)
    this.report.result(undefined, () => `Context ${result.removed} removed from ${result.file}.${result.current ? '' : ' No context is current now.'}`)
    return result
  }
}
