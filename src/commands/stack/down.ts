import {Flags} from '@oclif/core'

import {SstreamCommand} from '../../cli/sstream-command.js'
import {stackDown, type StackDownResult} from '../../core/stack/index.js'

export type {StackDownResult} from '../../core/stack/index.js'

export default class StackDown extends SstreamCommand<typeof StackDown> {
  static override summary = 'Stop what `sstream stack up` started'
  static override description =
    'Stops the Kafka broker that `stack up` started, and MariaDB or Redis only if `stack up` had to start them. Services that were already running are left alone. --purge also deletes the broker\'s data, so the next `stack up` starts with empty topics.'

  static override examples = [
    {description: 'Stop the local stack', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Stop it and delete the broker data', command: '<%= config.bin %> <%= command.id %> --purge'},
  ]

  static override flags = {
    purge: Flags.boolean({description: "Delete the broker's data (topics and offsets) too", default: false}),
  }

  async run(): Promise<StackDownResult> {
    const result = await stackDown({purge: this.flags.purge})
    this.report.result(undefined, () => result.services.map((s) => `${s.service.padEnd(8)} ${s.action}`))
    return result
  }
}
