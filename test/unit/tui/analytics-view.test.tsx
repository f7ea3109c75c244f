import {describe, expect, it} from 'vitest'

import {AnalyticsView} from '../../../src/core/tui/components/AnalyticsView.js'
import {ViewsView} from '../../../src/core/tui/components/ViewsView.js'
import {board, closed, renderThemed, stateOf, stripAnsi, T0} from './fixtures.js'

const analytics = stateOf('analytics', [
  closed('Keyboard', T0, 250, 10),
  closed('Mouse', T0, 31.5, 3),
  closed('Keyboard', T0 + 5000, 100, 4),
  closed('Monitor', T0 + 5000, 560, 4),
  closed('Keyboard', T0 + 10_000, 175, 7),
  {type: 'windows-open', windows: [{windowStart: T0 + 15_000, windowEnd: T0 + 20_000, key: 'Keyboard', value: 125, count: 5}]},
]).analytics

const row = (frame: string, key: string) => stripAnsi(frame).split('\n').find((l) => l.startsWith(`${key} `)) ?? ''

describe('AnalyticsView', () => {
  it('shows the latest closed window of each product with its value and orders', () => {
    const frame = renderThemed(<AnalyticsView analytics={analytics} table="order_summary" width={100} />).lastFrame() ?? ''
    expect(row(frame, 'Keyboard')).toMatch(/^Keyboard\s+\d\d:\d\d:10–\d\d:\d\d:15\s+175\s+7\s/)
    expect(row(frame, 'Monitor')).toMatch(/^Monitor\s+\d\d:\d\d:05–\d\d:\d\d:10\s+560\s+4\s/)
    expect(row(frame, 'Mouse')).toMatch(/^Mouse\s+\d\d:\d\d:00–\d\d:\d\d:05\s+31\.5\s+3\s/)
    expect(stripAnsi(frame)).toContain('order_summary')
  })

  it('draws a sparkline of the value per window on one time axis, gaps where a product had no window', () => {
    const frame = renderThemed(<AnalyticsView analytics={analytics} table="order_summary" width={100} />).lastFrame() ?? ''
    // Keyboard 250, 100, 175 → full, low, high; Monitor only in the 2nd window; Mouse only in the 1st.
    expect(row(frame, 'Keyboard').trimEnd().endsWith('█▄▆')).toBe(true)
    expect(row(frame, 'Monitor').trimEnd().endsWith(' █')).toBe(true)
    expect(row(frame, 'Mouse').trimEnd().endsWith('█')).toBe(true)
  })

  it('shows the open window filling up against the product’s largest recent window', () => {
    const frame = stripAnsi(renderThemed(<AnalyticsView analytics={analytics} table="order_summary" width={100} />).lastFrame() ?? '')
    const open = frame.split('\n').find((l) => l.includes('(5 orders)')) ?? ''
    expect(open).toMatch(/^Keyboard\s+\d\d:\d\d:15\s+█+[▏▎▍▌▋▊▉]?░+\s+125 \(5 orders\)$/)
    // 125 of 250: half of the bar.
    const filled = (open.match(/█/g) ?? []).length
    const empty = (open.match(/░/g) ?? []).length
    expect(Math.abs(filled - empty)).toBeLessThanOrEqual(1)
  })

  it('shows – for the orders of a window the original job wrote (it stores no count)', () => {
    const state = stateOf('orders', [
      {
        type: 'windows-snapshot',
        windows: [
          {windowStart: T0, windowEnd: T0 + 5000, key: 'Mouse', value: 31.5, count: null},
          {windowStart: T0, windowEnd: T0 + 5000, key: 'Monitor', value: 280, count: 2},
        ],
        totals: {records: 2, value: 311.5},
        at: T0,
      },
    ])
    const frame = stripAnsi(renderThemed(<AnalyticsView analytics={state.analytics} table="order_summary" width={100} />).lastFrame() ?? '')
    expect(row(frame, 'Mouse')).toMatch(/^Mouse\s+\d\d:\d\d:00–\d\d:\d\d:05\s+31\.5\s+–\s/)
    expect(row(frame, 'Monitor')).toMatch(/^Monitor\s+\S+\s+280\s+2\s/)
    expect(frame).toContain(' DB Summary : Records = 2, Value = 311.5')
  })

  it('shows the totals as the original DB summary line', () => {
    const frame = stripAnsi(renderThemed(<AnalyticsView analytics={analytics} table="order_summary" width={100} />).lastFrame() ?? '')
    expect(frame).toContain(' DB Summary : Records = 5, Value = 1116.5')
  })
})

describe('ViewsView', () => {
  it('shows the topics board and the latest user windows', () => {
    const state = stateOf('views', [board('topics-leaderboard', [['Cloud', 4], ['AI', 10], ['BigData', 7]]), closed('Bob', T0, 12, 3), closed('Kathy', T0, 7, 2), closed('Bob', T0 + 5000, 3, 1)])
    const frame = stripAnsi(renderThemed(<ViewsView board={state.board} users={state.analytics} width={90} />).lastFrame() ?? '')
    const ranks = frame.split('\n').flatMap((l) => /^\s*(\d)\s+(AI|BigData|Cloud)\b/.exec(l)?.slice(1, 3).join(' ') ?? [])
    expect(ranks).toEqual(['1 AI', '2 BigData', '3 Cloud'])
    expect(frame).toContain('Trending topics')
    expect(frame).toMatch(/USER\s+LAST WINDOW\s+MINUTES\s+VIEWS/)
    expect(frame).toMatch(/^Bob\s+\S+\s+3\s+1\s+█▃$/m)
    expect(frame).toMatch(/^Kathy\s+\S+\s+7\s+2\s+█/m)
  })
})
