import {describe, expect, it} from 'vitest'

import {formatAnalyticsResult} from '../../../src/cli/present-results.js'
import {analyticsPipeline, decodeOrder, type OrderSummary} from '../../../src/core/pipelines/analytics.js'
import {runInMemory} from '../../../src/core/stream/test-driver.js'
import {inputRecord, type RecordError, type InputRecord, type WindowResult} from '../../../src/core/stream/index.js'
import {memorySink} from '../stream/helpers.js'

const record = (value: string | null): InputRecord => inputRecord({topic: 'orders', partition: 0, offset: 0, timestamp: 0, key: '1', value})

describe('analytics pipeline', () => {
  it('decodes the original order JSON', () => {
    expect(decodeOrder(record('{"orderId":1625047875,"product":"Mouse","quantity":3,"price":10.5}'))).toEqual({
      orderId: 1_625_047_875,
      product: 'Mouse',
      quantity: 3,
      price: 10.5,
    })
  })

  it('rejects malformed JSON, wrong fields and missing values with a reason', () => {
    const reason = (value: string | null): string => {
      try {
        decodeOrder(record(value))
        return 'ok'
      } catch (error) {
        return (error as RecordError).reason
      }
    }
    expect(reason('{"orderId":1,"product":"Mouse",')).toBe('malformed-json')
    expect(reason('{"orderId":1,"product":"Mouse","quantity":"three","price":10.5}')).toBe('bad-value')
    expect(reason(null)).toBe('missing-value')
  })

  it('sums quantity × price and counts per product in 5 s windows of the Kafka timestamp', async () => {
    const sink = memorySink<WindowResult<OrderSummary>>('order_summary')
    const pipeline = analyticsPipeline({inputTopic: 'orders', deadLetterTopic: 'dlq', sink})
    const T0 = 1_700_000_000_000
    const order = (product: string, quantity: number, price: number) => JSON.stringify({orderId: 1, product, quantity, price})
    await runInMemory(pipeline, [
      {value: order('Mouse', 3, 10.5), timestamp: T0 + 100},
      {value: order('Mouse', 1, 10.5), timestamp: T0 + 4900},
      {value: order('Monitor', 2, 140.0), timestamp: T0 + 2000},
      {value: order('Mouse', 4, 10.5), timestamp: T0 + 5000},
    ], {now: T0})
    expect(sink.items.map((r) => [r.windowStart - T0, r.key, r.value.total, r.value.count])).toEqual([
      [0, 'Monitor', 280, 1],
      [0, 'Mouse', 42, 2],
      [5000, 'Mouse', 42, 1],
    ])
  })

  it('prints a result like the original console', () => {
    const start = new Date(2021, 5, 30, 12, 11, 15).getTime()
    const line = formatAnalyticsResult({
      type: 'result',
      pipeline: 'analytics',
      output: 'order_summary',
      key: 'Mouse',
      value: {total: 31.5, count: 3},
      window: {start: new Date(start).toISOString(), end: new Date(start + 5000).toISOString()},
    })
    expect(line).toBe('Retrieved Summary [[2021-06-30 12:11:15.0,2021-06-30 12:11:20.0],Mouse,31.5] (3 orders)')
  })
})
