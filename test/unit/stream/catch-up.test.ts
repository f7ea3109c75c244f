/**
 * A positioned store stage (a Redis board) behind the group's commit: after a reset of the store, the
 * source task feeds it the records from its position up to the restored offset, and only it — nothing is
 * counted, windowed or dead-lettered again — while a commit keeps saying the restored checkpoint.
 */
import {describe, expect, it} from 'vitest'

import {inputRecord, RecordError, SourceTask, type InputRecord, type PipelineDefinition, type StoreSink} from '../../../src/core/stream/index.js'
import {memorySink, type Reading} from './helpers.js'

const T0 = Date.UTC(2024, 0, 1)

function board(): StoreSink<string> & {items: string[]} {
  const items: string[] = []
  return {kind: 'store', name: 'board', service: 'redis', items, open: async () => undefined, close: async () => undefined, write: async (batch) => void items.push(...batch), storedPosition: async () => undefined}
}

function definition(sink: StoreSink<string>): PipelineDefinition<Reading> {
  return {
    name: 'sums',
    inputTopic: 'in',
    deadLetterTopic: 'dlq',
    decode: (record: InputRecord) => {
      try {
        return JSON.parse(record.valueBytes()!.toString()) as Reading
      } catch {
        throw new RecordError('malformed-json', 'not JSON')
      }
    },
    perRecord: [{name: 'board', map: (value: Reading) => value.key, sink}],
    window: {name: 'sums', sizeMs: 5000, latenessMs: 1000, key: (v: Reading) => v.key, aggregator: {init: () => 0, add: (acc: number, v: Reading) => acc + v.n}, sink: memorySink('sums')},
  } as unknown as PipelineDefinition<Reading>
}

const record = (offset: number, key: string, value?: string): InputRecord => inputRecord({topic: 'in', partition: 0, offset, timestamp: T0 + offset * 4000, key: null, value: value ?? JSON.stringify({key, n: offset})})

/** The items the store writes of a task output would add to the board. */
const boardItems = (out: Awaited<ReturnType<SourceTask['process']>>): string[] => out.storeWrites.filter((w) => w.stage === 'board').flatMap((w) => w.items as string[])

describe('SourceTask catch-up of a positioned store stage', () => {
  it('feeds the records below the restored offset to the board only, and commits the restored checkpoint meanwhile', async () => {
    const records = [record(0, 'a'), record(1, 'b', 'not json'), record(2, 'a'), record(3, 'c'), record(4, 'b'), record(5, 'a'), record(6, 'c')]
    // A first run over offsets 0..3, committed.
    const first = new SourceTask({definition: definition(board()), partition: 0})
    const firstOut = await first.process(records.slice(0, 4))
    expect(firstOut.deadLetters).toHaveLength(1)
    expect(boardItems(firstOut)).toEqual(['a', 'a', 'c'])
    // Offsets 0..2 are in windows already closed and sent on; the open window holds offset 3.
    const committed = first.checkpoint()
    expect(committed.offset).toBe(3)

    // The board is reset (no stored position): catch up from offset 0.
    const task = new SourceTask({definition: definition(board()), partition: 0})
    task.restore(committed)
    task.setStoredPosition('board', undefined)
    task.catchUpFrom(0)
    expect(task.nextOffset).toBe(0)
    expect(task.catchingUp).toBe(true)

    const below = await task.process(records.slice(0, committed.offset))
    expect(below.recordsIn).toBe(0)
    expect(below.deadLetters).toHaveLength(0)
    expect(below.messages).toHaveLength(0)
    expect(below.commit).toBe(false)
    expect(task.checkpoint()).toEqual(committed)

    const rest = await task.process(records.slice(committed.offset))
    // Past the restored offset: the records seen before (replay) reach the board, and only those after
    // offset 3 are counted as new.
    expect(rest.recordsIn).toBe(records.length - 4)
    expect(rest.deadLetters).toHaveLength(0)
    expect([...boardItems(below), ...boardItems(rest)]).toEqual(['a', 'a', 'c', 'b', 'a', 'c'])
    expect(task.catchingUp).toBe(false)
  })

  it('does nothing when the store is not behind the restored offset', () => {
    const task = new SourceTask({definition: definition(board()), partition: 0})
    task.restore({offset: 10, metadata: null})
    task.catchUpFrom(12)
    expect(task.nextOffset).toBe(10)
    expect(task.catchingUp).toBe(false)
  })
})
