/**
 * `run leaderboard` against the real Kafka and Redis: the board equals the sum of the scores on the input
 * topic, computed here independently; broken records are dead-lettered; --reset rebuilds the board from the
 * start; two processes in one group give the same board as one.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {runGenerator} from '../../../src/core/generators/index.js'
import {runLeaderboard, type BoardPipelineEvent} from '../../../src/core/pipelines/leaderboard.js'
import {connectRedis, createRedis, offsetsKeyFor} from '../../../src/core/redis/index.js'
import {DEAD_LETTER_HEADERS} from '../../../src/core/stream/index.js'
import {lastJson, runCli} from '../../helpers/cli.js'
import {uniqueName} from '../../helpers/names.js'
import {TestServices, testConfig} from '../../helpers/services.js'
import {brokers, produce, readCommitted, waitFor} from '../stream/fixtures.js'
import {startProcessor} from '../stream/processor.js'
import {boardScores, deleteKeys, expectedBoard, seedScores} from './leaderboard-data.js'

const services = new TestServices()

afterAll(async () => {
  await services.cleanup()
})

function freshKey(): string {
  const key = uniqueName('test-board')
  services.defer(() => deleteKeys([key, offsetsKeyFor(key)]))
  return key
}

describe('run leaderboard against Kafka and Redis', () => {
  it('keeps each player at the sum of their scores and dead-letters what is not a score', async () => {
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const groupId = services.groupId('leaderboard')
    const key = freshKey()
    const records = seedScores({count: 30_000, seed: 11, brokenEvery: 997})
    await produce(input, records)
    const expected = expectedBoard(records)
    const broken = records.filter((r) => r.score === undefined)
    expect(broken.length).toBeGreaterThan(20)

    const events: BoardPipelineEvent[] = []
    const options = {brokers, groupId, inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 1500, untilIdle: true, onEvent: (e: BoardPipelineEvent) => events.push(e)}
    const first = await runLeaderboard(options)
    expect(first.stoppedBy).toBe('until-idle')
    expect(first.recordsIn).toBe(records.length)
    expect(first.deadLettered).toBe(broken.length)
    expect(await boardScores(key)).toEqual(expected)
    // The final board event and the result carry the same board, ranked.
    const ranked = Object.entries(expected).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))
    expect(first.board.rows?.map((r) => [r.member, r.score])).toEqual(ranked)
    expect(events.filter((e) => e.type === 'board').at(-1)).toMatchObject({type: 'board', key, rows: first.board.rows})

    const dead = await readCommitted(deadLetters)
    expect(dead.map((d) => d.value).sort()).toEqual(broken.map((r) => r.value).sort())
    for (const d of dead) expect(d.headers).toMatchObject({[DEAD_LETTER_HEADERS.pipeline]: 'leaderboard', [DEAD_LETTER_HEADERS.reason]: 'bad-value', [DEAD_LETTER_HEADERS.sourceTopic]: input})

    // More scores, same group: only the new ones are added.
    const more = seedScores({count: 3000, seed: 12})
    await produce(input, more)
    const second = await runLeaderboard({...options, onEvent: undefined})
    expect(second.recordsIn).toBe(more.length)
    expect(await boardScores(key)).toEqual(expectedBoard([...records, ...more]))

  })

  it('rebuilds the board from the start of the input with --reset, in the same group', async () => {
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const key = freshKey()
    const records = seedScores({count: 5000, seed: 13})
    await produce(input, records)
    // Bounded, so that a reset that does not rebuild fails on the counts instead of hanging.
    const options = {brokers, groupId: services.groupId('lb-reset'), inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, idleTimeoutMs: 1500, untilIdle: true, durationMs: 60_000}
    await runLeaderboard(options)
    expect(await boardScores(key)).toEqual(expectedBoard(records))
    const reset = await runLeaderboard({...options, reset: true})
    expect(reset.board.reset).toBe(true)
    expect(reset.stoppedBy).toBe('until-idle')
    expect(reset.recordsIn).toBe(records.length)
    expect(await boardScores(key)).toEqual(expectedBoard(records))
  })

  it('gives the same board with two processes in one group as with one', async () => {
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const early = seedScores({count: 100_000, seed: 21, brokenEvery: 5003})
    const late = seedScores({count: 50_000, seed: 22, brokenEvery: 5003})
    const records = [...early, ...late]
    const expected = expectedBoard(records)
    const common = ['run', 'leaderboard', '--input-topic', input, '--deadletter-topic', deadLetters, '--idle-timeout', '3s', '--until-idle', '--board-interval', '1s']

    // Two processes: the second joins while the first is working (partitions move between them mid-run),
    // and more scores arrive once both are in the group.
    await produce(input, early)
    const twoKey = freshKey()
    const twoGroup = services.groupId('lb-two')
    const a = startProcessor([...common, '--group-id', twoGroup, '--key', twoKey])
    await a.waitForEvent((e) => e.type === 'board' && Array.isArray(e.rows) && e.rows.length > 0)
    const b = startProcessor([...common, '--group-id', twoGroup, '--key', twoKey])
    await b.waitForEvent((e) => e.type === 'assigned')
    await produce(input, late)
    const [aExit, bExit] = await Promise.all([a.exited, b.exited])
    expect(aExit.code, a.stderr()).toBe(0)
    expect(bExit.code, b.stderr()).toBe(0)
    const summaries = [a, b].map((p) => p.events.at(-1)!)
    expect(summaries.map((s) => s.type)).toEqual(['summary', 'summary'])
    expect(summaries.every((s) => Number(s.recordsIn) > 0)).toBe(true)
    expect(summaries.reduce((sum, s) => sum + Number(s.recordsIn), 0)).toBeGreaterThanOrEqual(records.length)

    // One process over the same input.
    const oneKey = freshKey()
    const one = startProcessor([...common, '--group-id', services.groupId('lb-one'), '--key', oneKey])
    const oneExit = await one.exited
    expect(oneExit.code, one.stderr()).toBe(0)

    const oneBoard = await boardScores(oneKey)
    expect(oneBoard).toEqual(expected)
    expect(await boardScores(twoKey)).toEqual(oneBoard)
  })

  it('refuses a board whose stored offsets run past the end of its input (a topic created again), naming --reset', async () => {
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const key = freshKey()
    const records = seedScores({count: 300, seed: 41})
    await produce(input, records)
    // Offsets stored for an earlier topic of the same name: far past what this one holds.
    const redis = createRedis(testConfig.redisUrl)
    await connectRedis(redis, testConfig.redisUrl)
    await redis.hset(offsetsKeyFor(key), `${input}:0`, '1000000')
    redis.disconnect()
    const args = ['run', 'leaderboard', '--group-id', services.groupId('lb-ahead'), '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--until-idle', '--idle-timeout', '1s', '--json']
    const refused = await runCli(args, {timeoutMs: 60_000})
    expect(refused.code, refused.stderr).toBe(1)
    const error = lastJson<{error: {code: string; message: string; nextSteps: string[]}}>(refused.stdout).error
    expect(error.code).toBe('STORE_AHEAD')
    expect(error.message).toContain(`${input}:0`)
    expect(error.nextSteps.join(' ')).toContain('sstream run leaderboard --reset')
    expect(await boardScores(key)).toEqual({})

    // --reset starts the board afresh: every record counted.
    const reset = await runCli([...args, '--reset'], {timeoutMs: 60_000})
    expect(reset.code, reset.stderr).toBe(0)
    expect(await boardScores(key)).toEqual(expectedBoard(records))
  })

  it('keeps up with a live feed without a Kafka hiccup: back-to-back offset commits are asked again, not failed', async () => {
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const key = freshKey()
    const events: BoardPipelineEvent[] = []
    const stop = new AbortController()
    const running = runLeaderboard({brokers, groupId: services.groupId('lb-live'), inputTopic: input, deadLetterTopic: deadLetters, redisUrl: testConfig.redisUrl, key, signal: stop.signal, onEvent: (e) => events.push(e)})
    // Many small batches, each committed in a transaction of offsets only, right after the previous one.
    const fed = await runGenerator({generator: 'scores', brokers, topic: input, rate: 5000, count: 30_000, seed: 7})
    expect(fed.sent).toBe(30_000)
    await waitFor(async () => Object.values(await boardScores(key)).reduce((a, b) => a + b, 0), () => events.some((e) => e.type === 'stats' && e.recordsIn >= 30_000), {what: 'every score on the board', intervalMs: 200, timeoutMs: 60_000})
    stop.abort()
    const summary = await running
    expect(summary.recordsIn).toBe(30_000)
    const down = events.filter((e) => e.type === 'status' && e.state === 'down')
    expect(down, JSON.stringify(down.slice(0, 3))).toEqual([])
  })

  it('prints the board like the original printer in plain mode, scores as Java doubles', async () => {
    const [input, deadLetters] = await services.topics(['scores', 'dlq'])
    const key = freshKey()
    const records = seedScores({count: 2000, seed: 31})
    await produce(input, records)
    const args = ['run', 'leaderboard', '--group-id', services.groupId('lb-plain'), '--input-topic', input, '--deadletter-topic', deadLetters, '--key', key, '--until-idle', '--idle-timeout', '1s']
    const result = await runCli(args)
    expect(result.code, result.stderr).toBe(0)
    const lines = result.stdout.trim().split('\n')
    for (const line of lines) expect(line).toMatch(/^Leaderboard - [1-4] : (Bob|Mike|Kathy|Sam) = \d+\.0$/)
    const ranked = Object.entries(expectedBoard(records)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1))
    expect(lines.slice(-4)).toEqual(ranked.map(([player, score], i) => `Leaderboard - ${i + 1} : ${player} = ${score}.0`))
    expect(result.stderr).toMatch(/Stopped \(until-idle\).*2000 records in/)
  })
})
