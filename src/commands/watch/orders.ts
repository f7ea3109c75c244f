import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {WatchCommand, watchFlags} from '../../cli/watch-command.js'
import {redactUrl} from '../../core/mariadb/index.js'
import {TABLES} from '../../core/names.js'
import {watchOrders, type WatchOrdersResult} from '../../core/watch/index.js'

export type {WatchOrdersResult} from '../../core/watch/index.js'

export default class WatchOrders extends WatchCommand<typeof WatchOrders> {
  static override summary = 'Watch the order summaries in MariaDB'
  static override description =
    "Reads the windows the analytics pipeline writes to MariaDB (order_summary) and shows the latest window of each product with a sparkline of its value per window, and the totals; q quits, p pauses. Read-only, for a second terminal next to `sstream run analytics`. Without a terminal it prints the original printer's summary at every refresh: the rows written since the watch started and their total value ( DB Summary : Records = N, Value = X); --once counts the whole table."

  static override examples = [
    {description: 'The live view', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'The whole table summed up once, for a script', command: '<%= config.bin %> <%= command.id %> --once --json'},
    {description: "The original printer's summary every 5 seconds", command: '<%= config.bin %> <%= command.id %> --interval 5s | cat'},
  ]

  static override flags = {
    ...connectionFlags('mariadb'),
    ...watchFlags,
    table: Flags.string({description: `The table, or database.table [default: ${TABLES.orderSummary}]`}),
  }

  async run(): Promise<WatchOrdersResult> {
    const {table = TABLES.orderSummary, once} = this.flags
    const mariadbUrl = this.config_.mariadbUrl
    const intervalMs = this.refreshMs(this.flags.interval)
    return this.watch('orders', {once, refreshMs: intervalMs, table, source: `${redactUrl(mariadbUrl)} ${table}`}, (io) =>
      watchOrders({mariadbUrl, table, intervalMs, once, ...io}),
    )
  }
}
