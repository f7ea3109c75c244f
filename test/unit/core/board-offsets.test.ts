/**
 * The offsets stored next to a Redis board: their `<topic>:<partition>` fields, and which ones run past the end
 * of their partition (a board built from an earlier topic of the same name).
 */
import {describe, expect, it} from 'vitest'

import {boardOffsetField, parseBoardOffsets, positionsPastEnd} from '../../../src/core/redis/boards.js'

describe('parseBoardOffsets', () => {
  it('reads each `<topic>:<partition>` field as a position, splitting at the last colon', () => {
    expect(parseBoardOffsets({'leaderboards-input:0': 5, 'leaderboards-input:12': 0, 'a:b:2': 3})).toEqual([
      {topic: 'leaderboards-input', partition: 0, offset: 5},
      {topic: 'leaderboards-input', partition: 12, offset: 0},
      {topic: 'a:b', partition: 2, offset: 3},
    ])
  })

  it('leaves out fields that are not a position', () => {
    expect(parseBoardOffsets({'no-partition': 1, 'orders:x': 1, 'orders:-1': 1, 'orders:': 1, ':3': 1, 'orders:1': Number.NaN})).toEqual([])
  })

  it('reads back the fields the leaderboard sink writes', () => {
    expect(parseBoardOffsets({[boardOffsetField('views-input', 7)]: 42})).toEqual([{topic: 'views-input', partition: 7, offset: 42}])
  })
})

describe('positionsPastEnd', () => {
  const ends = {topic: 'orders', partitions: [{partition: 0, low: '0', high: '10'}, {partition: 1, low: '2', high: '3'}]}

  it('names the positions past their partition end, with the end', () => {
    const positions = parseBoardOffsets({'orders:0': 11, 'orders:1': 4})
    expect(positionsPastEnd(positions, ends)).toEqual([
      {topic: 'orders', partition: 0, offset: 11, end: 10},
      {topic: 'orders', partition: 1, offset: 4, end: 3},
    ])
  })

  it('accepts a position at the end (everything added, nothing new) or before it', () => {
    expect(positionsPastEnd(parseBoardOffsets({'orders:0': 10, 'orders:1': 2}), ends)).toEqual([])
  })

  it('takes a partition the topic lacks as ending at 0', () => {
    expect(positionsPastEnd(parseBoardOffsets({'orders:5': 1, 'orders:6': 0}), ends)).toEqual([{topic: 'orders', partition: 5, offset: 1, end: 0}])
  })

  it('leaves out the positions of other topics', () => {
    expect(positionsPastEnd(parseBoardOffsets({'other:0': 99, 'orders-2:1': 99}), ends)).toEqual([])
  })

  it('takes end offsets as numbers too', () => {
    expect(positionsPastEnd([{topic: 'orders', partition: 0, offset: 8}], {topic: 'orders', partitions: [{partition: 0, high: 7}]})).toEqual([
      {topic: 'orders', partition: 0, offset: 8, end: 7},
    ])
  })
})
