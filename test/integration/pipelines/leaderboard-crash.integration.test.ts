/**
 * Crash test: `run leaderboard --json` as a child process, killed with SIGKILL at random points while it
 * works (6 times) and restarted; at the end every player's score equals the sum of their scores on the
 * input topic — no increment lost or doubled.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {connectRedis, createRedis, offsetsKeyFor, readBoardOffsets} from '../../../src/core/redis/index.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices, testConfig} from '../../helpers/services.js'
import {produce, seeded, waitFor} from '../stream/fixtures.js'
import {startProcessor} from '../stream/processor.js'
import {boardScores, deleteKeys, expectedBoard, seedScores, type SeedScore} from './leaderboard-data.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

async function storedTotal(key: string): Promise<number> {
  const client = createRedis(testConfig.redisUrl)
  try {
    await connectRedis(client, testConfig.redisUrl)
    return Object.values(await readBoardOffsets(client, key)).reduce((sum, n) => sum + n, 0)
  } finally {
    client.disconnect()
  }
}

describe('leaderboard survives kill -9', () => {
  it('ends with exact scores after 6 SIGKILLs at random points and restarts', async () => {
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const groupId = services.groupId('crash-leaderboard')
    const key = uniqueName('test-board')
    services.defer(() => deleteKeys([key, offsetsKeyFor(key)]))
    const args = ['run', 'leaderboard', '--group-id', groupId, '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--idle-timeout', '2s', '--board-interval', '500ms']
    const random = seeded(4242)
    const produced: SeedScore[] = []
    const kills: Array<{run: number; delayMs: number; storedBefore: number; storedAtKill: number; produced: number}> = []

    for (let run = 0; run < 6; run++) {
      const chunk = seedScores({count: 60_000, seed: 100 + run, brokenEvery: 4001, offset: run})
      produced.push(...chunk)
      // The first slice is there before the processor starts; the rest keeps arriving while it runs, so the
      // kill lands mid-stream however fast the processor is.
      const slices = Array.from({length: 20}, (_, i) => chunk.slice(i * 3000, (i + 1) * 3000))
      await produce(input, slices[0])
      const storedBefore = await storedTotal(key)
      const processor = startProcessor(args)
      const producing = (async () => {
        await waitFor(async () => processor.events.some((e) => e.type === 'assigned'), (assigned) => assigned, {what: 'assignment', intervalMs: 20})
        for (const slice of slices.slice(1)) {
          await produce(input, slice)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      })()
      // Once it has stored some progress, kill it at a random point.
      await waitFor(() => storedTotal(key), (stored) => stored > storedBefore, {what: 'progress', intervalMs: 20})
      const delayMs = Math.floor(random() * 1000)
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      processor.kill('SIGKILL')
      const exit = await processor.exited
      expect(exit.signal).toBe('SIGKILL')
      kills.push({run, delayMs, storedBefore, storedAtKill: await storedTotal(key), produced: produced.length})
      await producing
    }
    // Most kills land while the processor is adding scores (some stored progress, not all of it).
    const midway = kills.filter((k) => k.storedAtKill > k.storedBefore && k.storedAtKill < k.produced)
    expect(midway.length, JSON.stringify(kills)).toBeGreaterThanOrEqual(3)

    const last = startProcessor([...args, '--until-idle'])
    const exit = await last.exited
    expect(exit.code, last.stderr()).toBe(0)
    expect(last.events.at(-1)).toMatchObject({type: 'summary', stoppedBy: 'until-idle'})
    expect(await storedTotal(key)).toBe(produced.length)
    expect(await boardScores(key)).toEqual(expectedBoard(produced))
  })
})
