/**
 * Idleness rests on fresh answers of the broker only (SPEC §4: an outage is never idleness): at the log
 * end without a break for the whole idle timeout; an error, a rebalance or a gap between answers starts
 * the count again, and a log end remembered from before a broker went away proves nothing.
 */
import {describe, expect, it} from 'vitest'

import {IdleEvidence} from '../../../src/core/stream/idle-evidence.js'

const IDLE = 5000

describe('IdleEvidence', () => {
  it('is idle after the idle timeout of answers at the log end, not before', () => {
    const e = new IdleEvidence(3000)
    for (let t = 0; t < IDLE; t += 1000) {
      e.observe(100, 100, t)
      expect(e.atEndFor(t, IDLE)).toBe(false)
    }
    e.observe(100, 100, IDLE)
    expect(e.atEndFor(IDLE, IDLE)).toBe(true)
  })

  it('is not at the end while the log holds more than the task fetched', () => {
    const e = new IdleEvidence(3000)
    for (let t = 0; t <= 2 * IDLE; t += 1000) e.observe(90, 100, t)
    expect(e.atEnd(2 * IDLE)).toBe(false)
    e.observe(100, 100, 2 * IDLE + 1000)
    expect(e.atEndFor(2 * IDLE + 1000, IDLE)).toBe(false)
  })

  it('holds nothing once the answers stop: a broker gone is not a partition at its end', () => {
    const e = new IdleEvidence(3000)
    for (let t = 0; t <= IDLE; t += 1000) e.observe(100, 100, t)
    expect(e.atEndFor(IDLE, IDLE)).toBe(true)
    // No answer since: the last one goes stale.
    expect(e.atEnd(IDLE + 3001)).toBe(false)
    expect(e.atEndFor(IDLE + 60_000, IDLE)).toBe(false)
  })

  it('counts a gap between answers as a break, even when the answer after it shows the same log end', () => {
    const e = new IdleEvidence(3000)
    for (let t = 0; t <= IDLE; t += 1000) e.observe(100, 100, t)
    // A request that hung through an outage and was answered after the broker came back.
    e.observe(100, 100, IDLE + 8000)
    expect(e.atEnd(IDLE + 8000)).toBe(true)
    expect(e.atEndFor(IDLE + 8000, IDLE)).toBe(false)
    expect(e.atEndAnsweringFor(IDLE + 8000, IDLE)).toBe(false)
  })

  it('starts again after an error or a rebalance, and after records', () => {
    const e = new IdleEvidence(3000)
    for (let t = 0; t <= IDLE; t += 1000) e.observe(100, 100, t)
    e.forget()
    expect(e.atEnd(IDLE)).toBe(false)
    e.observe(100, 100, IDLE + 500)
    expect(e.atEndFor(IDLE + 500, IDLE)).toBe(false)
    expect(e.atEndAnsweringFor(IDLE + 500, IDLE)).toBe(false)

    const r = new IdleEvidence(3000)
    for (let t = 0; t <= IDLE; t += 1000) r.observe(100, 100, t)
    r.recordsArrived()
    r.observe(120, 120, IDLE + 500)
    expect(r.atEndFor(IDLE + 500, IDLE)).toBe(false)
    // The broker kept answering: only the records restart the idle count, not the answering one.
    expect(r.atEndAnsweringFor(IDLE + 500, IDLE)).toBe(true)
  })

  it('counts only the time its answers span: the clock running on after the last answer is no idle time (a broker killed)', () => {
    // As the runtime has it: answers every 2 s or less, a longer gap is a break, a last answer stays fresh for 8 s.
    const e = new IdleEvidence(8000, 10_000)
    // A live feed: records in every fetch, each fetch at the log end, until the broker is killed at 30 s.
    for (let t = 0; t <= 30_000; t += 500) {
      e.recordsArrived()
      e.observe(100 + t, 100 + t, t)
    }
    // No answer after the kill: however long the clock runs while the last answer is still fresh, nothing
    // confirms that the partition stayed at its end (its producer holds the records it could not send).
    for (let now = 30_000; now <= 38_000; now += 250) expect(e.atEndFor(now, IDLE), `at ${now}`).toBe(false)
    expect(e.atEnd(38_001)).toBe(false)
  })

  it('after a break, needs answers over the idle timeout and the grace, not one answer and the clock', () => {
    const e = new IdleEvidence(8000, 10_000)
    for (let t = 0; t <= IDLE; t += 1000) e.observe(100, 100, t)
    e.forget() // the broker went away
    const back = 60_000
    e.observe(100, 100, back)
    e.observe(100, 100, back + 2000)
    expect(e.atEndFor(back + 7000, IDLE)).toBe(false)
    expect(e.atEndAnsweringFor(back + 7000, IDLE)).toBe(false)
    for (let t = back + 3000; t <= back + IDLE + 10_000; t += 1000) e.observe(100, 100, t)
    expect(e.atEndFor(back + IDLE + 10_000, IDLE)).toBe(true)
    expect(e.atEndAnsweringFor(back + IDLE + 10_000, IDLE)).toBe(true)
  })

  it('knows nothing before the first answer', () => {
    const e = new IdleEvidence(3000)
    expect(e.atEnd(0)).toBe(false)
    e.observe(undefined, 0, 0)
    expect(e.atEnd(0)).toBe(false)
  })
})

describe('IdleEvidence after a break', () => {
  it('waits the grace on top of the idle timeout once the answers broke off, but not at the start', () => {
    const start = new IdleEvidence(3000, 10_000)
    for (let t = 0; t <= IDLE; t += 1000) start.observe(100, 100, t)
    expect(start.atEndFor(IDLE, IDLE)).toBe(true)

    const e = new IdleEvidence(3000, 10_000)
    for (let t = 0; t <= IDLE; t += 1000) e.observe(100, 100, t)
    e.forget() // the broker went away
    const back = 60_000
    for (let t = back; t <= back + IDLE; t += 1000) e.observe(100, 100, t)
    expect(e.atEndFor(back + IDLE, IDLE)).toBe(false)
    expect(e.atEndAnsweringFor(back + IDLE, IDLE)).toBe(false)
    for (let t = back + IDLE; t <= back + IDLE + 10_000; t += 1000) e.observe(100, 100, t)
    expect(e.atEndFor(back + IDLE + 10_000, IDLE)).toBe(true)
    expect(e.atEndAnsweringFor(back + IDLE + 10_000, IDLE)).toBe(true)
  })

  it('a task restart or a rebalance starts the count again without the grace: the broker did not go away', () => {
    const e = new IdleEvidence(3000, 10_000)
    for (let t = 0; t <= IDLE; t += 1000) e.observe(100, 100, t)
    e.restart()
    expect(e.atEnd(IDLE)).toBe(false)
    for (let t = IDLE + 1000; t <= 2 * IDLE + 1000; t += 1000) e.observe(100, 100, t)
    expect(e.atEndFor(2 * IDLE + 1000, IDLE)).toBe(true)
    // An outage after it still brings the grace.
    e.forget()
    for (let t = 60_000; t <= 60_000 + IDLE; t += 1000) e.observe(100, 100, t)
    expect(e.atEndFor(60_000 + IDLE, IDLE)).toBe(false)
  })
})
