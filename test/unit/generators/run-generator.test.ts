import {describe, expect, it} from 'vitest'

import {SstreamError} from '../../../src/core/errors.js'
import {
  GeneratorFailure,
  runGenerator,
  type GeneratedRecord,
  type GeneratorTimers,
  type RecordSink,
  type RunGeneratorOptions,
} from '../../../src/core/generators/index.js'

/** Virtual time: sleeping advances the clock at once. */
function virtualTimers(): GeneratorTimers & {time: number} {
  const timers = {
    time: 0,
    now: () => timers.time,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) return
      timers.time += Math.max(0, ms)
      await Promise.resolve()
    },
    yield: () => Promise.resolve(),
  }
  return timers
}

/** A sink that acknowledges each send at once and remembers when (in virtual time) it was sent. */
function memorySink(timers: {now(): number}, {failAfter}: {failAfter?: number} = {}): RecordSink & {sends: Array<{at: number; records: GeneratedRecord[]}>} {
  const stats = {acked: 0, buffered: 0, retries: 0}
  const sends: Array<{at: number; records: GeneratedRecord[]}> = []
  return {
    stats,
    sends,
    send: async (records) => {
      if (failAfter !== undefined && stats.acked + records.length > failAfter) throw new SstreamError('KAFKA_ERROR', 'Kafka refused records.')
      sends.push({at: timers.now(), records: records as GeneratedRecord[]})
      stats.acked += records.length
    },
    flush: async () => undefined,
    close: async () => undefined,
  }
}

async function run(options: Partial<RunGeneratorOptions>, sinkOptions: {failAfter?: number} = {}) {
  const timers = virtualTimers()
  const sink = memorySink(timers, sinkOptions)
  const result = await runGenerator({generator: 'orders', brokers: [], timers, openSink: async () => sink, seed: 1, ...options})
  return {result, sink, timers}
}

describe('runGenerator pacing', () => {
  it('holds --rate N steadily: small sends every few milliseconds, never a burst of a second', async () => {
    const {result, sink} = await run({rate: 2000, count: 6000})
    expect(result.sent).toBe(6000)
    expect(result.interrupted).toBe(false)
    // 6000 records at 2000/s take 3 s.
    expect(result.durationMs).toBeGreaterThanOrEqual(2990)
    expect(result.durationMs).toBeLessThan(3100)
    expect(Math.max(...sink.sends.map((s) => s.records.length))).toBeLessThanOrEqual(12)
    // In every 100 ms window about 200 records, never 2000 at once.
    for (let from = 0; from < 2900; from += 100) {
      const inWindow = sink.sends.filter((s) => s.at >= from && s.at < from + 100).reduce((n, s) => n + s.records.length, 0)
      expect(inWindow).toBeGreaterThanOrEqual(190)
      expect(inWindow).toBeLessThanOrEqual(210)
    }
  })

  it('spreads slow rates out: one record every 2 s at --rate 0.5', async () => {
    const {sink} = await run({rate: 0.5, count: 5})
    expect(sink.sends.map((s) => s.at)).toEqual([0, 2000, 4000, 6000, 8000])
  })

  it('stops after --duration', async () => {
    const {result} = await run({rate: 100, durationMs: 1500})
    expect(result.sent).toBeGreaterThanOrEqual(149)
    expect(result.sent).toBeLessThanOrEqual(151)
  })

  it('sends --rate max in large chunks up to the count', async () => {
    const {result, sink} = await run({rate: 'max', count: 10_001, chunkSize: 4000})
    expect(result.sent).toBe(10_001)
    expect(sink.sends.map((s) => s.records.length)).toEqual([4000, 4000, 2001])
  })

  it('reproduces --classic: 100 records, a 1–3 s pause after each one, the same pauses for the same seed', async () => {
    const first = await run({classic: true})
    expect(first.result.sent).toBe(100)
    const times = first.sink.sends.map((s) => s.at)
    const pauses = times.slice(1).map((t, i) => t - times[i])
    for (const pause of pauses) {
      expect(pause).toBeGreaterThanOrEqual(1000)
      expect(pause).toBeLessThanOrEqual(2999)
    }
    expect(new Set(pauses).size).toBeGreaterThan(50)
    // The pause after the last record is part of the run, as in the original.
    expect(first.result.durationMs).toBeGreaterThanOrEqual(times[99] + 1000)
    const second = await run({classic: true})
    expect(second.sink.sends.map((s) => s.at)).toEqual(times)
    // Pacing never changes the records themselves: a seeded classic run has the records of a seeded fast run.
    const fast = await run({rate: 'max', count: 100, startTime: 0, timeStepMs: 1})
    const classicSynthetic = await run({classic: true, startTime: 0, timeStepMs: 1})
    expect(classicSynthetic.sink.sends.flatMap((s) => s.records)).toEqual(fast.sink.sends.flatMap((s) => s.records))
  })

  it('stops on the signal, flushes and reports only acknowledged records', async () => {
    const controller = new AbortController()
    const timers = virtualTimers()
    const sink = memorySink(timers)
    const result = await runGenerator({
      generator: 'alerts',
      brokers: [],
      rate: 1000,
      timers,
      openSink: async () => sink,
      signal: controller.signal,
      onRecords: () => {
        if (timers.time >= 500) controller.abort()
      },
    })
    expect(result.interrupted).toBe(true)
    expect(result.sent).toBe(sink.sends.reduce((n, s) => n + s.records.length, 0))
    expect(result.sent).toBeGreaterThan(450)
    expect(result.sent).toBeLessThan(520)
  })

  it('ends with a GeneratorFailure that says how many records were sent when the sink fails', async () => {
    const error = await run({rate: 'max', count: 20_000, chunkSize: 1000}, {failAfter: 5000}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GeneratorFailure)
    expect((error as GeneratorFailure).code).toBe('KAFKA_ERROR')
    expect((error as GeneratorFailure).result.sent).toBe(5000)
    expect((error as GeneratorFailure).message).toMatch(/5000 records were sent/)
  })

  it('gives identical records for the same seed and start time, and event times that follow the time step', async () => {
    const options = {generator: 'views' as const, rate: 'max' as const, count: 500, seed: 9, startTime: Date.UTC(2024, 0, 1), timeStepMs: 250}
    const a = (await run(options)).sink.sends.flatMap((s) => s.records)
    const b = (await run(options)).sink.sends.flatMap((s) => s.records)
    expect(a).toEqual(b)
    a.forEach((r, i) => expect(r.timestamp).toBe(Date.UTC(2024, 0, 1) + i * 250))
    expect(a[0].key).toBe(String(Date.UTC(2024, 0, 1) / 1000 + 1))
  })

  it('rejects a count, duration or rate that makes no sense', async () => {
    await expect(run({count: 0})).rejects.toThrow(/count/)
    await expect(run({durationMs: -1})).rejects.toThrow(/duration/)
    await expect(run({rate: 0})).rejects.toThrow(/rate/)
  })
})
