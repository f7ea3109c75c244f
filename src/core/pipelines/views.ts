/**
 * Web analytics (SPEC §4, the original's WebsiteViewsAnalytics): views `"<ts>","<user>","<topic>",<minutes>`
 * with event time = the CSV timestamp, and two outputs from one consumer:
 * (1) tumbling 5 s windows by user with 5 s lateness: minutes viewed and number of views, written once per
 *     (window, user) when the window closes (MariaDB `user_view_summary`, idempotent upsert);
 * (2) one point per view for its topic in the Redis sorted set `topics-leaderboard`, exactly once (the
 *     offsets live next to the board). A view too late for its user window still counts for its topic, as
 *     in the original, where the topic board has no watermark.
 * Both halves hang off the same input offsets: the board's stored offsets are never behind the group's
 * commit, so after a crash each half resumes exactly where its own output stopped.
 */
import {columnType, type ColumnType} from '../mariadb/schema.js'
import {userViewSummarySink} from '../mariadb/window-sink.js'
import {TABLES} from '../names.js'
import type {BoardPoint} from '../redis/index.js'
import {RecordError, type Aggregator, type InputRecord, type PipelineDefinition, type Sink, type WindowResult} from '../stream/types.js'
import {checkRecordUtf8, recordText} from './common.js'
import {addExact, incrementExact, toNumber, type ExactInteger} from './exact.js'
import {createBoardSink, runBoardPipeline, type BoardRunOptions, type BoardRunResult} from './leaderboard.js'
import {quotedFieldEnd, quotedTimestamp, RecentTexts, scanned, type FieldBytes} from './quoted-bytes.js'
import {eventTimeCheck, checkVarchar, excerpt, FieldError, intRange, readEventTimestamp} from './validate.js'

export interface View {
  time: number
  user: string
  topic: string
  minutes: number
}

export interface UserViews {
  minutes: number
  views: number
}

/** The fields of a view read by `splitView` (no array per record). */
const split = ['', '', '', '']

/**
 * What `text.replaceAll('"', '').split(',')` gives when the text has four comma-separated fields, each bare or
 * wholly quoted (`"<ts>","<user>","<topic>",<minutes>`), without its copies: into `split`. False for anything
 * else (the general path then decides).
 */
function splitView(text: string): boolean {
  let start = 0
  for (let field = 0; field < 4; field++) {
    const comma = text.indexOf(',', start)
    if ((comma < 0) !== (field === 3)) return false
    const end = comma < 0 ? text.length : comma
    let from = start
    let to = end
    if (to - from >= 2 && text.charCodeAt(from) === 34 && text.charCodeAt(to - 1) === 34) {
      from += 1
      to -= 1
    }
    const quote = text.indexOf('"', from)
    if (quote >= 0 && quote < to) return false
    split[field] = text.slice(from, to)
    start = end + 1
  }
  return true
}

/**
 * The users and the topics last read: a view's user and topic are the same few texts over and over, so a
 * field read again is the same string (no string made per record, and the window's and the board's maps hash
 * it once).
 */
const users = new RecentTexts()
const topics = new RecentTexts()

const WORD: FieldBytes = {spaces: false, commas: false}

/**
 * The end of a view's quoted user or topic at `start` (just after its opening quote): quotedFieldEnd's, for a
 * field that is not empty, holds no space or comma (the text's reading would split or trim it) and is
 * followed by `",` before `end`; -1 for anything else.
 */
function quotedWordEnd(bytes: Buffer, start: number, end: number): number {
  const close = quotedFieldEnd(bytes, start, end, WORD)
  return close > start && close + 1 < end && bytes[close + 1] === 44 ? close : -1
}

/**
 * The usual view, `"<yyyy-mm-dd hh:mm:ss[.f[f[f]]]>","<user>","<topic>",<digits>` in printable ASCII,
 * read from its bytes, `bytes[start, end)`, where they lie: what `decodeViewText` gives for it, without a view
 * of the bytes, the text, its fields' copies or a user and a topic string per record. Undefined for anything
 * else, a view it would refuse included (the text is then read, and any error is its reading's).
 */
function decodeUsualView(bytes: Buffer, start: number, end: number): View | undefined {
  // The timestamp: `"` + 19 to 23 bytes + `","`.
  if (end - start < 30) return undefined
  const time = quotedTimestamp(bytes, start, end)
  if (time === undefined) return undefined
  const close = scanned.timestampEnd
  if (bytes[close + 1] !== 44 || bytes[close + 2] !== 34) return undefined
  const userStart = close + 3
  const userEnd = quotedWordEnd(bytes, userStart, end)
  if (userEnd < 0 || userEnd + 2 >= end || bytes[userEnd + 2] !== 34) return undefined
  const userHash = scanned.hash
  const topicStart = userEnd + 3
  const topicEnd = quotedWordEnd(bytes, topicStart, end)
  if (topicEnd < 0) return undefined
  const topicHash = scanned.hash
  const {userColumn, maxMinutes} = viewLimits()
  if (userEnd - userStart > userColumn.length) return undefined
  // The minutes: `,` then one to ten digits, to the end.
  const digitsStart = topicEnd + 2
  const digits = end - digitsStart
  if (digits < 1 || digits > 10) return undefined
  let minutes = 0
  for (let i = digitsStart; i < end; i++) {
    const digit = bytes[i] - 48
    if (digit < 0 || digit > 9) return undefined
    minutes = minutes * 10 + digit
  }
  if (minutes > maxMinutes) return undefined
  return {time, user: users.text(bytes, userStart, userEnd, userHash), topic: topics.text(bytes, topicStart, topicEnd, topicHash), minutes}
}

