import {Box, Text} from 'ink'

import {bar, formatClock, formatNumber} from '../format.js'
import {useTheme} from '../hooks/use-theme.js'
import type {BoardModel, BoardRow} from '../model.js'

export interface LeaderboardProps {
  /** E.g. "Leaderboard" or "Trending topics". */
  title: string
  /** What the members are, e.g. "players" or "topics". */
  noun: string
  board: BoardModel
  width: number
  /** Rows shown at most (the rest are summarised in one line). */
  maxRows?: number
}

/** A ranked board: rank, name, score, a bar proportional to the score, and the movement since the last refresh. */
export function Leaderboard({title, noun, board, width, maxRows = 20}: LeaderboardProps) {
  const theme = useTheme()
  const shown = board.rows.slice(0, Math.max(1, maxRows))
  const hidden = board.rows.length - shown.length
  const top = board.rows[0]?.score ?? 0
  const nameWidth = Math.min(24, Math.max(4, ...shown.map((r) => [...r.name].length)))
  const scoreWidth = Math.max(5, ...shown.map((r) => formatNumber(r.score).length))
  const rankWidth = Math.max(2, String(board.rows.length).length)
  const moveWidth = 9
  // rank, name, score, bar and movement, separated by two spaces.
  const barWidth = Math.max(4, width - (rankWidth + nameWidth + scoreWidth + moveWidth + 8))

  const header = `${theme.bold(title)}  ${theme.dim(board.key)}`
  const meta = theme.dim(
    `${board.rows.length} ${noun}${board.refreshedAt === null ? '' : ` · refreshed ${formatClock(board.refreshedAt)}`}`,
  )
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        {header}  {meta}
      </Text>
      {board.refreshedAt === null ? (
        <Text>{theme.dim(`Reading ${board.key || 'the board'}…`)}</Text>
      ) : board.rows.length === 0 ? (
        <Text>{theme.dim(`No ${noun} yet: ${board.key} is empty.`)}</Text>
      ) : (
        shown.map((row) => (
          <Text key={row.name} wrap="truncate-end">
            {formatRow(row, {rankWidth, nameWidth, scoreWidth, barWidth, moveWidth, top, theme})}
          </Text>
        ))
      )}
      {hidden > 0 ? <Text>{theme.dim(`… and ${hidden} more`)}</Text> : null}
    </Box>
  )
}

interface RowLayout {
  rankWidth: number
  nameWidth: number
  scoreWidth: number
  barWidth: number
  moveWidth: number
  top: number
  theme: ReturnType<typeof useTheme>
}

function formatRow(row: BoardRow, {rankWidth, nameWidth, scoreWidth, barWidth, moveWidth, top, theme}: RowLayout): string {
  const name = [...row.name].length > nameWidth ? `${[...row.name].slice(0, nameWidth - 1).join('')}…` : row.name
  const rank = String(row.rank).padStart(rankWidth)
  const score = formatNumber(row.score).padStart(scoreWidth)
  const barText = bar(row.score, top, barWidth)
  const filled = theme.accent(barText) + ' '.repeat(Math.max(0, barWidth - [...barText].length))
  return `${row.rank <= 3 ? theme.bold(rank) : rank}  ${name.padEnd(nameWidth)}  ${score}  ${filled}  ${movement(row, moveWidth, theme)}`
}

function movement(row: BoardRow, width: number, theme: RowLayout['theme']): string {
  const gained = row.gained > 0 ? ` +${formatNumber(row.gained)}` : ''
  const text = (symbol: string): string => `${symbol}${gained}`.slice(0, width)
  switch (row.movement) {
    case 'up':
      return theme.ok(text('↑'))
    case 'down':
      return theme.error(text('↓'))
    case 'new':
      return theme.warn('new')
    case 'same':
      return theme.dim(text('·'))
  }
}
