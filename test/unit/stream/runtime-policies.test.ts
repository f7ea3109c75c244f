/**
 * The runtime's policies, apart from the runtime: what a failure means for a task (from its code, never its
 * message), and when --until-idle may stop the run.
 */
import {describe, expect, it} from 'vitest'

import {BugError, SstreamError} from '../../../src/core/errors.js'
import {failureKind, serviceOf} from '../../../src/core/stream/outage-policy.js'
import {IdleEvidence} from '../../../src/core/stream/idle-evidence.js'
import type {Task} from '../../../src/core/stream/task.js'
import {UntilIdle, type PartitionState} from '../../../src/core/stream/until-idle.js'

describe('the outage policy', () => {
  it('reads the code the adapter classified a failure with', () => {
    expect(failureKind(new SstreamError('KAFKA_FENCED', 'Another process took over t-0.'))).toBe('fenced')
    expect(failureKind(new SstreamError('KAFKA_REBALANCE', 'The group is rebalancing.'))).toBe('rebalance')
    expect(failureKind(new SstreamError('REDIS_UNREACHABLE', "Can't reach Redis."))).toBe('outage')
    expect(failureKind(new SstreamError('KAFKA_ERROR', 'refused: the producer was fenced'))).toBe('outage')
    expect(failureKind(new SstreamError('STORE_AHEAD', 'past the end'))).toBe('fatal')
    expect(failureKind(new BugError('a defect'))).toBe('fatal')
    expect(serviceOf(new SstreamError('MARIADB_ERROR', 'refused'))).toBe('mariadb')
    expect(serviceOf(new SstreamError('KAFKA_FENCED', 'fenced'))).toBe('kafka')
  })
})

const task = (kind: 'source' | 'merge', idle: boolean, openWindows = 0, uncommitted = false): Task => ({kind, idle, openWindows, uncommitted}) as unknown as Task
const atEnd = {atEndFor: () => true}
const partition = (state: Partial<PartitionState> & {task: Task}): PartitionState => ({pending: 0, evidence: atEnd, lastRecordAt: 0, ...state})

describe('--until-idle', () => {
  const IDLE = 5000
  const SESSION = 10_000

  it('stops after two quiet checks in a row, not before the idle timeout since the join', () => {
    const untilIdle = new UntilIdle(IDLE, true, SESSION)
    const quiet = [partition({task: task('source', true)}), partition({task: task('merge', true)})]
    expect(untilIdle.check(IDLE - 1, 0, quiet)).toBe(false)
    expect(untilIdle.check(IDLE, 0, quiet)).toBe(false)
    expect(untilIdle.check(IDLE + 1000, 0, quiet)).toBe(true)
  })

  it('after a join that left partitions to other members, waits a session timeout and a half (one may be a killed joiner)', () => {
    const untilIdle = new UntilIdle(IDLE, true, SESSION)
    const quiet = [partition({task: task('source', true)}), partition({task: task('merge', true)})]
    untilIdle.reset(true)
    expect(untilIdle.check(IDLE + 1000, 0, quiet)).toBe(false)
    expect(untilIdle.check(IDLE + 2000, 0, quiet)).toBe(false)
    expect(untilIdle.check(1.5 * SESSION - 1, 0, quiet)).toBe(false)
    expect(untilIdle.check(1.5 * SESSION, 0, quiet)).toBe(false)
    expect(untilIdle.check(1.5 * SESSION + 1000, 0, quiet)).toBe(true)
    // The next join holds every partition: the idle timeout alone.
    untilIdle.reset(false)
    expect(untilIdle.check(IDLE, 0, quiet)).toBe(false)
    expect(untilIdle.check(IDLE + 1000, 0, quiet)).toBe(true)
  })

  it('starts counting again after a partition that is not quiet, or a rejoin', () => {
    const untilIdle = new UntilIdle(IDLE, true, SESSION)
    const now = 100_000
    const quiet = [partition({task: task('source', true)})]
    expect(untilIdle.check(now, 0, quiet)).toBe(false)
    expect(untilIdle.check(now, 0, [partition({task: task('source', true, 1)})])).toBe(false)
    expect(untilIdle.check(now, 0, quiet)).toBe(false)
    untilIdle.reset()
    expect(untilIdle.check(now, 0, quiet)).toBe(false)
    expect(untilIdle.check(now, 0, quiet)).toBe(true)
  })

  it('is not quiet with work queued, off the log end, recent records, a merge with open windows, or progress not committed', () => {
    const now = 100_000
    const cases: PartitionState[] = [
      partition({task: task('source', true), pending: 1}),
      partition({task: task('source', true), evidence: {atEndFor: () => false}}),
      partition({task: task('source', true), lastRecordAt: now - 10}),
      partition({task: task('merge', true, 2)}),
      partition({task: task('merge', false)}),
      partition({task: task('merge', true, 0, true)}),
      partition({task: task('source', true, 0, true)}),
    ]
    for (const state of cases) {
      const untilIdle = new UntilIdle(IDLE, true, SESSION)
      untilIdle.check(now, 0, [state])
      expect(untilIdle.check(now, 0, [state])).toBe(false)
    }
    // Without a window, an input partition needs no idle announcement.
    const plain = new UntilIdle(IDLE, false, SESSION)
    plain.check(now, 0, [partition({task: task('source', false)})])
    expect(plain.check(now, 0, [partition({task: task('source', false)})])).toBe(true)
  })

  it('after an outage waits for the grace, even without a window: producers are still sending what they held', () => {
    const GRACE = 20_000
    const evidence = new IdleEvidence(8000, GRACE)
    evidence.observe(10, 10, 0)
    evidence.forget() // the broker went away
    const back = 60_000
    const state = [partition({task: task('source', false), evidence, lastRecordAt: 0})]
    const plain = new UntilIdle(IDLE, false, SESSION)
    // Back, at the log end, no record for far longer than the idle timeout: quiet only after idle + grace.
    let stoppedAt: number | undefined
    for (let t = back; t <= back + IDLE + GRACE + 5000 && stoppedAt === undefined; t += 1000) {
      evidence.observe(10, 10, t)
      if (plain.check(t, 0, state)) stoppedAt = t
    }
    expect(stoppedAt! - back).toBe(IDLE + GRACE + 1000) // the second quiet check in a row
  })
})

describe('the run metrics', () => {
  it('count what a completed output brought, and hand out each interval once', async () => {
    const {emptyOutput} = await import('../../../src/core/stream/task-output.js')
    const {RunMetrics} = await import('../../../src/core/stream/run-metrics.js')
    const metrics = new RunMetrics(0)
    const out = emptyOutput()
    out.recordsIn = 10
    out.late = 2
    out.windowEnds.push(500)
    out.results.push({type: 'result', pipeline: 'p', output: 'summary', value: 1, time: ''} as never)
    metrics.add(out, 4, 1000)
    expect(metrics.totals).toEqual({recordsIn: 10, recordsOut: 1, deadLettered: 0, late: 2, future: 0, outputs: {summary: 1}})
    const first = metrics.takeInterval(2000)
    expect(first).toMatchObject({rate: 5, sinkLatencyMs: 4, endToEndLatencyMs: 500})
    expect(metrics.takeInterval(3000)).toMatchObject({rate: 0, sinkLatencyMs: null, endToEndLatencyMs: null})
    expect(metrics.totals.recordsIn).toBe(10)
  })
})
