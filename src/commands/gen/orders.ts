import {GeneratorCommand} from '../../cli/generator-command.js'

export type {GeneratorResult} from '../../cli/generator-command.js'

export default class GenOrders extends GeneratorCommand {
  static override summary = 'Produce e-commerce orders to streaming.orders.input'
  static override description =
    'Writes orders in the original course format: key = orderId (counting up from the current epoch second), value = {"orderId":N,"product":P,"quantity":Q,"price":X} with Keyboard 25.0, Mouse 10.5 and Monitor 140.0 and a quantity of 1 to 4. The record timestamp is the event time. Ctrl-C flushes what was accepted, prints the summary and exits 130.'

  static override examples = [
    {description: 'Ten orders a second until Ctrl-C', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Half a million orders as fast as the broker takes them', command: '<%= config.bin %> <%= command.id %> --rate max --count 500000'},
    {
      description: 'A reproducible run: the same records, keys and timestamps every time',
      command: '<%= config.bin %> <%= command.id %> --seed 7 --start-time 2024-01-01T00:00:00Z --count 1000 --rate max',
    },
    {description: 'The original pacing, each record echoed', command: '<%= config.bin %> <%= command.id %> --classic --echo'},
  ]

  protected readonly generator = 'orders' as const
}
