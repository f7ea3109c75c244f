/**
 * `sstream demo all` in a real terminal (a tmux pane): the tab bar and each pipeline's live view, the
 * keys (1–5 and → switch, p pauses consumption while the generators go on, q stops), exit code 0 and the
 * summary. It runs on the default topics, tables and keys, like the demo itself.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {BIN} from '../helpers/cli.js'
import {boardRows, requireTmux, TmuxPane, until} from '../helpers/tmux.js'

const lagOf = (screen: string): number => Number((/lag ([\d,]+)/.exec(screen)?.[1] ?? '-1').replace(/,/g, ''))

describe('sstream demo in a real terminal (tmux)', () => {
  const pane = new TmuxPane(110, 36)

  beforeAll(() => {
    requireTmux()
  })

  afterAll(async () => {
    await pane.kill()
  })

  it('shows a tab per pipeline, switches, pauses and stops on q with exit 0 and a summary', async () => {
    await pane.start([BIN, 'demo', 'all', '--duration', '5m'])
    const ready = (s: string): boolean => s.includes('[1 analytics]') && /in [1-9]/.test(s)
    const first = await until(() => pane.capture(), ready, 'the analytics tab with records in', 90_000)
    expect(first).toMatch(/sstream demo \[1 analytics\] 2 alerts {2}3 leaderboard {2}4 predictions {2}5 views/)
    expect(first).toMatch(/generator orders → streaming\.orders\.input · 20 rec\/s · [\d,]+ generated/)
    expect(first).toMatch(/kafka ● {2}mariadb ●/)
    // A window closes (5 s windows, 5 s lateness): the product rows and the DB summary.
    await until(() => pane.capture(), (s) => /DB Summary : Records = [1-9]/.test(s) && /(Keyboard|Monitor|Mouse)\s+\d\d:\d\d:\d\d–/.test(s), 'a closed window', 60_000)

    await pane.press('3')
    const board = await until(() => pane.capture(), (s) => s.includes('[3 leaderboard]') && boardRows(s).length > 0, 'the leaderboard tab')
    expect(board).toContain('player-leaderboard')
    const changed = await until(() => pane.capture(), (s) => JSON.stringify(boardRows(s)) !== JSON.stringify(boardRows(board)), 'the board to change')
    expect(boardRows(changed).length).toBeGreaterThan(0)

    await pane.press('Right')
    const predictions = await until(() => pane.capture(), (s) => s.includes('[4 predictions]') && /[1-9][\d,]* reviews labelled/.test(s), 'the predictions tab')
    expect(predictions).toMatch(/(Very Negative|Negative|Neutral|Positive|Very Positive) {2,}\S/)
    expect(predictions).toContain('sentiment ●')

    // p: every processor stops consuming; the generators go on, so the lag grows.
    await pane.press('p')
    const paused = await until(() => pane.capture(), (s) => s.includes('❚❚ paused') && lagOf(s) >= 20, 'the lag to grow while paused', 30_000)
    expect(paused).toContain('p resume')
    await pane.press('p')
    await until(() => pane.capture(), (s) => s.includes('● running') && lagOf(s) < 20, 'the processors to catch up after resuming', 30_000)

    await pane.press('q')
    const status = await until(() => pane.exitStatus(), (s) => s !== null, 'the demo to exit after q', 60_000)
    expect(status).toBe(0)
    const last = await pane.capture()
    expect(last).toContain('The demo stopped with q after')
    expect(last).toMatch(/│ leaderboard\s+│ [\d,]+\s+│ [\d,]+\s+│/)
  })
})
