/* eslint-disable no-control-regex -- the tests check the ANSI colour codes */
import {describe, expect, it} from 'vitest'

import {Leaderboard} from '../../../src/core/tui/components/Leaderboard.js'
import {board, renderThemed, stateOf, stripAnsi, T0} from './fixtures.js'

/** The rows of a rendered board: rank, name, bar length in eighths of a cell, movement text. */
function rowsOf(frame: string) {
  const partial = ' ▏▎▍▌▋▊▉'
  return stripAnsi(frame)
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\S+)\s+([\d,.]+)\s+(█*)([▏▎▍▌▋▊▉]?)\s*(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({rank: Number(m[1]), name: m[2], score: Number(m[3].replace(/,/g, '')), eighths: m[4].length * 8 + partial.indexOf(m[5] || ' '), movement: m[6].trim()}))
}

describe('Leaderboard', () => {
  const two = stateOf('leaderboard', [
    board('player-leaderboard', [['Kathy', 23], ['Bob', 17], ['Sam', 12], ['Mike', 40]]),
    board('player-leaderboard', [['Kathy', 25], ['Bob', 30], ['Sam', 12], ['Mike', 40], ['Zed', 1]], T0 + 1000),
  ]).board

  it('shows the ranks in order of score, highest first', () => {
    const {lastFrame} = renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={80} />)
    const rows = rowsOf(lastFrame() ?? '')
    expect(rows.map((r) => [r.rank, r.name, r.score])).toEqual([
      [1, 'Mike', 40],
      [2, 'Bob', 30],
      [3, 'Kathy', 25],
      [4, 'Sam', 12],
      [5, 'Zed', 1],
    ])
    expect(lastFrame()).toContain('player-leaderboard')
    expect(lastFrame()).toContain('5 players')
  })

  it('draws bars proportional to the scores', () => {
    const {lastFrame} = renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={80} />)
    const rows = rowsOf(lastFrame() ?? '')
    const top = rows[0]
    expect(top.eighths).toBeGreaterThan(8 * 20)
    for (const row of rows) {
      // Within one eighth of a cell of the exact proportion.
      expect(Math.abs(row.eighths - (row.score / top.score) * top.eighths)).toBeLessThanOrEqual(1)
    }
  })

  it('shows the movement since the last refresh: ↑ ↓ new', () => {
    const {lastFrame} = renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={80} />)
    const movement = Object.fromEntries(rowsOf(lastFrame() ?? '').map((r) => [r.name, r.movement]))
    expect(movement).toEqual({Mike: '·', Bob: '↑ +13', Kathy: '↓ +2', Sam: '·', Zed: 'new'})
  })

  it('colours the movement through the theme, and not at all without colour', () => {
    const coloured = renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={80} />, {color: true}).lastFrame() ?? ''
    const line = (name: string) => coloured.split('\n').find((l) => l.includes(name)) ?? ''
    expect(line('Bob')).toContain('\u001B[32m↑') // green up
    expect(line('Kathy')).toContain('\u001B[31m↓') // red down
    expect(line('Zed')).toContain('\u001B[33mnew') // yellow new
    const plain = renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={80} />).lastFrame() ?? ''
    expect(plain).not.toMatch(/\u001B\[/)
  })

  it('re-flows to the width: the bars shrink, no line is wider than the view', () => {
    const wide = rowsOf(renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={100} />).lastFrame() ?? '')
    const narrowFrame = renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={40} />).lastFrame() ?? ''
    const narrow = rowsOf(narrowFrame)
    expect(narrow[0].eighths).toBeLessThan(wide[0].eighths)
    for (const line of stripAnsi(narrowFrame).split('\n')) expect([...line].length).toBeLessThanOrEqual(40)
  })

  it('limits the rows and says how many more there are', () => {
    const {lastFrame} = renderThemed(<Leaderboard title="Leaderboard" noun="players" board={two} width={80} maxRows={2} />)
    expect(rowsOf(lastFrame() ?? '')).toHaveLength(2)
    expect(lastFrame()).toContain('… and 3 more')
  })

  it('says when the board is empty or not read yet', () => {
    const empty = stateOf('leaderboard', [board('player-leaderboard', [])]).board
    expect(renderThemed(<Leaderboard title="Leaderboard" noun="players" board={empty} width={80} />).lastFrame()).toContain('No players yet: player-leaderboard is empty.')
    const unread = stateOf('leaderboard', []).board
    expect(renderThemed(<Leaderboard title="Leaderboard" noun="players" board={unread} width={80} />).lastFrame()).toContain('Reading')
  })
})
