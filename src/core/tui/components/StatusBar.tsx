import {Box, Text} from 'ink'

import {formatClock, formatCount, formatDuration, formatRate} from '../format.js'
import {useTheme} from '../hooks/use-theme.js'
import type {StatusModel} from '../model.js'

export interface StatusBarProps {
  status: StatusModel
  /** `run`: a processor's figures; `watch`: a read-only view refreshed every `refreshMs`. */
  mode: 'run' | 'watch'
  /** Where the data comes from, shown in watch mode. */
  source?: string
  refreshMs?: number
  /** Epoch ms, for the age of an outage. */
  now: number
  width: number
}

/** Always at the bottom: what the processor is doing, its figures, and the health of each service. */
export function StatusBar({status, mode, source, refreshMs, now, width}: StatusBarProps) {
  const theme = useTheme()
  const down = status.services.filter((s) => s.state === 'down')
  const state = status.stopped
    ? theme.dim('■ stopped')
    : status.stopping
    ? theme.warn('■ stopping…')
    : down.length > 0
      ? theme.error(mode === 'run' ? '● waiting' : '● retrying')
      : status.paused
        ? theme.warn('❚❚ paused')
        : theme.ok(mode === 'run' ? '● running' : '● watching')
  const sep = theme.dim(' │ ')
  const figures =
    mode === 'run'
      ? [
          `${formatRate(status.rate)}`,
          `in ${formatCount(status.recordsIn)}`,
          `out ${formatCount(status.recordsOut)}`,
          `lag ${formatCount(status.lag)}`,
          `watermark ${formatClock(status.watermark)}`,
          ...(status.openWindows === null ? [] : [`open windows ${formatCount(status.openWindows)}`]),
          warnIfPositive(`dead letters ${formatCount(status.deadLetters)}`, status.deadLetters, theme),
          warnIfPositive(`late ${formatCount(status.late)}`, status.late, theme),
          ...(status.future ? [warnIfPositive(`future ${formatCount(status.future)}`, status.future, theme)] : []),
        ]
      : [
          ...(source ? [source] : []),
          ...(status.updatedAt === null ? ['waiting for the first read'] : [`refreshed ${formatClock(status.updatedAt)}`]),
          ...(refreshMs ? [`every ${formatDuration(refreshMs)}`] : []),
        ]
  const services = status.services.map((s) =>
    s.state === 'ok' ? `${s.service} ${theme.ok('●')}` : theme.error(`${s.service} ● down ${formatDuration(Math.max(0, now - s.since))}`),
  )
  const retrying = mode === 'run' ? 'processing is paused and resumes by itself' : 'retrying; the view resumes by itself'
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">{theme.dim('─'.repeat(Math.max(0, width)))}</Text>
      <Box flexWrap="wrap" width={width}>
        <Text>{state}</Text>
        {[...figures, ...(services.length > 0 ? [services.join('  ')] : [])].map((segment, index) => (
          <Text key={index}>
            {sep}
            {segment}
          </Text>
        ))}
      </Box>
      {down.map((s) => (
        <Text key={s.service} wrap="wrap">
          {theme.error(`${s.service} is down: ${s.message ?? 'unreachable'} (${retrying}).`)}
        </Text>
      ))}
      {status.stopped ? null : (
        <Text wrap="truncate-end">
          {theme.dim(`${theme.bold('q')} quit  ${theme.bold('p')} ${status.paused ? 'resume' : 'pause'}`)}
        </Text>
      )}
    </Box>
  )
}

function warnIfPositive(text: string, value: number | null, theme: ReturnType<typeof useTheme>): string {
  return value !== null && value > 0 ? theme.warn(text) : text
}
