import {Box} from 'ink'

import {TABLES} from '../../names.js'
import type {ViewState} from '../model.js'
import {AlertsFeed} from './AlertsFeed.js'
import {AnalyticsView} from './AnalyticsView.js'
import {Leaderboard} from './Leaderboard.js'
import {PredictionsFeed} from './PredictionsFeed.js'
import {StatusBar} from './StatusBar.js'
import {ViewsView} from './ViewsView.js'

export interface PipelineViewProps {
  state: ViewState
  mode: 'run' | 'watch'
  /** Terminal size: the view re-flows to it. */
  columns: number
  rows: number
  now: number
  refreshMs?: number
  /** The table the analytics windows are written to. */
  table?: string
  /** `static` feeds print above the live region; `window` feeds are redrawn in place (tiles). */
  feedVariant?: 'static' | 'window'
}

/** The view of one pipeline or board, with the status bar under it. Presentational: everything comes in props. */
export function PipelineView({state, mode, columns, rows, now, refreshMs, table = TABLES.orderSummary, feedVariant = 'static'}: PipelineViewProps) {
  // Keep off the last column: some terminals wrap a line that fills it.
  const width = Math.max(20, columns - 1)
  const downLines = state.status.services.filter((s) => s.state === 'down').length
  // Rows left for the body once the status bar (4 lines and one per outage) and headers are drawn.
  const bodyRows = Math.max(3, rows - 8 - downLines)
  return (
    <Box flexDirection="column" width={width}>
      {body(state, width, bodyRows, table, feedVariant)}
      <StatusBar status={state.status} mode={mode} source={state.source} refreshMs={refreshMs} now={now} width={width} />
    </Box>
  )
}

function body(state: ViewState, width: number, rows: number, table: string, variant: 'static' | 'window') {
  switch (state.kind) {
    case 'leaderboard':
      return <Leaderboard title="Leaderboard" noun="players" board={state.board} width={width} maxRows={rows} />
    case 'topics':
      return <Leaderboard title="Trending topics" noun="topics" board={state.board} width={width} maxRows={rows} />
    case 'analytics':
    case 'orders':
      return <AnalyticsView analytics={state.analytics} table={table} width={width} maxRows={Math.max(1, Math.floor((rows - 4) / 2))} />
    case 'alerts':
      return <AlertsFeed alerts={state.alerts} width={width} variant={variant} feedRows={Math.max(1, rows - 4)} />
    case 'predictions':
      return <PredictionsFeed predictions={state.predictions} width={width} variant={variant} feedRows={Math.max(1, rows - 7)} />
    case 'views':
      return <ViewsView board={state.board} users={state.analytics} width={width} maxRows={Math.max(1, Math.floor((rows - 5) / 2))} />
  }
}
