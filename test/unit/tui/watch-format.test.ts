import {describe, expect, it} from 'vitest'

import {createTheme} from '../../../src/core/output/index.js'
import {serviceNotes, watchJson, watchLines} from '../../../src/cli/present-watch.js'
import {splitAlertValue} from '../../../src/core/pipelines/alert-formats.js'
import {alertEvent} from '../../../src/core/tui/adapt.js'
import {board, T0} from './fixtures.js'

const plain = createTheme(false)
const fieldsOf = (value: string): [string, string, string] | undefined => splitAlertValue(value)?.fields

describe('watch plain lines', () => {
  it('prints boards in the original printers’ format', () => {
    const event = board('player-leaderboard', [['Kathy', 23], ['Bob', 17.5]])
    expect(watchLines('leaderboard', event, plain)).toEqual(['Leaderboard - 1 : Kathy = 23.0', 'Leaderboard - 2 : Bob = 17.5'])
    expect(watchLines('topics', board('topics-leaderboard', [['AI', 3]]), plain)).toEqual(['Trending Topics - 1 : AI = 3.0'])
  })

  it('prints them in the original blue when colour is on', () => {
    expect(watchLines('leaderboard', board('k', [['Kathy', 23]]), createTheme(true))).toEqual(['\u001B[34mLeaderboard - 1 : Kathy = 23.0\u001B[39m'])
  })

  it('prints the DB summary between two lines of 63 dashes', () => {
    const lines = watchLines('orders', {type: 'windows-snapshot', windows: [], totals: {records: 3, value: 350.5}, at: T0}, plain)
    expect(lines.join('\n')).toBe(`${'-'.repeat(63)}\n DB Summary : Records = 3, Value = 350.5\n${'-'.repeat(63)}`)
  })

  it('prints one line per alert', () => {
    expect(watchLines('alerts', {type: 'critical', ts: '2024-05-01 12:00:00.5', code: '300', message: 'This is a CRITICAL alert '}, plain)).toEqual([
      'CRITICAL    2024-05-01 12:00:00.5    code 300  This is a CRITICAL alert',
    ])
    expect(watchLines('alerts', {type: 'high-volume', ts: '2024-05-01 12:00:00.0', code: '300', count: 4}, plain)).toEqual(['HIGH VOLUME 2024-05-01 12:00:00.0    code 300  count 4'])
  })

  it('names the original job’s format when an alert was written in one', () => {
    expect(watchLines('alerts', {type: 'critical', ts: '2024-05-01 12:00:00.5', code: '300', message: 'm ', format: 'spark'}, plain)).toEqual([
      'CRITICAL    2024-05-01 12:00:00.5    code 300  m  (spark)',
    ])
    expect(watchLines('alerts', {type: 'high-volume', ts: '2024-05-01 12:00:00.0', code: '300', count: 4, format: 'kstreams'}, plain)).toEqual([
      'HIGH VOLUME 2024-05-01 12:00:00.0    code 300  count 4  (kstreams)',
    ])
    expect(watchJson('alerts', {type: 'high-volume', ts: '2024-05-01 12:00:00.0', code: '300', count: 4, format: 'spark'})).toEqual({
      type: 'high-volume',
      ts: '2024-05-01 12:00:00.0',
      code: '300',
      count: 4,
      format: 'spark',
    })
  })

  it('notes outages and recoveries once each', () => {
    const note = serviceNotes()
    expect(note({type: 'service', service: 'redis', state: 'ok', at: T0})).toBeUndefined()
    expect(note({type: 'service', service: 'redis', state: 'down', message: "Can't reach Redis at 127.0.0.1:6379.", at: T0})).toBe(
      "Redis is down: Can't reach Redis at 127.0.0.1:6379. Waiting for it to come back.",
    )
    expect(note({type: 'service', service: 'redis', state: 'ok', at: T0})).toBe('Redis is back.')
    expect(note({type: 'service', service: 'redis', state: 'ok', at: T0})).toBeUndefined()
  })
})

