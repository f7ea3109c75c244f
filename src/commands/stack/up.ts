import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {presentServices} from '../../cli/present.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {SstreamError} from '../../core/errors.js'
import {stackUp, type StackUpResult} from '../../core/stack/index.js'

export type {StackUpResult} from '../../core/stack/index.js'

export default class StackUp extends SstreamCommand<typeof StackUp> {
  static override summary = 'Start the local stack: Kafka (KRaft), and MariaDB and Redis when stopped'
  static override description =
    'Runs a real single-node Apache Kafka in KRaft mode on the --brokers address (localhost:9092) without Docker: the first run fetches the broker from Maven Central with `mvn` into the cache ($SSTREAM_HOME, else ~/.cache/sstream) and formats its storage; later runs start it in seconds. MariaDB and Redis are checked on their addresses and started from the locally installed servers when they are stopped. Idempotent: what already runs is left as it is. Needs Java 17+ and Maven; with Docker, resources/docker-compose.yml starts the same three services. With --nodes 3 it runs a three-node KRaft cluster instead (three processes, each broker and controller, on the --brokers port and 100 and 200 above it, replication factor 3 and min.insync.replicas=2), to see leader moves and broker failures locally; `stack status` shows each node and `stack down` stops them all.'

  static override examples = [
    {description: 'Bring the local stack up', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'In a script: wait for it, then check health', command: '<%= config.bin %> <%= command.id %> --json | jq .healthy'},
    {
      description: 'Also a SASL_SSL listener (SCRAM over TLS, a private CA) on port 9094, and a context that uses it',
      command: '<%= config.bin %> <%= command.id %> --security sasl-ssl && <%= config.bin %> status --context local-sasl-ssl',
    },
    {
      description: 'A three-node cluster on 9092, 9192 and 9292 (controllers one port above each), then topics with three replicas',
      command:
        '<%= config.bin %> <%= command.id %> --nodes 3 && <%= config.bin %> setup kafka --replication-factor 3 --brokers localhost:9092,localhost:9192,localhost:9292',
    },
  ]

  static override flags = {
    ...connectionFlags('kafka', 'mariadb', 'redis'),
    security: Flags.string({
      description:
        'sasl-ssl: also listen with SASL_SSL two ports above the broker (9094): a CA and certificate made with openssl, a SCRAM user "sstream" whose password is kept in a private file, and the context local-sasl-ssl',
      options: ['none', 'sasl-ssl'],
      default: 'none',
    }),
    nodes: Flags.integer({
      description:
        'Kafka nodes: 1 (a single broker, the default) or 3 (a local KRaft cluster: each node broker and controller, ports --brokers, +100, +200, replication factor 3, min.insync.replicas=2)',
      options: ['1', '3'],
      default: 1,
    }),
  }

  async run(): Promise<StackUpResult> {
    const result = await stackUp(this.config_, (message) => this.note(message), this.signal, {security: this.flags.security as 'none' | 'sasl-ssl', nodes: this.flags.nodes})
    this.report.result(undefined, () => presentServices(result.services, this.theme))
    if (result.cluster) {
      const brokers = result.cluster.brokers.join(',')
      this.report.result(undefined, () => `A ${result.cluster!.nodes}-node cluster: use --brokers ${brokers} (or SSTREAM_KAFKA_BROKERS=${brokers}), so that a client finds it while any node is down.`)
    }
    const {secure} = result
    if (secure) {
      const {brokers, username, caFile, passwordFile, context} = secure
      this.report.result(undefined, () => `SASL_SSL on ${brokers}: SCRAM-SHA-512 user ${username}, password in ${passwordFile}, CA ${caFile}.\nUse it with --context ${context} (sstream config show ${context}).`)
    }
    if (!result.healthy) {
      const down = result.services.filter((s) => !s.healthy)
      throw new SstreamError('STACK_ERROR', `The stack is not healthy: ${down.map((s) => `${s.service} (${s.detail})`).join('; ')}`, {
        nextSteps: ['Fix what is named above and run `sstream stack up` again; `sstream stack status` shows each service.'],
      })
    }
    return result
  }
}
