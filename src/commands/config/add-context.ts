import {Args, Flags} from '@oclif/core'

import {allSettingFlags, connectionOverrides} from '../../cli/connection-flags.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {addContext, SETTINGS, type AddContextResult, type SettingKey} from '../../core/config/index.js'

export type {AddContextResult} from '../../core/config/index.js'

export default class ConfigAddContext extends SstreamCommand<typeof ConfigAddContext> {
  static override summary = 'Save a named cluster: its brokers, security settings and service URLs'
  static override description =
    'Stores a context in the sstream config file ($XDG_CONFIG_HOME/sstream/config.yaml, mode 0600): the Kafka brokers (--brokers, required), and any security settings and service URLs. Any command then uses it with --context NAME or SSTREAM_CONTEXT=NAME, or always once it is the current context (the first one added becomes current; --use makes this one current). Flags and SSTREAM_* variables still win over the context. Keep passwords out of the file: name the variable (--sasl-password-env) or the file (--sasl-password-file) that holds them. File paths are stored as absolute paths.'

  static override examples = [
    {
      description: 'A cluster with SCRAM over TLS, the password read from a variable',
      command:
        '<%= config.bin %> <%= command.id %> prod --brokers kafka1.example.com:9093,kafka2.example.com:9093 --security-protocol SASL_SSL --sasl-mechanism SCRAM-SHA-512 --sasl-username analytics --sasl-password-env PROD_KAFKA_PASSWORD --tls-ca ./prod-ca.pem --use',
    },
    {description: 'The local stack, with its MariaDB and Redis', command: '<%= config.bin %> <%= command.id %> local --brokers localhost:9092 --redis-url redis://127.0.0.1:6379'},
  ]

  static override args = {name: Args.string({description: 'Name of the context', required: true})}

  static override flags = {
    ...allSettingFlags(),
    // A context is a cluster: its brokers are what every command connects to.
    brokers: Flags.string({description: allSettingFlags().brokers.description?.replace(/ \[default: [^\]]*\]$/, ''), helpGroup: 'SETTINGS', required: true}),
    use: Flags.boolean({description: 'Make it the current context', default: false}),
    overwrite: Flags.boolean({description: 'Replace a context of the same name', default: false}),
  }

  async run(): Promise<AddContextResult> {
    const overrides = connectionOverrides(this.flags as unknown as Record<string, unknown>)
    const settings = Object.fromEntries(Object.entries(overrides).map(([key, value]) => [SETTINGS[key as SettingKey].flag, value as string]))
    const result = addContext(this.args.name, settings, {use: this.flags.use || undefined, overwrite: this.flags.overwrite})
    const state = result.replaced ? 'replaced' : 'added'
    this.report.result(undefined, () => `Context ${this.theme.ok(result.context.name)} ${state} in ${result.file}${result.context.current ? ' (current)' : ''}.`)
    return result
  }
}