describe('watch NDJSON events', () => {
  it('gives boards with ranks', () => {
    expect(watchJson('leaderboard', board('player-leaderboard', [['Kathy', 23], ['Bob', 17]]))).toEqual({
      type: 'board',
      view: 'leaderboard',
      key: 'player-leaderboard',
      time: new Date(T0).toISOString(),
      entries: [
        {rank: 1, name: 'Kathy', score: 23},
        {rank: 2, name: 'Bob', score: 17},
      ],
    })
  })

  it('gives the latest window of each product with the totals', () => {
    const windows = [
      {windowStart: T0, windowEnd: T0 + 5000, key: 'Mouse', value: 10.5, count: 1},
      {windowStart: T0 + 5000, windowEnd: T0 + 10_000, key: 'Mouse', value: 21, count: 2},
      {windowStart: T0, windowEnd: T0 + 5000, key: 'Monitor', value: 140, count: 1},
    ]
    expect(watchJson('orders', {type: 'windows-snapshot', windows, totals: {records: 3, value: 171.5}, at: T0})).toEqual({
      type: 'orders',
      time: new Date(T0).toISOString(),
      totals: {records: 3, value: 171.5},
      latest: [
        {windowStart: new Date(T0).toISOString(), windowEnd: new Date(T0 + 5000).toISOString(), product: 'Monitor', value: 140, orders: 1},
        {windowStart: new Date(T0 + 5000).toISOString(), windowEnd: new Date(T0 + 10_000).toISOString(), product: 'Mouse', value: 21, orders: 2},
      ],
    })
  })

  it('gives null orders for a window whose count is unknown (a row of the original job)', () => {
    const windows = [{windowStart: T0, windowEnd: T0 + 5000, key: 'Mouse', value: 31.5, count: null}]
    expect(watchJson('orders', {type: 'windows-snapshot', windows, totals: {records: 1, value: 31.5}, at: T0})).toMatchObject({
      latest: [{windowStart: new Date(T0).toISOString(), windowEnd: new Date(T0 + 5000).toISOString(), product: 'Mouse', value: 31.5, orders: null}],
    })
  })

  it('gives nothing for events that are not results or status', () => {
    expect(watchJson('alerts', {type: 'paused', paused: true})).toBeUndefined()
  })
})

describe('alert records', () => {
  it('reads the quoted values of the output topics', () => {
    expect(fieldsOf('"2024-05-01 12:00:00.5","300","This is a CRITICAL alert "')).toEqual(['2024-05-01 12:00:00.5', '300', 'This is a CRITICAL alert '])
    expect(alertEvent('high-volume', '300', '"2024-05-01 12:00:00.0","300","4"')).toEqual({type: 'high-volume', ts: '2024-05-01 12:00:00.0', code: '300', count: 4, key: '300', format: 'sstream'})
  })

  it('reads the Spark and Kafka Streams jobs’ records with their times as timestamps', () => {
    const time = new Date(2024, 4, 1, 12, 0, 0, 500).getTime()
    expect(alertEvent('critical', undefined, `${time * 1000},300,This is a CRITICAL alert `)).toEqual({
      type: 'critical',
      ts: '2024-05-01 12:00:00.5',
      code: '300',
      message: 'This is a CRITICAL alert ',
      format: 'spark',
    })
    const start = new Date(2024, 4, 1, 12, 0, 0).getTime()
    expect(alertEvent('high-volume', `[300@${start}/${start + 10_000}]`, `"${new Date(start).toISOString().replace('.000Z', 'Z')}","300","4"`)).toEqual({
      type: 'high-volume',
      ts: '2024-05-01 12:00:00.0',
      code: '300',
      count: 4,
      key: `[300@${start}/${start + 10_000}]`,
      format: 'kstreams',
    })
  })

  it('reads the unquoted values of the original Spark job, and the trailing comma of the Flink one', () => {
    expect(fieldsOf('1625047875123000,300,This is a CRITICAL alert ')).toEqual(['1625047875123000', '300', 'This is a CRITICAL alert '])
    expect(fieldsOf('"t","300","3",')).toEqual(['t', '300', '3'])
  })

  it('rejects what is not an alert', () => {
    expect(alertEvent('critical', undefined, 'garbage')).toBeUndefined()
    expect(alertEvent('high-volume', undefined, '"t","300","many"')).toBeUndefined()
  })
})
