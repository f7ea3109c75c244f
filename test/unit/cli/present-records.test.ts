import {describe, expect, it} from 'vitest'

import {alertKindOfTopic, presentTopicRecord, topicRecordJson} from '../../../src/cli/present-records.js'
import type {TopicRecord} from '../../../src/core/kafka/index.js'
import {createTheme} from '../../../src/core/output/index.js'
import {formatTimestamp} from '../../../src/core/stream/timestamps.js'

const plain = createTheme(false)
const T = new Date(2024, 4, 1, 12, 0, 0, 500).getTime()
const record = (key: string | null, value: string | null): TopicRecord => ({topic: 'my-critical', partition: 0, offset: '3', timestamp: T, key, value, headers: {}})

describe('tail records of the alert topics', () => {
  it('knows the alert topics by name', () => {
    expect(alertKindOfTopic('streaming.alerts.critical')).toBe('critical')
    expect(alertKindOfTopic('streaming.alerts.highvolume')).toBe('high-volume')
    expect(alertKindOfTopic('streaming.orders.input')).toBeUndefined()
  })

  it('reads a Spark job record as an alert, in plain lines and NDJSON', () => {
    const spark = record(null, `${T * 1000},300,This is a CRITICAL alert `)
    expect(presentTopicRecord(spark, plain, {alerts: 'critical'})).toBe(
      `p0:3  ${formatTimestamp(T)}  null → ${T * 1000},300,This is a CRITICAL alert   [spark: 2024-05-01 12:00:00.5 code 300 "This is a CRITICAL alert "]`,
    )
    expect(topicRecordJson(spark, {alerts: 'critical'})).toMatchObject({
      type: 'record',
      key: null,
      alert: {kind: 'critical', format: 'spark', ts: '2024-05-01 12:00:00.5', time: new Date(T).toISOString(), code: '300', message: 'This is a CRITICAL alert '},
    })
  })

  it('reads a Kafka Streams job high-volume record with its window', () => {
    const start = new Date(2024, 4, 1, 12, 0, 0).getTime()
    const kstreams = record(`[300@${start}/${start + 10_000}]`, `"${new Date(start).toISOString().replace('.000Z', 'Z')}","300","4"`)
    expect(topicRecordJson(kstreams, {alerts: 'high-volume'})).toMatchObject({
      alert: {kind: 'high-volume', format: 'kstreams', ts: '2024-05-01 12:00:00.0', code: '300', count: 4, windowEnd: new Date(start + 10_000).toISOString()},
    })
  })

  it('says so when a value is no alert record, and reads nothing without --alerts', () => {
    expect(topicRecordJson(record('1', 'hello'), {alerts: 'critical'})).toMatchObject({alert: null})
    expect(presentTopicRecord(record('1', 'hello'), plain, {alerts: 'critical'})).toContain('[not an alert record]')
    expect(topicRecordJson(record('1', 'hello'))).not.toHaveProperty('alert')
  })
})
