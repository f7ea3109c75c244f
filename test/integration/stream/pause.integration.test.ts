/**
 * `RunOptions.pause` (the live view's `p`) against the real broker: a run that starts paused fetches
 * nothing until resumed, a pause in the middle stops consumption (records produced meanwhile show as lag
 * and reach the sink only after the resume), and every record is processed exactly once in the end.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {runPipeline} from '../../../src/core/pipelines/run.js'
import type {PipelineDefinition, StatsEvent, StoreSink} from '../../../src/core/stream/types.js'
import {PauseGate} from '../../../src/core/async.js'
import {TestServices} from '../../helpers/services.js'
import {brokers, produce, waitFor, type SeedRecord} from './fixtures.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

/** A store sink that keeps what it is given, in memory. */
function memorySink(): StoreSink<string> & {items: string[]} {
  const items: string[] = []
  return {kind: 'store', name: 'memory', service: 'redis', items, open: async () => undefined, write: async (batch) => void items.push(...batch), close: async () => undefined}
}

const records = (from: number, count: number): SeedRecord[] =>
  Array.from({length: count}, (_, i) => ({partition: (from + i) % 3, key: `k${from + i}`, value: `v${from + i}`, timestamp: Date.now()}))

describe('pausing a run', () => {
  it('fetches nothing while paused and resumes where it stopped, exactly once', async () => {
    const [input, deadLetters] = await services.topics(['pause-in', 'pause-dlq'])
    const groupId = services.groupId('pause')
    const sink = memorySink()
    const definition: PipelineDefinition<string> = {
      name: 'pause-test',
      inputTopic: input,
      deadLetterTopic: deadLetters,
      decode: (record) => record.valueBytes()?.toString('utf8') ?? '',
      perRecord: [{name: 'memory', map: (value) => value, sink}],
    }
    const gate = new PauseGate()
    gate.set(true)
    let stats: StatsEvent | undefined
    const stop = new AbortController()
    const run = runPipeline(definition, {brokers, groupId, signal: stop.signal, statsIntervalMs: 300, pause: gate, onEvent: (e) => void (e.type === 'stats' && (stats = e))})

    // Paused from the start: the records wait in the topic, seen as lag.
    await waitFor(() => stats, (s) => s?.lag === 0 && s.partitions.length === 3, {what: 'the empty input known', timeoutMs: 30_000})
    await produce(input, records(0, 12))
    await waitFor(() => stats, (s) => s?.lag === 12, {what: 'lag 12 while paused', timeoutMs: 20_000})
    expect(sink.items).toEqual([])
    expect(stats?.recordsIn).toBe(0)

    gate.set(false)
    await waitFor(() => sink.items.length, (n) => n === 12, {what: 'the first records after resuming', timeoutMs: 20_000})

    // Paused in the middle of the run.
    gate.set(true)
    await produce(input, records(12, 6))
    await waitFor(() => stats, (s) => s?.lag === 6, {what: 'lag 6 while paused', timeoutMs: 20_000})
    expect(sink.items).toHaveLength(12)

    gate.set(false)
    await waitFor(() => sink.items.length, (n) => n === 18, {what: 'the rest after resuming', timeoutMs: 20_000})
    stop.abort()
    const summary = await run
    expect(summary.recordsIn).toBe(18)
    expect([...sink.items].sort()).toEqual(records(0, 18).map((r) => r.value).sort())
  })
})
