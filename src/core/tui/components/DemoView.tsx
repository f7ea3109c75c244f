import {Box, Text} from 'ink'

import type {PipelineName} from '../../names.js'
import {formatCount, formatDuration} from '../format.js'
import {useTheme} from '../hooks/use-theme.js'
import type {ViewState} from '../model.js'
import {PipelineView} from './PipelineView.js'

/** What the demo adds to the pipelines' views: the generators and the time left. */
export interface DemoModel {
  /** Records written by each pipeline's generator so far. */
  generated: Partial<Record<PipelineName, number>>
  /** The generator feeding each pipeline, e.g. `orders → streaming.orders.input`. */
  feeds: Partial<Record<PipelineName, string>>
  /** Records per second per generator. */
  rate: number
  /** Epoch ms at which the demo stops by itself. */
  endsAt: number
  /** The latest step of the shut-down, once it has begun. */
  stopping?: string
}

export interface DemoViewProps {
  pipelines: PipelineName[]
  /** The current view state of each pipeline. */
  states: Record<PipelineName, ViewState>
  active: PipelineName
  demo: DemoModel
  columns: number
  rows: number
  now: number
}

/**
 * The demo: a tab per pipeline (its number, name, and a red dot while one of its services is down), the
 * generator feeding the pipeline on show, and that pipeline's live view with its status bar.
 * Presentational: everything comes in props.
 */
export function DemoView({pipelines, states, active, demo, columns, rows, now}: DemoViewProps) {
  const theme = useTheme()
  const width = Math.max(20, columns - 1)
  const left = Math.max(0, demo.endsAt - now)
  const tabs = pipelines.map((pipeline, index) => {
    const state = states[pipeline]
    const down = state.status.services.some((s) => s.state === 'down')
    const name = `${index + 1} ${pipeline}${down ? ' ●' : ''}`
    // Brackets mark the tab on show without colour too.
    if (pipeline === active) return theme.chalk.inverse(theme.bold(`[${name}]`))
    const label = ` ${name} `
    return down ? theme.error(label) : theme.dim(label)
  })
  const clock = demo.stopping ?? (left > 0 ? `${formatDuration(left)} left` : 'stopping…')
  const switchHint = pipelines.length > 1 ? `${theme.bold('←→')} switch  ` : ''
  const generated = demo.generated[active]
  const feed = `${demo.feeds[active] ?? ''} · ${demo.rate} rec/s · ${formatCount(generated ?? 0)} generated`
  return (
    <Box flexDirection="column" width={width}>
      <Box width={width} justifyContent="space-between">
        <Text wrap="truncate-end">
          {theme.accent(theme.bold('sstream demo'))} {pipelines.length > 1 ? tabs.join('') : theme.bold(active)}
        </Text>
        <Text wrap="truncate-end">{theme.dim(`${switchHint}${clock}`)}</Text>
      </Box>
      <Text wrap="truncate-end">{theme.dim(`generator ${feed}`)}</Text>
      <Box marginTop={1}>
        <PipelineView state={states[active]} mode="run" columns={columns} rows={Math.max(6, rows - 3)} now={now} feedVariant="window" />
      </Box>
    </Box>
  )
}
