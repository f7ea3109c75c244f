import {Box, Text} from 'ink'

import {dbSummaryLine} from '../format.js'
import {useTheme} from '../hooks/use-theme.js'
import type {AnalyticsModel} from '../model.js'
import {WindowsTable} from './WindowsTable.js'

export interface AnalyticsViewProps {
  analytics: AnalyticsModel
  /** Where the windows are written, e.g. `order_summary`. */
  table: string
  width: number
  maxRows?: number
}

/** Order value per product and window: the latest closed windows, a sparkline, the open windows and the DB summary. */
export function AnalyticsView({analytics, table, width, maxRows}: AnalyticsViewProps) {
  const theme = useTheme()
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        {theme.bold('Analytics')}  {theme.dim(`order value per product and window → ${table}`)}
      </Text>
      <WindowsTable closed={analytics.closed} open={analytics.open} labels={{key: 'PRODUCT', value: 'VALUE', count: 'ORDERS'}} width={width} maxRows={maxRows} />
      <Text wrap="truncate-end">
        {theme.info(dbSummaryLine(analytics.totals))}
      </Text>
    </Box>
  )
}
