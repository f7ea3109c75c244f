/* eslint-disable no-control-regex -- the tests check the ANSI colour codes */
import {describe, expect, it} from 'vitest'

import {AlertsFeed} from '../../../src/core/tui/components/AlertsFeed.js'
import type {ViewEvent} from '../../../src/core/tui/model.js'
import {renderThemed, stateOf, stripAnsi} from './fixtures.js'

const events: ViewEvent[] = [
  {type: 'critical', ts: '2024-05-01 12:00:01.5', code: '300', message: 'This is a CRITICAL alert '},
  {type: 'critical', ts: '2024-05-01 12:00:02.25', code: '100', message: 'This is a CRITICAL alert '},
  {type: 'high-volume', ts: '2024-05-01 12:00:00.0', code: '300', count: 4},
  {type: 'critical', ts: '2024-05-01 12:00:03.0', code: '300', message: 'This is a CRITICAL alert '},
]

describe('AlertsFeed', () => {
  it('shows the CRITICAL alerts and high-volume windows in arrival order', () => {
    const {lastFrame} = renderThemed(<AlertsFeed alerts={stateOf('alerts', events).alerts} width={100} />)
    const lines = stripAnsi(lastFrame() ?? '').split('\n')
    const feed = lines.filter((l) => /^(CRITICAL|HIGH VOLUME)/.test(l))
    expect(feed).toEqual([
      'CRITICAL    2024-05-01 12:00:01.5    code 300  This is a CRITICAL alert',
      'CRITICAL    2024-05-01 12:00:02.25   code 100  This is a CRITICAL alert',
      'HIGH VOLUME 2024-05-01 12:00:00.0    code 300  4 alerts in the window',
      'CRITICAL    2024-05-01 12:00:03.0    code 300  This is a CRITICAL alert',
    ])
  })

  it('counts by level and by code', () => {
    const state = stateOf('alerts', [...events, {type: 'alert-seen', level: 'HIGH', code: '200'}, {type: 'alert-seen', level: 'ELEVATED', code: '200'}])
    const frame = stripAnsi(renderThemed(<AlertsFeed alerts={state.alerts} width={100} />).lastFrame() ?? '')
    expect(frame).toContain('Alerts  3 critical · 1 high-volume windows')
    expect(frame).toMatch(/by level CRITICAL 3 {3}HIGH 1 {3}ELEVATED 1/)
    expect(frame).toMatch(/by code {2}100 1\/0 {3}300 2\/1/)
  })

  it('prints each alert once as new ones arrive (append-only feed above the counts)', () => {
    const {lastFrame, rerender} = renderThemed(<AlertsFeed alerts={stateOf('alerts', events.slice(0, 2)).alerts} width={100} />)
    expect(stripAnsi(lastFrame() ?? '').match(/^CRITICAL/gm)).toHaveLength(2)
    rerender(<AlertsFeed alerts={stateOf('alerts', events).alerts} width={100} />)
    const frame = stripAnsi(lastFrame() ?? '')
    expect(frame.match(/^CRITICAL/gm)).toHaveLength(3)
    expect(frame.match(/^HIGH VOLUME/gm)).toHaveLength(1)
    // The counts stay under the feed.
    expect(frame.indexOf('Alerts  3 critical')).toBeGreaterThan(frame.lastIndexOf('code 300  This is'))
  })

  it('shows the last lines only, in the window variant (a tile)', () => {
    const frame = stripAnsi(renderThemed(<AlertsFeed alerts={stateOf('alerts', events).alerts} width={100} variant="window" feedRows={2} />).lastFrame() ?? '')
    expect(frame.split('\n').filter((l) => /^(CRITICAL|HIGH VOLUME)/.test(l))).toHaveLength(2)
    expect(frame).toContain('12:00:03.0')
    expect(frame).not.toContain('12:00:01.5')
  })

  it('colours CRITICAL red', () => {
    const frame = renderThemed(<AlertsFeed alerts={stateOf('alerts', events).alerts} width={100} />, {color: true}).lastFrame() ?? ''
    expect(frame).toMatch(/\u001B\[31m(\u001B\[1m)?CRITICAL/)
  })

  it('says when there is nothing yet', () => {
    expect(renderThemed(<AlertsFeed alerts={stateOf('alerts', []).alerts} width={100} />).lastFrame()).toContain('No alerts yet.')
  })
})
