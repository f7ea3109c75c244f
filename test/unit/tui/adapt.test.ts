import {describe, expect, it} from 'vitest'

import {toViewEvents, windowValue} from '../../../src/core/tui/adapt.js'
import type {PipelineEvent} from '../../../src/core/stream/types.js'
import {formatTimestamp} from '../../../src/core/stream/timestamps.js'
import {T0} from './fixtures.js'

const iso = (ms: number) => new Date(ms).toISOString()
const window = {start: iso(T0), end: iso(T0 + 5000)}

describe('toViewEvents', () => {
  it('turns an analytics window result ({total, count}) into a closed window', () => {
    const event: PipelineEvent = {type: 'result', pipeline: 'analytics', output: 'order_summary', key: 'Mouse', value: {total: 31.5, count: 3}, window}
    expect(toViewEvents('analytics', event)).toEqual([{type: 'window-closed', window: {windowStart: T0, windowEnd: T0 + 5000, key: 'Mouse', value: 31.5, count: 3}}])
  })

  it('reads the sum and count of user windows whatever they are called', () => {
    expect(windowValue({minutes: 12, views: 3})).toEqual({value: 12, count: 3})
    expect(windowValue(7)).toEqual({value: 7, count: 0})
    expect(windowValue({nothing: 1})).toBeUndefined()
    const event: PipelineEvent = {type: 'result', pipeline: 'views', output: 'user_view_summary', key: 'Bob', value: {totalMinutes: 12, viewCount: 3}, window}
    expect(toViewEvents('views', event)).toEqual([{type: 'window-closed', window: {windowStart: T0, windowEnd: T0 + 5000, key: 'Bob', value: 12, count: 3}}])
  })

  it('turns a critical result into a critical alert, from the message as written', () => {
    const event: PipelineEvent = {
      type: 'result',
      pipeline: 'alerts',
      output: 'critical',
      key: '1714557601',
      value: {key: '1714557601', time: T0, code: '300', message: 'This is a CRITICAL alert '},
      message: {topic: 'streaming.alerts.critical', key: '1714557601', value: '"2024-05-01 12:00:00.5","300","This is a CRITICAL alert "'},
    }
    expect(toViewEvents('alerts', event)).toEqual([{type: 'critical', key: '1714557601', ts: '2024-05-01 12:00:00.5', code: '300', message: 'This is a CRITICAL alert '}])
  })

  it('turns a high-volume window result into a high-volume alert', () => {
    const event: PipelineEvent = {
      type: 'result',
      pipeline: 'alerts',
      output: 'highvolume',
      key: '300',
      value: 4,
      window: {start: iso(T0), end: iso(T0 + 10_000)},
      message: {topic: 'streaming.alerts.highvolume', key: '300', value: '"2024-05-01 12:00:00.0","300","4"'},
    }
    expect(toViewEvents('alerts', event)).toEqual([{type: 'high-volume', ts: '2024-05-01 12:00:00.0', code: '300', count: 4}])
  })

  it('reads the results of a run in the Spark and Kafka Streams output formats', () => {
    const spark: PipelineEvent = {
      type: 'result',
      pipeline: 'alerts',
      output: 'critical',
      key: null,
      value: {key: '1714557601', time: T0 + 500, code: '300', message: 'This is a CRITICAL alert '},
      message: {topic: 'streaming.alerts.critical', key: null, value: `${(T0 + 500) * 1000},300,This is a CRITICAL alert `},
    }
    expect(toViewEvents('alerts', spark)).toEqual([{type: 'critical', ts: formatTimestamp(T0 + 500), code: '300', message: 'This is a CRITICAL alert '}])
    const kstreams: PipelineEvent = {
      type: 'result',
      pipeline: 'alerts',
      output: 'highvolume',
      key: `[300@${T0}/${T0 + 10_000}]`,
      value: 4,
      window: {start: iso(T0), end: iso(T0 + 10_000)},
      message: {topic: 'streaming.alerts.highvolume', key: `[300@${T0}/${T0 + 10_000}]`, value: `"${iso(T0).replace('.000Z', 'Z')}","300","4"`},
    }
    expect(toViewEvents('alerts', kstreams)).toEqual([{type: 'high-volume', ts: formatTimestamp(T0), code: '300', count: 4}])
  })

  it('turns a prediction result into a feed item, with or without the review text', () => {
    const bare: PipelineEvent = {type: 'result', pipeline: 'predictions', output: 'sentiment', key: '1714557600', value: 'Positive'}
    expect(toViewEvents('predictions', bare)).toEqual([{type: 'prediction', id: '1714557600', review: '', label: 'Positive'}])
    const rich: PipelineEvent = {type: 'result', pipeline: 'predictions', output: 'sentiment', key: '7', value: {label: 'Negative', review: 'Dull.'}}
    expect(toViewEvents('predictions', rich)).toEqual([{type: 'prediction', id: '7', review: 'Dull.', label: 'Negative'}])
  })

  it('turns stats into status figures', () => {
    const event: PipelineEvent = {
      type: 'stats',
      pipeline: 'analytics',
      time: iso(T0 + 1),
      elapsedMs: 1000,
      recordsIn: 10,
      recordsOut: 2, outputs: {},
      rate: 5.5,
      deadLettered: 1,
      late: 0,
      future: 0,
      watermark: iso(T0),
      openWindows: 2,
      lag: 7,
      partitions: [],
      sinkLatencyMs: null,
      endToEndLatencyMs: null,
    }
    expect(toViewEvents('analytics', event)).toEqual([{type: 'stats', at: T0 + 1, stats: {rate: 5.5, recordsIn: 10, recordsOut: 2, lag: 7, watermark: T0, deadLetters: 1, late: 0, future: 0, openWindows: 2}}])
  })

  it('turns status events into service health', () => {
    const event: PipelineEvent = {type: 'status', pipeline: 'leaderboard', service: 'redis', state: 'down', message: "Can't reach Redis.", time: iso(T0)}
    expect(toViewEvents('leaderboard', event)).toEqual([{type: 'service', service: 'redis', state: 'down', message: "Can't reach Redis.", at: T0}])
  })

  it('marks the services of the pipeline up once it has started', () => {
    const event: PipelineEvent = {type: 'started', pipeline: 'views', groupId: 'g', inputTopic: 'in', outputs: [], time: iso(T0)}
    expect(toViewEvents('views', event)).toEqual(['kafka', 'mariadb', 'redis'].map((service) => ({type: 'service', service, state: 'ok', at: T0})))
  })

  it('reads open windows when the engine reports them', () => {
    const events = toViewEvents('analytics', {type: 'open-windows', pipeline: 'analytics', windows: [{key: 'Mouse', window, value: {total: 10.5, count: 1}}]})
    expect(events).toEqual([{type: 'windows-open', windows: [{windowStart: T0, windowEnd: T0 + 5000, key: 'Mouse', value: 10.5, count: 1}]}])
  })

  it('ignores what it does not show', () => {
    expect(toViewEvents('analytics', {type: 'deadletter', pipeline: 'analytics', reason: 'late', topic: 't', partition: 0, offset: 1, message: 'late'})).toEqual([])
    expect(toViewEvents('leaderboard', {type: 'result', pipeline: 'leaderboard', output: 'player-leaderboard', key: 'Bob', value: {member: 'Bob', delta: 3, offset: 9}})).toEqual([])
    expect(toViewEvents('analytics', {type: 'result', pipeline: 'analytics', output: 'x', key: 'Mouse', value: 'what', window})).toEqual([])
  })
})
