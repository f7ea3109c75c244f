/**
 * A stage-2 task commits its markers only every thousand offsets while they produce nothing; what it read
 * beyond its last commit is `uncommitted`, for the host to commit once the partition is quiet.
 */
import {describe, expect, it} from 'vitest'

import {MergeTask} from '../../../src/core/stream/merge-task.js'
import {encodeMarker, encodePartial} from '../../../src/core/stream/repartition.js'
import {inputRecord} from '../../../src/core/stream/types.js'
import {sumPipeline} from './helpers.js'

const T0 = 1_700_000_000_000

const record = (offset: number, value: string) => inputRecord({topic: 'rep', partition: 0, offset, timestamp: T0, key: null, value})
const marker = (offset: number, sp: number, wm: number) => record(offset, encodeMarker({wm, sp, idle: false}))

function mergeTask(): MergeTask {
  return new MergeTask({definition: sumPipeline().definition, repartitionTopic: 'rep', partition: 0, sourcePartitions: 2})
}

describe('a stage-2 task that reads only markers', () => {
  it('commits nothing with them, and says it has progress no commit recorded until one does', () => {
    const task = mergeTask()
    expect(task.uncommitted).toBe(false)
    const out = task.process([marker(0, 0, T0), marker(1, 1, T0), marker(2, 0, T0 + 5000)])
    expect(out.commit).toBe(false)
    expect(task.uncommitted).toBe(true)
    const checkpoint = task.checkpoint()
    expect(checkpoint.offset).toBe(3)
    task.markCommitted(checkpoint.offset)
    expect(task.uncommitted).toBe(false)
    // Past a transaction marker: progress again.
    task.advanceTo(4)
    expect(task.uncommitted).toBe(true)
  })

  it('with a window open, has progress to commit only where the restart point moved', () => {
    const task = mergeTask()
    task.restore({offset: 10, metadata: null})
    expect(task.uncommitted).toBe(false)
    task.process([record(10, encodePartial({w: T0, k: 'a', a: {sum: 1, count: 1}, sp: 0})), marker(11, 0, T0), marker(12, 1, T0)])
    // The window of offset 10 is open: the restart point stays there, as committed.
    expect(task.openWindows).toBe(1)
    expect(task.checkpoint().offset).toBe(10)
    expect(task.uncommitted).toBe(false)
  })
})
