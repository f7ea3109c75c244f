import {connectionFlags} from '../../cli/connection-flags.js'
import {presentServices} from '../../cli/present.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {SstreamError} from '../../core/errors.js'
import {stackUp, type StackUpResult} from '../../core/stack/index.js'

export type {StackUpResult} from '../../core/stack/index.js'

export default class StackUp extends SstreamCommand<typeof StackUp> {
  static override summary = 'Start the local stack: Kafka (KRaft), and MariaDB and Redis when stopped'
  static override description =
    'Runs a real single-node Apache Kafka in KRaft mode on the --brokers address (localhost:9092) without Docker: the first run fetches the broker from Maven Central with `mvn` into the cache ($SSTREAM_HOME, else ~/.cache/sstream) and formats its storage; later runs start it in seconds. MariaDB and Redis are checked on their addresses and started from the locally installed servers when they are stopped. Idempotent: what already runs is left as it is. Needs Java 17+ and Maven; with Docker, resources/docker-compose.yml starts the same three services.'

  static override examples = [
    {description: 'Bring the local stack up', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'In a script: wait for it, then check health', command: '<%= config.bin %> <%= command.id %> --json | jq .healthy'},
  ]

  static override flags = connectionFlags('kafka', 'mariadb', 'redis')

  async run(): Promise<StackUpResult> {
    const result = await stackUp(this.config_, (message) => this.note(message), this.signal)
    if (!this.jsonEnabled()) this.out(presentServices(result.services, this.theme))
    if (!result.healthy) {
      const down = result.services.filter((s) => !s.healthy)
      throw new SstreamError('STACK_ERROR', `The stack is not healthy: ${down.map((s) => `${s.service} (${s.detail})`).join('; ')}`, {
        nextSteps: ['Fix what is named above and run `sstream stack up` again; `sstream stack status` shows each service.'],
      })
    }
    return result
  }
}
