/**
 * Leaderboards (SPEC §4): scores (key = player, value = a decimal score) → the running total per player in
 * the Redis sorted set `player-leaderboard` (ZINCRBY by the score), no window. Exactly once: the consumed
 * offsets live in Redis next to the board and move in the same atomic unit as the increments they cover
 * (src/core/redis/leaderboard-sink.ts).
 *
 * `runBoardPipeline` runs a pipeline that writes a board (leaderboard, views) with what the original's
 * RedisManager did around it: optionally start the board afresh, and print it every few seconds.
 */
import {connectRedis, createRedis, leaderboardSink, readBoard, resetBoard, toRedisError, type BoardPoint, type BoardRow, type LeaderboardSink} from '../redis/index.js'
import {runPipeline} from '../stream/runtime.js'
import {RecordError, type InputRecord, type PipelineDefinition, type PipelineEvent, type RunOptions, type RunSummary, type Sink} from '../stream/types.js'
import {javaDouble, recordText} from './common.js'

export interface Score {
  player: string
  score: number
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** A score record: key = the player, value = the score as a decimal string (the original's `7`). */
export function decodeScore(record: InputRecord): Score {
  const text = recordText(record).trim()
  const player = record.key
  if (player === null || player === '') throw new RecordError('bad-value', 'The record has no key: the key names the player.')
  if (!DECIMAL.test(text)) throw new RecordError('bad-value', `The score "${text.slice(0, 40)}" is not a number.`)
  const score = Number(text)
  if (!Number.isFinite(score)) throw new RecordError('bad-value', `The score "${text.slice(0, 40)}" is not a finite number.`)
  return {player, score}
}

export interface LeaderboardOptions {
  inputTopic: string
  deadLetterTopic: string
  /** Where the points go: the Redis board (leaderboardSink), or a test sink. */
  sink: Sink<BoardPoint>
}

export function leaderboardPipeline(options: LeaderboardOptions): PipelineDefinition<Score> {
  return {
    name: 'leaderboard',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeScore,
    perRecord: [
      {
        name: 'board',
        map: (score: Score, record: InputRecord): BoardPoint => ({member: score.player, delta: score.score, offset: record.offset}),
        sink: options.sink,
      },
    ],
  }
}

/** The original printer's lines: `Leaderboard - 1 : Bob = 23.0` (the label is `Trending Topics` for topics). */
export function formatBoard(rows: BoardRow[], label = 'Leaderboard'): string[] {
  return rows.map((row) => `${label} - ${row.rank} : ${row.member} = ${javaDouble(row.score)}`)
}

// ---------------------------------------------------------------------------------------------------
// Running a board pipeline.

/** The board as read from Redis, every few seconds while a board pipeline runs, and once at the end. */
export interface BoardEvent {
  type: 'board'
  pipeline: string
  key: string
  rows: BoardRow[]
  time: string
}

export type BoardPipelineEvent = PipelineEvent | BoardEvent

export interface BoardRunOptions extends Omit<RunOptions, 'onEvent'> {
  redisUrl: string
  /** The sorted set. */
  key: string
  /** Delete the board and its stored offsets before starting: the pipeline rebuilds it from its input. */
  reset?: boolean
  /** How often the board is read and reported. Default 5000 (the original printer's pace). */
  boardIntervalMs?: number
  onEvent?: (event: BoardPipelineEvent) => void
}

export interface BoardRunResult extends RunSummary {
  board: {key: string; rows: BoardRow[] | null; reset: boolean}
}

/** The board sink a run writes through (Redis, exactly once). */
export function createBoardSink(options: Pick<BoardRunOptions, 'redisUrl' | 'key'>, name?: string): LeaderboardSink {
  return leaderboardSink({url: options.redisUrl, key: options.key, ...(name ? {name} : {})})
}

/** Deletes a board and its offsets together, with a clear error when Redis is unreachable. */
export async function resetBoardAt(url: string, key: string): Promise<string[]> {
  const client = createRedis(url)
  try {
    await connectRedis(client, url)
    return (await resetBoard(client, key)).deleted
  } catch (error) {
    throw toRedisError(error, url, `reset ${key}`)
  } finally {
    client.disconnect()
  }
}

/**
 * Runs a pipeline that writes the board `options.key`, reporting the board as `board` events every
 * `boardIntervalMs` (skipped while Redis is down: the engine's `status` events say so) and once at the end.
 */
export async function runBoardPipeline(definition: PipelineDefinition<unknown>, options: BoardRunOptions): Promise<BoardRunResult> {
  const {redisUrl, key, onEvent = () => undefined} = options
  if (options.reset) await resetBoardAt(redisUrl, key)
  const reader = createRedis(redisUrl, {patient: true, failWhileDown: true})
  reader.on('error', () => undefined)
  const readNow = async (): Promise<BoardRow[] | null> => {
    try {
      if (reader.status === 'wait') await reader.connect()
      return await readBoard(reader, key)
    } catch {
      return null
    }
  }
  const report = async (): Promise<BoardRow[] | null> => {
    const rows = await readNow()
    if (rows) onEvent({type: 'board', pipeline: definition.name, key, rows, time: new Date().toISOString()})
    return rows
  }
  let timer: NodeJS.Timeout | undefined
  try {
    const summary = await runPipeline(definition, {
      ...options,
      onEvent: (event) => {
        onEvent(event)
        if (event.type === 'started' && !timer) {
          void report()
          timer = setInterval(() => void report(), options.boardIntervalMs ?? 5000)
        }
      },
    })
    clearInterval(timer)
    timer = undefined
    const rows = await report()
    return {...summary, board: {key, rows, reset: options.reset ?? false}}
  } finally {
    clearInterval(timer)
    reader.disconnect()
  }
}

export interface RunLeaderboardOptions extends BoardRunOptions {
  inputTopic: string
  deadLetterTopic: string
}

/** `sstream run leaderboard`. */
export async function runLeaderboard(options: RunLeaderboardOptions): Promise<BoardRunResult> {
  const sink = createBoardSink(options)
  const definition = leaderboardPipeline({inputTopic: options.inputTopic, deadLetterTopic: options.deadLetterTopic, sink})
  return runBoardPipeline(definition as PipelineDefinition<unknown>, options)
}
