/**
 * When a generator says that Kafka stopped acknowledging its records, and that it does again: only after
 * records have waited the notice time with none acknowledged, once per stall; never while nothing waits
 * (a slow rate is not a stall).
 */
import {describe, expect, it} from 'vitest'

import {DeliveryWatch, type GeneratorProgress} from '../../../src/core/generators/index.js'

const progress = (elapsedMs: number, sent: number, waiting: number, errors = 0): GeneratorProgress => ({
  generator: 'orders', topic: 't', sent, waiting, errors, elapsedMs, ratePerSec: 0, currentRatePerSec: 0,
})

describe('DeliveryWatch', () => {
  it('says once that records wait unacknowledged past the notice time, then once that they are acknowledged again', () => {
    const watch = new DeliveryWatch(10_000)
    const changes = [
      watch.observe(progress(1000, 100, 50)),
      watch.observe(progress(2000, 200, 50)),
      // The broker is away from here: nothing acknowledged, records pile up.
      watch.observe(progress(6000, 200, 400, 2)),
      watch.observe(progress(11_999, 200, 900, 3)),
      watch.observe(progress(12_000, 200, 1000, 4)),
      watch.observe(progress(30_000, 200, 1000, 9)),
      watch.observe(progress(31_000, 1200, 0, 9)),
      watch.observe(progress(32_000, 1300, 10, 9)),
    ]
    expect(changes).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      {type: 'stalled', forMs: 10_000, waiting: 1000, errors: 4},
      undefined,
      {type: 'resumed', afterMs: 29_000},
      undefined,
    ])
  })

  it('is quiet while nothing waits, however long between acknowledgements (a slow rate)', () => {
    const watch = new DeliveryWatch(10_000)
    expect(watch.observe(progress(0, 0, 0))).toBeUndefined()
    expect(watch.observe(progress(15_000, 0, 0))).toBeUndefined()
    expect(watch.observe(progress(40_000, 1, 0))).toBeUndefined()
    // A record handed over at 40 s and acknowledged at 45 s: no stall.
    expect(watch.observe(progress(45_000, 2, 0))).toBeUndefined()
    // One that waits from just before 50 s on (progress comes every 250 ms): counted from the last report with none waiting.
    expect(watch.observe(progress(49_750, 2, 0))).toBeUndefined()
    expect(watch.observe(progress(50_000, 2, 1))).toBeUndefined()
    expect(watch.observe(progress(59_000, 2, 1))).toBeUndefined()
    expect(watch.observe(progress(59_750, 2, 1))).toEqual({type: 'stalled', forMs: 10_000, waiting: 1, errors: 0})
  })

  it('says it again for a second stall', () => {
    const watch = new DeliveryWatch(1000)
    expect(watch.observe(progress(1000, 0, 5))?.type).toBe('stalled')
    expect(watch.observe(progress(1500, 5, 0))?.type).toBe('resumed')
    expect(watch.observe(progress(1600, 5, 3))).toBeUndefined()
    expect(watch.observe(progress(2600, 5, 3))?.type).toBe('stalled')
  })
})
