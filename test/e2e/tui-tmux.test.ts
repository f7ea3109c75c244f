/**
 * The live view in a real terminal: the built CLI runs in a tmux pane (a pseudo-terminal, so stdout is a
 * TTY and ink draws in place), the screen is captured twice while the board changes underneath, and `q`
 * ends the process with exit code 0. tmux must be installed (the CI script installs it).
 *
 * The view under test is `watch leaderboard` with the test changing the sorted set;
 * tui-tmux-run.test.ts does the same for `run leaderboard --tui` fed through Kafka.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {connectRedis, createRedis} from '../../src/core/redis/index.js'
import {BIN} from '../helpers/cli.js'
import {uniqueName} from '../helpers/names.js'
import {testConfig} from '../helpers/services.js'
import {boardRows, requireTmux, TmuxPane, until} from '../helpers/tmux.js'

const key = uniqueName('tui-tmux')
const redis = createRedis(testConfig.redisUrl)
const VIEW_COMMAND = [BIN, 'watch', 'leaderboard', '--key', key, '--interval', '300ms']

async function changeTheBoard(): Promise<void> {
  await redis.zincrby(key, 30, 'Bob')
  await redis.zadd(key, 5, 'Sam')
}

describe('the live view in a real terminal (tmux)', () => {
  const pane = new TmuxPane()

  beforeAll(async () => {
    requireTmux()
    await connectRedis(redis, testConfig.redisUrl)
    await redis.zadd(key, 23, 'Kathy', 17, 'Bob')
  })

  afterAll(async () => {
    await pane.kill()
    await redis.del(key)
    redis.disconnect()
  })

  it('draws the board, redraws it in place when it changes, and exits 0 on q', async () => {
    await pane.start(VIEW_COMMAND)

    const first = await until(() => pane.capture(), (s) => boardRows(s).length === 2 && s.includes('q quit'), 'the first board')
    expect(first).toContain('Leaderboard')
    expect(first).toContain(key)
    expect(boardRows(first).map((r) => [r.rank, r.name, r.score])).toEqual([
      [1, 'Kathy', 23],
      [2, 'Bob', 17],
    ])
    expect(first).toMatch(/● watching │ .* │ redis ●/)

    await changeTheBoard()
    const second = await until(() => pane.capture(), (s) => boardRows(s)[0]?.name === 'Bob', 'the changed board')
    expect(second).not.toBe(first)
    const rows = boardRows(second)
    expect(rows.map((r) => [r.rank, r.name, r.score])).toEqual([
      [1, 'Bob', 47],
      [2, 'Kathy', 23],
      [3, 'Sam', 5],
    ])
    // Bars proportional to the scores, the movement since the last change.
    expect(Math.abs(rows[1].bar / rows[0].bar - 23 / 47)).toBeLessThan(0.05)
    expect(second).toMatch(/Bob .*↑ \+30/)
    expect(second).toMatch(/Kathy .*↓/)
    expect(second).toMatch(/Sam .*new/)
    // Redrawn in place: one board on the screen, not two.
    expect(second.match(/Leaderboard {2}/g)).toHaveLength(1)

    await pane.press('q')
    const status = await until(() => pane.exitStatus(), (s) => s !== null, 'the process to exit after q', 15_000)
    expect(status).toBe(0)
    expect(await pane.capture()).toContain('■ stopped')
  })
})
