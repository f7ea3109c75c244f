import {connectionFlags} from '../../cli/connection-flags.js'
import {presentDbSetup} from '../../cli/present.js'
import {adminUrlFlag} from '../../cli/setup-flags.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {setupDb, type SetupDbResult} from '../../core/mariadb/index.js'

export type {SetupDbResult} from '../../core/mariadb/index.js'

export default class SetupDb extends SstreamCommand<typeof SetupDb> {
  static override summary = 'Create the MariaDB database, user and tables'
  static override description =
    'Connects with an administrator URL to create the database and the user named by --mariadb-url (streaming / streaming by default, for both % and localhost), then applies the versioned migrations: order_summary, user_view_summary and the schema-version table. Every column sstream adds to order_summary has a default, so the original course job\'s three-column INSERT works against it. Running it again changes nothing. A table of the same name that sstream did not make (the original course\'s own order_summary) stops the set-up before anything changes.'

  static override examples = [
    {description: 'Set up the local database as root', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Another server and admin account',
      command: '<%= config.bin %> <%= command.id %> --admin-url mariadb://admin:secret@db:3306 --mariadb-url mariadb://app:pw@db:3306/streaming',
    },
  ]

  static override flags = {...connectionFlags('mariadb'), 'admin-url': adminUrlFlag}

  async run(): Promise<SetupDbResult> {
    const result = await setupDb({url: this.config_.mariadbUrl, adminUrl: this.flags['admin-url']})
    this.report.result(undefined, () => presentDbSetup(result, this.theme))
    return result
  }
}
