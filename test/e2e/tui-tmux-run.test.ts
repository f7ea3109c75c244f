/**
 * `sstream run leaderboard --tui` in a real terminal: the built CLI runs in a tmux pane on a fresh topic,
 * board and group while the test produces scores to Kafka; the screen is captured while the board fills
 * and again once it has changed; `p` pauses consumption (a score produced meanwhile shows as lag, not on
 * the board) and resumes it; `q` ends the run with exit code 0.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createGeneratorProducer, type GeneratorProducer} from '../../src/core/kafka/index.js'
import {connectRedis, createRedis} from '../../src/core/redis/index.js'
import {REDIS_KEYS} from '../../src/core/names.js'
import {BIN} from '../helpers/cli.js'
import {uniqueName} from '../helpers/names.js'
import {testConfig, TestServices} from '../helpers/services.js'
import {boardRows, requireTmux, TmuxPane, until} from '../helpers/tmux.js'

const services = new TestServices()
const redis = createRedis(testConfig.redisUrl)
const key = uniqueName('tui-run')
let producer: GeneratorProducer

async function send(...scores: Array<[string, number]>): Promise<void> {
  await producer.send(scores.map(([player, score]) => ({key: player, value: String(score), timestamp: Date.now()})))
}

const board = (screen: string): Array<[number, string, number]> => boardRows(screen).map((r) => [r.rank, r.name, r.score])

describe('run leaderboard --tui in a real terminal (tmux)', () => {
  const pane = new TmuxPane()
  let command: string[]

  beforeAll(async () => {
    requireTmux()
    const [input, deadLetters] = await services.topics(['tui-scores', 'tui-dlq'])
    const group = services.groupId('tui-run')
    await connectRedis(redis, testConfig.redisUrl)
    services.defer(async () => {
      await redis.del(key, `${REDIS_KEYS.offsetsPrefix}${key}`)
    })
    producer = await createGeneratorProducer({brokers: testConfig.kafkaBrokers, topic: input})
    command = [BIN, 'run', 'leaderboard', '--tui', '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--group-id', group]
  })

  afterAll(async () => {
    await pane.kill()
    await producer?.close()
    await services.cleanup()
    redis.disconnect()
  })

  it('shows the board as scores arrive, pauses and resumes consumption on p, and exits 0 on q', async () => {
    await pane.start(command)
    await until(() => pane.capture(), (s) => s.includes('● running') && s.includes('kafka ●'), 'the running view')

    await send(['Kathy', 20], ['Bob', 17], ['Kathy', 3])
    const first = await until(() => pane.capture(), (s) => board(s).length === 2 && board(s)[0][2] === 23, 'the first board')
    expect(first).toContain('Leaderboard')
    expect(first).toContain(key)
    expect(board(first)).toEqual([
      [1, 'Kathy', 23],
      [2, 'Bob', 17],
    ])
    expect(first).toContain('q quit')

    await send(['Bob', 30], ['Sam', 5])
    const second = await until(() => pane.capture(), (s) => board(s)[0]?.[1] === 'Bob' && board(s).length === 3, 'the changed board')
    expect(second).not.toBe(first)
    expect(board(second)).toEqual([
      [1, 'Bob', 47],
      [2, 'Kathy', 23],
      [3, 'Sam', 5],
    ])
    const rows = boardRows(second)
    expect(Math.abs(rows[1].bar / rows[0].bar - 23 / 47)).toBeLessThan(0.05)
    expect(second).toMatch(/Bob .*↑ \+30/)
    expect(second).toMatch(/Sam .*new/)
    expect(second.match(/Leaderboard {2}/g)).toHaveLength(1)
    // The processor's figures, from its stats events.
    await until(() => pane.capture(), (s) => /in 5 │ out 5 │ lag 0/.test(s), 'the status bar figures')

    // p: consumption stops; a score sent now waits in the topic (lag 1) and the board does not move.
    await pane.press('p')
    await until(() => pane.capture(), (s) => s.includes('❚❚ paused') && s.includes('p resume'), 'the paused view')
    await send(['Mike', 100])
    const paused = await until(() => pane.capture(), (s) => /lag 1\b/.test(s), 'the waiting score as lag', 20_000)
    expect(board(paused).map(([, name]) => name)).toEqual(['Bob', 'Kathy', 'Sam'])
    expect(await redis.zscore(key, 'Mike')).toBeNull()

    // p again: consumption resumes and the waiting score reaches the board.
    await pane.press('p')
    const resumed = await until(() => pane.capture(), (s) => board(s)[0]?.[1] === 'Mike', 'the score after resuming')
    expect(board(resumed)[0]).toEqual([1, 'Mike', 100])
    expect(resumed).toContain('● running')

    await pane.press('q')
    const status = await until(() => pane.exitStatus(), (s) => s !== null, 'the process to exit after q', 20_000)
    expect(status).toBe(0)
    const last = await pane.capture()
    expect(last).toContain('■ stopped')
    expect(last).toMatch(/Stopped \(q\) after .*6 records in/)
  })
})
