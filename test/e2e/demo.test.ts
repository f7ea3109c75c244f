/**
 * `sstream demo` as a user runs it, without a terminal: the built CLI on the default topics, tables, keys
 * and groups (the demo's contract: `watch` and `status` elsewhere show the same). Run twice in a row, as a
 * user would: all five patterns with --json, then one pattern with plain lines. The summaries are checked
 * against what the processors left in Redis and MariaDB.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {DemoResult} from '../../src/core/demo/index.js'
import {createMariaPool, type Pool} from '../../src/core/mariadb/index.js'
import {PIPELINES, REDIS_KEYS, TABLES, TOPICS} from '../../src/core/names.js'
import {connectRedis, createRedis, offsetsKeyFor, readBoardOffsets} from '../../src/core/redis/index.js'
import {runCli} from '../helpers/cli.js'
import {testConfig} from '../helpers/services.js'

type Event = Record<string, unknown> & {type: string; pipeline?: string}

const redis = createRedis(testConfig.redisUrl)
let pool: Pool | undefined

const sum = (offsets: Record<string, number>): number => Object.values(offsets).reduce((a, b) => a + b, 0)
const storedOffsets = async (key: string): Promise<number> => sum(await readBoardOffsets(redis, key))

describe('sstream demo', () => {
  beforeAll(async () => {
    await connectRedis(redis, testConfig.redisUrl)
  })

  afterAll(async () => {
    redis.disconnect()
    await pool?.end()
  })

  it('all --duration 30 --json: runs to the end, exit 0, NDJSON events, every pipeline processed records', async () => {
    // Before: the stored offsets of the boards (the demo creates the schema, so MariaDB comes after).
    const leaderboardBefore = await storedOffsets(REDIS_KEYS.playerLeaderboard)
    const topicsBefore = await storedOffsets(REDIS_KEYS.topicsLeaderboard)
    const startedAt = new Date(Date.now() - 1000)

    const result = await runCli(['demo', 'all', '--duration', '30', '--json'], {timeoutMs: 150_000})
    expect(result.code, result.stderr).toBe(0)
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event)
    const summary = events.at(-1) as unknown as DemoResult & {type: string}
    expect(summary.type).toBe('summary')
    expect(summary.stoppedBy).toBe('duration')
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(30_000)
    expect(summary.pipelines.map((p) => p.pipeline)).toEqual([...PIPELINES])
    for (const p of summary.pipelines) {
      expect(p.generated, p.pipeline).toBeGreaterThan(0)
      expect(p.processed, p.pipeline).toBeGreaterThan(0)
      expect(p.results, p.pipeline).toBeGreaterThan(0)
      expect(p.deadLettered, p.pipeline).toBe(0)
    }
    const outputs = Object.fromEntries(summary.pipelines.map((p) => [p.pipeline, p.outputs]))
    expect(outputs.analytics[TABLES.orderSummary]).toBeGreaterThan(0)
    expect(outputs.alerts[TOPICS.alertsCritical]).toBeGreaterThan(0)
    expect(outputs.predictions[TOPICS.sentimentOutput]).toBeGreaterThan(0)
    expect(outputs.views[TABLES.userViewSummary]).toBeGreaterThan(0)

    // The NDJSON stream: the steps, then each pipeline's own events, before the summary.
    const steps = events.filter((e) => e.type === 'step').map((e) => e.message as string)
    expect(steps.some((m) => m.startsWith('Topics, tables and Redis ready'))).toBe(true)
    expect(steps.some((m) => m.startsWith('Sentiment service'))).toBe(true)
    for (const pipeline of PIPELINES) {
      expect(events.some((e) => e.type === 'started' && e.pipeline === pipeline), pipeline).toBe(true)
      expect(events.some((e) => e.type === 'stats' && e.pipeline === pipeline), pipeline).toBe(true)
      expect(events.some((e) => e.type === 'generator' && e.pipeline === pipeline), pipeline).toBe(true)
    }
    const predictions = events.filter((e) => e.type === 'result' && e.pipeline === 'predictions')
    expect(predictions).toHaveLength(outputs.predictions[TOPICS.sentimentOutput])

    // What the processors left behind backs the summary: each board's stored offsets moved by the points the
    // run counted as added to it (no record is dead-lettered here). A point the board already held — written
    // by an earlier run that stopped before its Kafka commit — is replayed, skipped and not counted; a point
    // added in a batch whose commit then failed is counted all the same. Only a store write cut off by the
    // end of the stop budget can move a board without being counted, hence the small margin above.
    const leaderboardMoved = (await storedOffsets(REDIS_KEYS.playerLeaderboard)) - leaderboardBefore
    expect(leaderboardMoved).toBeGreaterThanOrEqual(outputs.leaderboard[REDIS_KEYS.playerLeaderboard])
    expect(leaderboardMoved).toBeLessThanOrEqual(outputs.leaderboard[REDIS_KEYS.playerLeaderboard] + 50)
    const topicsMoved = (await storedOffsets(REDIS_KEYS.topicsLeaderboard)) - topicsBefore
    expect(topicsMoved).toBeGreaterThanOrEqual(outputs.views[REDIS_KEYS.topicsLeaderboard])
    expect(topicsMoved).toBeLessThanOrEqual(outputs.views[REDIS_KEYS.topicsLeaderboard] + 50)
    pool = createMariaPool(testConfig.mariadbUrl, {connectionLimit: 1})
    const [{rows}] = (await pool.query(`SELECT COUNT(*) AS \`rows\` FROM ${TABLES.orderSummary} WHERE UPDATED_AT >= ?`, [startedAt])) as Array<{rows: bigint}>
    expect(Number(rows)).toBeGreaterThanOrEqual(outputs.analytics[TABLES.orderSummary])
  })

  it('leaderboard --duration 10, right after: progress lines on stderr and the summary table on stdout', async () => {
    const before = await storedOffsets(REDIS_KEYS.playerLeaderboard)
    const result = await runCli(['demo', 'leaderboard', '--duration', '10', '--rate', '30'], {timeoutMs: 90_000})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('Topics, tables and Redis ready')
    expect(result.stderr).toContain('Running leaderboard for 10 s, 30 records/s per generator.')
    expect(result.stderr).toMatch(/leaderboard +[\d,]+ generated · [\d,]+ in \(\d+\/s\) · [\d,]+ out · lag \d+/)
    expect(result.stderr).not.toContain('Sentiment service')
    const row = /│ leaderboard\s+│ ([\d,]+)\s+│ ([\d,]+)\s+│ ([\d,]+)\s+│ player-leaderboard ([\d,]+)\s+│ 0\s+│ 0\s+│/.exec(result.stdout)
    expect(row, result.stdout).not.toBeNull()
    const [generated, processed, results] = row!.slice(1, 4).map((n) => Number(n.replace(/,/g, '')))
    expect(generated).toBeGreaterThan(100)
    expect(processed).toBeGreaterThan(0)
    expect(results).toBe(processed)
    expect((await storedOffsets(REDIS_KEYS.playerLeaderboard)) - before).toBeGreaterThanOrEqual(processed)
    expect(result.stdout).toContain('The demo ran its time after')
    expect(result.stdout).not.toContain('{')
  })
  it('starts afresh a board whose stored offsets belong to an earlier topic of the same name', async () => {
    // As after the local stack was wiped while Redis kept its data: offsets far past the topic's end.
    await redis.hset(offsetsKeyFor(REDIS_KEYS.playerLeaderboard), `${TOPICS.leaderboardsInput}:0`, '1000000000')
    const result = await runCli(['demo', 'leaderboard', '--duration', '6', '--rate', '30', '--json'], {timeoutMs: 90_000})
    expect(result.code, result.stderr).toBe(0)
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Event)
    expect(events.some((e) => e.type === 'step' && String(e.message).startsWith(`Cleared ${REDIS_KEYS.playerLeaderboard}`))).toBe(true)
    const summary = events.at(-1) as unknown as DemoResult
    expect(summary.pipelines[0].processed).toBeGreaterThan(0)
    const stored = await readBoardOffsets(redis, REDIS_KEYS.playerLeaderboard)
    expect(stored[`${TOPICS.leaderboardsInput}:0`] ?? 0).toBeLessThan(1_000_000_000)
  })
})
