/* eslint-disable no-control-regex -- the tests check the ANSI colour codes */
import {describe, expect, it} from 'vitest'

import {PredictionsFeed} from '../../../src/core/tui/components/PredictionsFeed.js'
import type {ViewEvent} from '../../../src/core/tui/model.js'
import {renderThemed, stateOf, stripAnsi} from './fixtures.js'

const long = 'A wonderful film with great acting and a story that kept me hooked from the very first minute to the last one, truly a masterpiece'
const events: ViewEvent[] = [
  {type: 'prediction', id: '1', review: long, label: 'Very Positive'},
  {type: 'prediction', id: '2', review: 'Dull and\nfar too long.', label: 'Negative'},
  {type: 'prediction', id: '3', review: 'It was fine.', label: 'Neutral'},
  {type: 'prediction', id: '4', review: 'Awful, a waste of time.', label: 'Very Negative'},
  {type: 'prediction', id: '5', review: 'Good fun.', label: 'Positive'},
  {type: 'prediction', id: '6', review: 'Lovely.', label: 'Positive'},
]

describe('PredictionsFeed', () => {
  it('truncates each review to the width, on one line', () => {
    const frame = stripAnsi(renderThemed(<PredictionsFeed predictions={stateOf('predictions', events).predictions} width={60} />).lastFrame() ?? '')
    const lines = frame.split('\n')
    const first = lines.find((l) => l.startsWith('Very Positive')) ?? ''
    expect(first.endsWith('…')).toBe(true)
    expect([...first].length).toBeLessThanOrEqual(60)
    expect(frame).toContain('Negative       Dull and far too long.')
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(60)
  })

  it('colours each label by its class', () => {
    const frame = renderThemed(<PredictionsFeed predictions={stateOf('predictions', events).predictions} width={100} />, {color: true}).lastFrame() ?? ''
    const feedLine = (text: string) => frame.split('\n').find((l) => stripAnsi(l).includes(text)) ?? ''
    expect(feedLine('Dull and')).toMatch(/\u001B\[31mNegative/)
    expect(feedLine('It was fine')).toMatch(/\u001B\[90mNeutral/)
    expect(feedLine('Good fun')).toMatch(/\u001B\[32mPositive/)
    expect(feedLine('Awful')).toMatch(/\u001B\[31m(\u001B\[1m)?Very Negative|\u001B\[1m\u001B\[31mVery Negative/)
    expect(feedLine('wonderful')).toMatch(/\u001B\[32m(\u001B\[1m)?Very Positive|\u001B\[1m\u001B\[32mVery Positive/)
  })

  it('shows the label distribution with counts, proportional bars and shares', () => {
    const frame = stripAnsi(renderThemed(<PredictionsFeed predictions={stateOf('predictions', events).predictions} width={100} />).lastFrame() ?? '')
    expect(frame).toContain('Predictions  6 reviews labelled')
    const dist = Object.fromEntries(
      frame
        .split('\n')
        .map((l) => /^(Very Negative|Negative|Neutral|Positive|Very Positive)\s+(\d+)\s+(█*)[▏▎▍▌▋▊▉]?\s*(\d+)%$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], {n: Number(m[2]), cells: m[3].length, share: Number(m[4])}]),
    )
    expect(Object.keys(dist)).toEqual(['Very Negative', 'Negative', 'Neutral', 'Positive', 'Very Positive'])
    expect(dist.Positive).toMatchObject({n: 2, share: 33})
    expect(dist.Neutral).toMatchObject({n: 1, share: 17})
    expect(dist.Positive.cells).toBeGreaterThan(0)
    expect(Math.abs(dist.Neutral.cells * 2 - dist.Positive.cells)).toBeLessThanOrEqual(1)
  })
})
