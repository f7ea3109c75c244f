import {Box, Text} from 'ink'

import {bar, formatClock, formatCount, formatNumber, sparkline} from '../format.js'
import {useTheme} from '../hooks/use-theme.js'
import type {WindowResult} from '../model.js'

export interface WindowsTableProps {
  closed: WindowResult[]
  open: WindowResult[]
  /** Column names, e.g. PRODUCT / VALUE / ORDERS or USER / MINUTES / VIEWS. */
  labels: {key: string; value: string; count: string}
  width: number
  /** Keys shown at most. */
  maxRows?: number
}

/**
 * The latest closed window of each key with a sparkline of its value per window, then the windows still
 * open, filling up (a bar against the key's largest recent window).
 */
export function WindowsTable({closed, open, labels, width, maxRows = 12}: WindowsTableProps) {
  const theme = useTheme()
  const latest = new Map<string, WindowResult>()
  for (const w of closed) latest.set(w.key, w)
  const keys = [...new Set([...latest.keys(), ...open.map((w) => w.key)])].sort().slice(0, maxRows)
  const keyWidth = Math.max(labels.key.length, ...keys.map((k) => [...k].length))
  const valueWidth = Math.max(labels.value.length, ...closed.map((w) => formatNumber(w.value).length))
  const countWidth = Math.max(labels.count.length, ...closed.map((w) => formatCount(w.count).length))
  const windowWidth = 17
  const sparkWidth = Math.max(4, width - (keyWidth + windowWidth + valueWidth + countWidth + 8))
  // The sparklines share one time axis: the last `sparkWidth` window starts seen for any key.
  const starts = [...new Set(closed.map((w) => w.windowStart))].sort((a, b) => a - b).slice(-sparkWidth)
  const valueAt = new Map(closed.map((w) => [`${w.key}\u0000${w.windowStart}`, w.value]))
  const maxByKey = new Map<string, number>()
  for (const w of closed) maxByKey.set(w.key, Math.max(maxByKey.get(w.key) ?? 0, w.value))

  const header = [
    labels.key.padEnd(keyWidth),
    'LAST WINDOW'.padEnd(windowWidth),
    labels.value.padStart(valueWidth),
    labels.count.padStart(countWidth),
    'PER WINDOW',
  ].join('  ')
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">{theme.dim(header)}</Text>
      {keys.length === 0 ? <Text>{theme.dim('No windows yet.')}</Text> : null}
      {keys.map((key) => {
        const w = latest.get(key)
        const cells = w
          ? [
              key.padEnd(keyWidth),
              `${formatClock(w.windowStart)}–${formatClock(w.windowEnd)}`.padEnd(windowWidth),
              formatNumber(w.value).padStart(valueWidth),
              formatCount(w.count).padStart(countWidth),
              theme.accent(sparkline(starts.map((s) => valueAt.get(`${key}\u0000${s}`) ?? null))),
            ]
          : [key.padEnd(keyWidth), theme.dim('–'.padEnd(windowWidth)), ''.padStart(valueWidth), ''.padStart(countWidth), '']
        return (
          <Text key={key} wrap="truncate-end">
            {cells.join('  ')}
          </Text>
        )
      })}
      {open.length > 0 ? (
        <>
          <Text wrap="truncate-end">{theme.dim('open windows, filling up')}</Text>
          {open.slice(-maxRows).map((w) => {
            const reference = Math.max(maxByKey.get(w.key) ?? 0, w.value)
            const barWidth = Math.max(4, Math.min(30, width - (keyWidth + 40)))
            const filled = bar(w.value, reference, barWidth)
            return (
              <Text key={`${w.key}-${w.windowStart}`} wrap="truncate-end">
                {w.key.padEnd(keyWidth)}  {formatClock(w.windowStart)}  {theme.warn(filled)}
                {theme.dim('░'.repeat(Math.max(0, barWidth - [...filled].length)))}  {formatNumber(w.value)}{' '}
                {theme.dim(`(${formatCount(w.count)} ${labels.count.toLowerCase()})`)}
              </Text>
            )
          })}
        </>
      ) : null}
    </Box>
  )
}
