import {SstreamCommand} from '../../cli/sstream-command.js'
import {listContexts, type ContextView} from '../../core/config/index.js'
import {renderTable} from '../../core/output/index.js'

export interface ConfigListResult {
  file: string
  current: string | null
  contexts: ContextView[]
}

export default class ConfigList extends SstreamCommand<typeof ConfigList> {
  static override summary = 'List the contexts of the sstream config file'
  static override description = 'One line per context: its name, whether it is current, its brokers and security protocol. Passwords are never shown.'

  static override examples = [
    {description: 'The contexts, the current one marked', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --json'},
  ]

  async run(): Promise<ConfigListResult> {
    const result = listContexts()
    this.report.result(undefined, () => {
      if (result.contexts.length === 0) return `No contexts in ${result.file}. Add one with \`sstream config add-context NAME --brokers host:port …\`.`
      const rows = result.contexts.map((c) => [c.current ? '*' : '', c.name, c.settings.brokers ?? '', c.settings['security-protocol'] ?? '', c.settings['sasl-username'] ?? ''])
      return renderTable(['current', 'name', 'brokers', 'security', 'user'], rows, {color: this.theme.enabled})
    })
    return result
  }
}
