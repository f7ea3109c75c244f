import {describe, expect, it} from 'vitest'

import {recordText} from '../../../src/core/pipelines/common.js'
import {SstreamError} from '../../../src/core/errors.js'
import {RecordError, type InputRecord, type PipelineDefinition} from '../../../src/core/stream/index.js'
import {runInMemory} from '../../../src/core/stream/test-driver.js'

/** A per-record stage that maps a whole batch at once: upper-cases each value, drops "skip", refuses "bad". */
function batchPipeline(mapBatch: (values: readonly string[], records: readonly InputRecord[]) => Array<string | null | RecordError> | Promise<Array<string | null | RecordError>>): PipelineDefinition<string> {
  return {
    name: 'upper',
    inputTopic: 'in',
    deadLetterTopic: 'dlq',
    decode: (record) => recordText(record),
    perRecord: [{name: 'upper', mapBatch, sink: {kind: 'topic', name: 'upper', topic: 'out', toMessage: (value: string) => ({key: null, value})}}],
  }
}

const answer = (values: readonly string[]): Array<string | null | RecordError> =>
  values.map((v) => (v === 'skip' ? null : v === 'bad' ? new RecordError('rejected', `${v} is refused`) : v.toUpperCase()))

describe('a per-record stage with mapBatch', () => {
  it('is called once per batch with the values and records in order; each answer is an item, none, or a dead letter', async () => {
    const calls: Array<{values: string[]; offsets: number[]}> = []
    const definition = batchPipeline((values, records) => {
      calls.push({values: [...values], offsets: records.map((r) => r.offset)})
      return answer(values)
    })
    const {results, deadLetters} = await runInMemory(definition, ['a', 'skip', 'bad', 'b', 'c'].map((value) => ({value})), {batchSize: 3})
    expect(calls).toEqual([
      {values: ['a', 'skip', 'bad'], offsets: [0, 1, 2]},
      {values: ['b', 'c'], offsets: [3, 4]},
    ])
    expect(results.map((r) => r.message?.value)).toEqual(['A', 'B', 'C'])
    expect(results.map((r) => r.source?.offset)).toEqual([0, 3, 4])
    expect(deadLetters).toEqual([expect.objectContaining({reason: 'rejected', offset: 2, message: 'bad is refused'})])
  })

  it('takes an async answer, and retries the whole call after an outage (a synchronous throw or a rejection)', async () => {
    for (const fail of ['throw', 'reject'] as const) {
      let calls = 0
      const definition = batchPipeline((values) => {
        calls++
        if (calls === 1) {
          const down = new SstreamError('SENTIMENT_UNREACHABLE', 'down')
          if (fail === 'throw') throw down
          return Promise.reject(down)
        }
        return Promise.resolve(answer(values))
      })
      const {results, deadLetters} = await runInMemory(definition, ['x', 'y'].map((value) => ({value})))
      expect(calls).toBe(2)
      expect(results.map((r) => r.message?.value)).toEqual(['X', 'Y'])
      expect(deadLetters).toEqual([])
    }
  })

  it('dead-letters every record of the call when it throws a RecordError', async () => {
    const definition = batchPipeline(() => {
      throw new RecordError('rejected', 'none of these')
    })
    const {results, deadLetters} = await runInMemory(definition, ['x', 'y'].map((value) => ({value})))
    expect(results).toEqual([])
    expect(deadLetters.map((d) => [d.offset, d.message])).toEqual([
      [0, 'none of these'],
      [1, 'none of these'],
    ])
  })

  it('fails as a bug when it answers a different number of results than records', async () => {
    const definition = batchPipeline((values) => values.slice(1))
    await expect(runInMemory(definition, ['x', 'y'].map((value) => ({value})))).rejects.toThrow('mapped 2 records to 1 results')
  })
})
