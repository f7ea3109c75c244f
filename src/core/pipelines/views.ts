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
import {userViewSummarySink} from '../mariadb/window-sink.js'
import type {BoardPoint} from '../redis/index.js'
import {formatTimestamp, parseTimestamp} from '../stream/timestamps.js'
import {RecordError, type Aggregator, type InputRecord, type PipelineDefinition, type ResultEvent, type Sink, type WindowResult} from '../stream/types.js'
import {recordText} from './common.js'
import {createBoardSink, runBoardPipeline, type BoardRunOptions, type BoardRunResult} from './leaderboard.js'

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

/**
 * Parses a view as the original does: every `"` removed, then split on commas into the timestamp
 * (`yyyy-mm-dd hh:mm:ss.f`, local time), the user, the topic and the minutes (an integer).
 */
export function decodeView(record: InputRecord): View {
  const fields = recordText(record).replaceAll('"', '').split(',')
  if (fields.length !== 4) throw new RecordError('malformed-csv', `A view has 4 fields, this one has ${fields.length}.`)
  const [timestamp, user, topic, minutesText] = fields
  const time = parseTimestamp(timestamp)
  if (time === undefined) throw new RecordError('bad-timestamp', `"${timestamp.slice(0, 40)}" is not a timestamp like 2021-06-30 12:11:15.123.`)
  if (user.trim() === '' || topic.trim() === '') throw new RecordError('bad-value', 'The view has no user or no topic.')
  if (!/^\s*\d{1,9}\s*$/.test(minutesText)) throw new RecordError('bad-value', `The minutes "${minutesText.slice(0, 40)}" are not a whole number.`)
  return {time, user, topic, minutes: Number(minutesText)}
}

export const userViewsAggregator: Aggregator<View, UserViews, UserViews> = {
  init: () => ({minutes: 0, views: 0}),
  add: (acc, view) => ({minutes: acc.minutes + view.minutes, views: acc.views + 1}),
  merge: (a, b) => ({minutes: a.minutes + b.minutes, views: a.views + b.views}),
  result: (acc) => acc,
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
  return {
    name: 'views',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    decode: decodeView,
    eventTime: (view) => view.time,
    perRecord: [
      {
        name: 'topics',
        map: (view: View, record: InputRecord): BoardPoint => ({member: view.topic, delta: 1, offset: record.offset}),
        sink: options.topicsSink,
      },
    ],
    window: {
      name: 'user-views',
      sizeMs: options.windowMs ?? 5000,
      latenessMs: options.latenessMs ?? 5000,
      key: (view) => view.user,
      aggregator: userViewsAggregator,
      sink: options.userSink,
    },
  }
}

/** A closed user window as a plain line, like the original console: `User View Summary : [[start,end],user,total] (n views)`. */
export function formatUserWindow(event: ResultEvent): string {
  const value = event.value as UserViews
  const start = event.window ? formatTimestamp(Date.parse(event.window.start)) : '?'
  const end = event.window ? formatTimestamp(Date.parse(event.window.end)) : '?'
  return `User View Summary : [[${start},${end}],${event.key},${value.minutes}] (${value.views} view${value.views === 1 ? '' : 's'})`
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
