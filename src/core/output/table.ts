import Table from 'cli-table3'

/** Renders rows as a plain table (cli-table3) for the `plain` and `interactive` modes of one-shot commands. */
export function renderTable(head: string[], rows: Array<Array<string | number>>, {color = false} = {}): string {
  const table = new Table({
    head,
    style: {head: color ? ['cyan'] : [], border: color ? ['grey'] : []},
  })
  for (const row of rows) table.push(row.map((cell) => String(cell)))
  return table.toString()
}
