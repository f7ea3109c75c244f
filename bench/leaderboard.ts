/**
 * `run leaderboard` throughput, exactly once: 1 M scores preloaded by `gen scores` into a fresh 3-partition
 * topic, then the leaderboard pipeline (the code `sstream run leaderboard` runs) from the start of the topic
 * into a fresh Redis board, timed from the consumer's assignment until Redis's stored offsets cover every
 * record. For reference, a kafkajs consume-and-discard loop over the same topic (the ceiling). Every run checks
 * that the board equals the sum of the scores produced. Speed is reported here, never asserted.
 */
import {runGenerator} from '../src/core/generators/index.js'
import {KafkaAdmin} from '../src/core/kafka/index.js'
import {connectRedis, createRedis, offsetsKeyFor, readBoard, readBoardOffsets, type Redis} from '../src/core/redis/index.js'
import {kafkajsConsumeCeiling, kcatConsumeCeiling} from './ceiling.js'
import type {Benchmark, Measurement} from './lib.js'
import {processorFigures, timeToCommit} from './pipelines.js'

const PARTITIONS = 3

const uniqueSuffix = (): string => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`

async function storedTotal(client: Redis, key: string): Promise<number> {
  return Object.values(await readBoardOffsets(client, key)).reduce((sum, n) => sum + n, 0)
}

export const leaderboardBenchmark: Benchmark = {
  name: 'leaderboard',
  description: 'run leaderboard over 1 M preloaded scores, exactly once into Redis (target ≥ 100k records/s); kafkajs consume-and-discard as the ceiling',
  async run(ctx) {
    const count = Math.max(20_000, Math.round(1_000_000 * ctx.scale))
    const topic = `bench-scores-${uniqueSuffix()}`
    const deadLetters = `bench-dlq-${uniqueSuffix()}`
    const key = `bench-board-${uniqueSuffix()}`
    const groupId = `bench-leaderboard-${uniqueSuffix()}`
    const admin = await KafkaAdmin.connect(ctx.brokers)
    const redis = createRedis(ctx.redisUrl)
    await connectRedis(redis, ctx.redisUrl)
    try {
      await admin.ensureTopics([topic, deadLetters].map((t) => ({topic: t, partitions: PARTITIONS, replicationFactor: 1})))
      const expected = new Map<string, number>()
      const generated = await runGenerator({
        generator: 'scores',
        brokers: ctx.brokers,
        topic,
        rate: 'max',
        count,
        seed: 7,
        onRecords: (records) => {
          for (const r of records) expected.set(r.key!, (expected.get(r.key!) ?? 0) + Number(r.value))
        },
      })
      ctx.log(`preloaded ${generated.sent} scores`)

      const timed = await timeToCommit(
        count,
        'leaderboard',
        {brokers: ctx.brokers, groupId, inputTopic: topic, deadLetterTopic: deadLetters, redisUrl: ctx.redisUrl, key, boardIntervalMs: 60_000},
        async () => ((await storedTotal(redis, key)) >= count ? Date.now() : undefined),
      )
      const rate = timed.rate

      const board = await readBoard(redis, key)
      const wrong = board.filter((row) => row.score !== expected.get(row.member))
      if (wrong.length > 0 || board.length !== expected.size) throw new Error(`The board is not the sum of the scores: ${JSON.stringify(board)} vs ${JSON.stringify([...expected])}`)

      const ceiling = await kafkajsConsumeCeiling(ctx, topic, count)
      const kcat = await kcatConsumeCeiling(ctx, topic, count)
      ctx.log(`run leaderboard: ${Math.round(rate)} records/s (${(timed.processingMs / 1000).toFixed(2)} s); ceilings: kafkajs ${Math.round(ceiling)}, kcat ${Math.round(kcat)} records/s`)
      const measurement: Measurement = {
        id: 'pipeline.leaderboard.throughput',
        label: `run leaderboard, exactly once into Redis (${count.toLocaleString('en-US')} scores, ${PARTITIONS} partitions)`,
        unit: 'records/s',
        value: Math.round(rate),
        ceiling: Math.round(ceiling),
        kcatCeiling: Math.round(kcat),
        ratioTarget: 1,
        target: {op: '>=', value: 100_000},
        details: {
          records: count,
          partitions: PARTITIONS,
          processingMs: Math.round(timed.processingMs),
          recordsIn: timed.summary.recordsIn,
          startupCpuMs: Math.round(timed.startupCpuMs),
        },
      }
      return [measurement, ...processorFigures('pipeline.leaderboard', 'run leaderboard', count, timed)]
    } finally {
      await redis.del(key, offsetsKeyFor(key)).catch(() => undefined)
      redis.disconnect()
      await admin.deleteTopics([topic, deadLetters]).catch(() => undefined)
      await admin.deleteGroups([groupId]).catch(() => undefined)
      await admin.close()
    }
  },
}
