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
import {MAX_EXACT_SCORE, POINT_DIGITS} from '../redis/leaderboard-sink.js'
import {runPipeline} from './run.js'
import {RecordError, type InputRecord, type PipelineDefinition, type PipelineEvent, type RunOptions, type RunSummary, type Sink, type StatusEvent} from '../stream/types.js'
import {checkKeyUtf8} from './common.js'
import {excerpt, FieldError, isWellFormed} from './validate.js'

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** What `plainDigits` reads for a record without a value, or with an empty one. */
const MISSING = -1

/**
 * A score record as the point it adds to the board: key = the player, value = the score as a decimal string
 * (the original's `7`). One object per record, the sink's item itself; the usual score, a few ASCII digits,
 * is read where the fetch left it (no view, no text), anything else as decimal text.
 */
export function decodePoint(record: InputRecord): BoardPoint {
  const digits = record.readValue(plainDigits, MISSING)
  if (digits === MISSING) throw new RecordError('missing-value', 'The record has no value.')
  const player = record.key
  if (player === null || player === '') throw new FieldError('player', 'the record has no key: the key names the player.')
  if (!isWellFormed(player)) throw new FieldError('player', 'the key has a lone surrogate, which Redis would store as another name.')
  checkKeyUtf8(record, 'player', 'the key names the player, and other bytes would read as the same name')
  return {member: player, delta: Number.isNaN(digits) ? record.readValue(decimalScore, Number.NaN) : digits, offset: record.offset}
}

/**
 * The value of up to 15 ASCII digits and nothing else, read from `bytes[start, end)` (no text made): below
 * 10^15, so exact and within ±MAX_EXACT_SCORE, and what Number() gives for the same text. MISSING for no
 * bytes, NaN for anything else.
 */
function plainDigits(bytes: Buffer, start: number, end: number): number {
  if (end === start) return MISSING
  if (end - start > 15) return Number.NaN
  let value = 0
  for (let i = start; i < end; i++) {
    const digit = bytes[i] - 0x30
    if (digit < 0 || digit > 9) return Number.NaN
    value = value * 10 + digit
  }
  return value
}

/** The parts of a decimal text DECIMAL accepts: integer digits, fraction digits, exponent. */
const DECIMAL_PARTS = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** A normal double's smallest magnitude: below it a double holds fewer than 15 significant digits. */
const MIN_NORMAL = 2.2250738585072014e-308

/**
 * Refuses a score whose decimal a double does not hold whole: more than POINT_DIGITS (15) significant digits
 * with a fraction (a whole number holds up to ±MAX_EXACT_SCORE, 16 digits), or too small for a double.
 */
function checkScoreDigits(text: string, score: number): void {
  const [, whole, fraction = '', exponent = '0'] = DECIMAL_PARTS.exec(text)!
  const digits = `${whole}${fraction}`.replace(/^0+/, '')
  const significant = digits.replace(/0+$/, '')
  if (significant === '') return
  if (score === 0 || Math.abs(score) < MIN_NORMAL) throw new FieldError('score', `${excerpt(text)} is too small for a Redis score (a double): it would be stored as another number.`)
  const places = Math.max(0, fraction.length - Number(exponent) - (digits.length - significant.length))
  if (places > 0 && significant.length > POINT_DIGITS) {
    throw new FieldError('score', `${excerpt(text)} has ${significant.length} significant digits; a Redis score (a double) holds ${POINT_DIGITS} of a fraction, and would lose the rest.`)
  }
}

/** A score written as decimal text (sign, fraction, exponent), checked: finite, within ±MAX_EXACT_SCORE, held whole by a double. */
function decimalScore(bytes: Buffer, start: number, end: number): number {
  const value = bytes.toString('utf8', start, end)
  const text = value.trim()
  if (!DECIMAL.test(text)) throw new FieldError('score', `${excerpt(value)} is not a number.`)
  const score = Number(text)
  if (!Number.isFinite(score)) throw new FieldError('score', `${excerpt(text)} is not a finite number.`)
  // A Redis score is a double: beyond 2^53 − 1 one point already loses units (the sink also keeps totals within it).
  if (Math.abs(score) > MAX_EXACT_SCORE) throw new FieldError('score', `${excerpt(text)} is beyond ±${MAX_EXACT_SCORE}, where a Redis score is no longer exact.`)
  checkScoreDigits(text, score)
  return score
}

export interface LeaderboardOptions {
  inputTopic: string
  deadLetterTopic: string
  /** Where the points go: the Redis board (leaderboardSink), or a test sink. */
  sink: Sink<BoardPoint>
}

export function leaderboardPipeline(options: LeaderboardOptions): PipelineDefinition<BoardPoint> {
  return {
    name: 'leaderboard',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodePoint,
    // The decoded point is the item: nothing more per record.
    perRecord: [{name: 'board', map: (point: BoardPoint): BoardPoint => point, sink: options.sink}],
  }
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
 * `boardIntervalMs` (skipped while Redis is down) and once at the end.
 *
 * Redis outages are `status` events: the engine's, when a write or an offset read fails, and the board
 * reader's, which is what notices while no record arrives (nothing is written then). One account of Redis's
 * state for both, so that each outage is said once and its end once: the reader says Redis is back only for
 * an outage that it said; one the engine said, the engine ends, when its writes go through again.
 */
export async function runBoardPipeline(definition: PipelineDefinition<unknown>, options: BoardRunOptions): Promise<BoardRunResult> {
  const {redisUrl, key, onEvent = () => undefined} = options
  if (options.reset) await resetBoardAt(redisUrl, key)
  /** Who said Redis is down, while it is. */
  let redisDown: 'engine' | 'reader' | undefined
  const status = (state: StatusEvent['state'], message: string): StatusEvent => ({
    type: 'status',
    pipeline: definition.name,
    service: 'redis',
    state,
    message,
    time: new Date().toISOString(),
  })
  const onEngineEvent = (event: PipelineEvent): void => {
    if (event.type === 'status' && event.service === 'redis') {
      if (event.state === 'down') {
        const saidBy = redisDown
        redisDown = 'engine'
        // Said already by the reader: the engine now has it, and says when Redis is back.
        if (saidBy === 'reader') return
      } else {
        if (!redisDown) return
        redisDown = undefined
      }
    }
    onEvent(event)
  }
  const reader = createRedis(redisUrl, {patient: true, failWhileDown: true})
  reader.on('error', () => undefined)
  const readNow = async (): Promise<BoardRow[] | null> => {
    try {
      if (reader.status === 'wait') await reader.connect()
      const rows = await readBoard(reader, key)
      if (redisDown === 'reader') {
        redisDown = undefined
        onEvent(status('ok', 'redis is reachable again.'))
      }
      return rows
    } catch (error) {
      const failure = toRedisError(error, redisUrl, `read ${key}`)
      if (failure.code === 'REDIS_UNREACHABLE' && !redisDown) {
        redisDown = 'reader'
        onEvent(status('down', failure.message))
      }
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
        onEngineEvent(event)
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
