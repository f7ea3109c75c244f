import {connectionFlags} from '../../cli/connection-flags.js'
import {presentServices, servicesDownAdvice} from '../../cli/present.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {stackStatus, type StackStatusResult} from '../../core/stack/index.js'

export type {StackStatusResult} from '../../core/stack/index.js'

export default class StackStatus extends SstreamCommand<typeof StackStatus> {
  static override summary = 'Show each service of the local stack, its address and health'
  static override description =
    'Checks Kafka (a metadata request), MariaDB (a query with the --mariadb-url login) and Redis (PING), and tells which of them `sstream stack up` started. Exits 1 when a service is down, so scripts can wait on it.'

  static override examples = [
    {description: 'Check the stack', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'In a script', command: '<%= config.bin %> <%= command.id %> --json | jq ".services[] | {service, healthy}"'},
  ]

  static override flags = connectionFlags('kafka', 'mariadb', 'redis')

  async run(): Promise<StackStatusResult> {
    const result = await stackStatus(this.config_)
    this.report.result(undefined, () => presentServices(result.services, this.theme))
    if (!result.healthy) {
      process.exitCode = 1
      for (const line of servicesDownAdvice(result.services, (service) => this.addressOrigin(service))) this.note(this.theme.warn(line))
    }
    return result
  }
}