/**
 * Parses a view as the original does: every `"` removed, then split on commas into the timestamp
 * (`yyyy-mm-dd hh:mm:ss.f`, local time), the user, the topic and the minutes (an integer).
 */
export function decodeView(record: InputRecord): View {
  return record.readValue(decodeUsualView, undefined) ?? decodeViewText(record)
}

/** `decodeView` by its text: any view, and every error. */
export function decodeViewText(record: InputRecord): View {
  const text = recordText(record)
  checkRecordUtf8(record, text, 'malformed-csv', 'a view')
  let timestamp: string, user: string, topic: string, minutesText: string
  if (splitView(text)) {
    timestamp = split[0]
    user = split[1]
    topic = split[2]
    minutesText = split[3]
  } else {
    const fields = text.replaceAll('"', '').split(',')
    if (fields.length !== 4) throw new RecordError('malformed-csv', `A view has 4 fields, this one has ${fields.length}.`)
    ;[timestamp, user, topic, minutesText] = fields
  }
  const time = readEventTimestamp('timestamp', timestamp)
  if (user.trim() === '') throw new FieldError('user', 'is empty.')
  if (topic.trim() === '') throw new FieldError('topic', 'is empty.')
  const {userColumn, maxMinutes} = viewLimits()
  checkVarchar('user', user, userColumn, `${TABLES.userViewSummary}.USER_NAME`)
  const minutes = wholeMinutes(minutesText)
  if (minutes < 0) throw new FieldError('minutes', `${excerpt(minutesText)} is not a whole number of minutes (digits only: 0 or more).`)
  if (minutes > maxMinutes) throw new FieldError('minutes', `${minutes} is beyond ${maxMinutes}, the most ${TABLES.userViewSummary}.TOTAL_MINUTES holds.`)
  return {time, user, topic, minutes}
}

const MINUTES = /^\s*\d{1,10}\s*$/

/** The minutes of `\s*\d{1,10}\s*`, -1 for any other text. */
function wholeMinutes(text: string): number {
  let value = 0
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9 || i === 10) return MINUTES.test(text) ? Number(text) : -1
    value = value * 10 + digit
  }
  return text.length > 0 ? value : -1
}

let limits: {userColumn: Extract<ColumnType, {kind: 'varchar'}>; maxMinutes: number} | undefined

/** What user_view_summary accepts (read from the migrations once). */
function viewLimits(): {userColumn: Extract<ColumnType, {kind: 'varchar'}>; maxMinutes: number} {
  limits ??= {
    userColumn: columnType(TABLES.userViewSummary, 'USER_NAME', 'varchar'),
    maxMinutes: intRange(columnType(TABLES.userViewSummary, 'TOTAL_MINUTES', 'int')).max,
  }
  return limits
}

/**
 * The accumulator: exact integers (a number while safe, a decimal string beyond; see exact.ts), so that a sum
 * never loses a minute. Partials written before (numbers) read the same.
 */
export interface UserViewsAccumulator {
  minutes: ExactInteger
  views: ExactInteger
}

/**
 * The result as numbers. A sum beyond 2^53 − 1 is shown rounded, but such a number is far beyond the INT
 * columns of user_view_summary, so MariaDB refuses it (a `rejected` result) rather than storing it wrong.
 */
export const userViewsAggregator: Aggregator<View, UserViewsAccumulator, UserViews> = {
  init: () => ({minutes: 0, views: 0}),
  add: (acc, view) => {
    acc.minutes = addExact(acc.minutes, view.minutes)
    acc.views = incrementExact(acc.views)
    return acc
  },
  merge: (a, b) => ({minutes: addExact(a.minutes, b.minutes), views: addExact(a.views, b.views)}),
  result: (acc) => ({minutes: toNumber(acc.minutes), views: toNumber(acc.views)}),
}

export interface ViewsOptions {
  inputTopic: string
  deadLetterTopic: string
  /** The user windows' sink (MariaDB user_view_summary, or a test sink). */
  userSink: Sink<WindowResult<UserViews>>
  /** The topic points' sink (the Redis board, or a test sink). */
  topicsSink: Sink<BoardPoint>
  windowMs?: number
  latenessMs?: number
}

export function viewsPipeline(options: ViewsOptions): PipelineDefinition<View> {
  const windowMs = options.windowMs ?? 5000
  const checkTime = eventTimeCheck('timestamp', windowMs)
  return {
    name: 'views',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeView,
    eventTime: (view) => {
      checkTime(view.time)
      return view.time
    },
    perRecord: [
      {
        name: 'topics',
        // One point per view, the batch's in one loop.
        mapBatch: (views: readonly View[], records: readonly InputRecord[]): BoardPoint[] => {
          const points: BoardPoint[] = []
          for (let i = 0; i < views.length; i++) points.push({member: views[i].topic, delta: 1, offset: records[i].offset})
          return points
        },
        sink: options.topicsSink,
      },
    ],
    window: {
      name: 'user-views',
      sizeMs: windowMs,
      latenessMs: options.latenessMs ?? 5000,
      key: (view) => view.user,
      aggregator: userViewsAggregator,
      sink: options.userSink,
    },
  }
}

export interface RunViewsOptions extends BoardRunOptions {
  inputTopic: string
  deadLetterTopic: string
  mariadbUrl: string
  /** The user windows' table. Default user_view_summary. */
  table?: string
}

/** `sstream run views`: `key` is the topics board. */
export async function runViews(options: RunViewsOptions): Promise<BoardRunResult> {
  const definition = viewsPipeline({
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    userSink: userViewSummarySink({url: options.mariadbUrl, ...(options.table ? {table: options.table} : {})}),
    topicsSink: createBoardSink(options),
  })
  return runBoardPipeline(definition as PipelineDefinition<unknown>, options)
}
