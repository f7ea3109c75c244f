import {Box, Text} from 'ink'

import {useTheme} from '../hooks/use-theme.js'
import type {AnalyticsModel, BoardModel} from '../model.js'
import {Leaderboard} from './Leaderboard.js'
import {WindowsTable} from './WindowsTable.js'

export interface ViewsViewProps {
  /** The topics board (Redis). */
  board: BoardModel
  /** The user windows (minutes and views per user and window). */
  users: AnalyticsModel
  width: number
  maxRows?: number
}

/** Web analytics: the trending-topics board and the latest user windows. */
export function ViewsView({board, users, width, maxRows = 8}: ViewsViewProps) {
  const theme = useTheme()
  return (
    <Box flexDirection="column" width={width}>
      <Leaderboard title="Trending topics" noun="topics" board={board} width={width} maxRows={maxRows} />
      <Box marginTop={1} flexDirection="column">
        <Text wrap="truncate-end">
          {theme.bold('User windows')}  {theme.dim('minutes viewed per user and window')}
        </Text>
        <WindowsTable closed={users.closed} open={users.open} labels={{key: 'USER', value: 'MINUTES', count: 'VIEWS'}} width={width} maxRows={maxRows} />
      </Box>
    </Box>
  )
}
