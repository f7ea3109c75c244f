import {Box, Text} from 'ink'

import {formatCount} from '../format.js'
import {useTheme} from '../hooks/use-theme.js'
import type {AlertItem, AlertsModel} from '../model.js'
import {FeedLog} from './FeedLog.js'

export interface AlertsFeedProps {
  alerts: AlertsModel
  width: number
  /** See FeedLog: `static` for a view of its own, `window` for a tile. */
  variant?: 'static' | 'window'
  feedRows?: number
}

const LEVEL_ORDER = ['CRITICAL', 'HIGH', 'ELEVATED']
/** The width of `yyyy-mm-dd hh:mm:ss.fff`, so that the columns after the time line up. */
const TS_WIDTH = 23

/** The CRITICAL alerts and high-volume windows as a scrolling feed, with counts by level and by code. */
export function AlertsFeed({alerts, width, variant = 'static', feedRows = 8}: AlertsFeedProps) {
  const theme = useTheme()
  const levels = Object.keys(alerts.byLevel).sort((a, b) => rankOf(a) - rankOf(b) || (a < b ? -1 : 1))
  const codes = Object.keys(alerts.byCode).sort()
  return (
    <Box flexDirection="column" width={width}>
      <FeedLog items={alerts.feed} variant={variant} rows={feedRows} width={width} render={(item) => <AlertLine item={item} />} />
      <Text wrap="truncate-end">
        {theme.bold('Alerts')}  {theme.label('CRITICAL', `${formatCount(alerts.critical)} critical`)} {theme.dim('·')}{' '}
        {theme.warn(`${formatCount(alerts.highVolume)} high-volume windows`)}
      </Text>
      {alerts.seq === 0 ? <Text>{theme.dim('No alerts yet.')}</Text> : null}
      {levels.length > 0 ? (
        <Text wrap="truncate-end">
          {theme.dim('by level ')}
          {levels.map((level) => `${theme.label(level)} ${formatCount(alerts.byLevel[level])}`).join('   ')}
        </Text>
      ) : null}
      {codes.length > 0 ? (
        <Text wrap="truncate-end">
          {theme.dim('by code  ')}
          {codes
            .map((code) => {
              const c = alerts.byCode[code]
              return `${theme.bold(code)} ${theme.label('CRITICAL', String(c.critical))}${theme.dim('/')}${theme.warn(String(c.highVolume))}`
            })
            .join('   ')}
          {theme.dim('   (critical/high-volume)')}
        </Text>
      ) : null}
    </Box>
  )
}

function rankOf(level: string): number {
  const index = LEVEL_ORDER.indexOf(level)
  return index === -1 ? LEVEL_ORDER.length : index
}

/** One feed line: a CRITICAL alert or a high-volume window. */
export function AlertLine({item}: {item: AlertItem}) {
  const theme = useTheme()
  if (item.kind === 'critical') {
    return (
      <Text wrap="truncate-end">
        {theme.label('CRITICAL', 'CRITICAL   ')} {theme.dim(item.ts.padEnd(TS_WIDTH))}  code {theme.bold(item.code)}  {item.message?.trim() ?? ''}
      </Text>
    )
  }
  return (
    <Text wrap="truncate-end">
      {theme.warn('HIGH VOLUME')} {theme.dim(item.ts.padEnd(TS_WIDTH))}  code {theme.bold(item.code)}  {theme.warn(`${formatCount(item.count)} alerts`)} in the window
    </Text>
  )
}
