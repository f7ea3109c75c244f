import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {createViewFactory} from '../../../src/core/generators/views.js'
import {formatUserWindow} from '../../../src/cli/present-results.js'
import {decodeView, decodeViewText, viewsPipeline, type UserViews} from '../../../src/core/pipelines/views.js'
import {formatTimestamp, inputRecord, runInMemory, TestDriver, windowStartOf, type InputRecord, type RecordError, type WindowResult} from '../../../src/core/stream/index.js'
import {memorySink} from '../stream/helpers.js'
import {memoryBoardSink} from './leaderboard-helpers.js'

const record = (value: string | null): InputRecord => inputRecord({topic: 'views', partition: 0, offset: 0, timestamp: 0, key: '1', value})

const reason = (value: string | null): string => {
  try {
    decodeView(record(value))
    return 'ok'
  } catch (error) {
    return (error as RecordError).reason
  }
}

const T0 = new Date(2021, 5, 30, 12, 11, 15).getTime()
const view = (ms: number, user: string, topic: string, minutes: number): string => `"${formatTimestamp(T0 + ms)}","${user}","${topic}",${minutes}`

function pipeline() {
  const userSink = memorySink<WindowResult<UserViews>>('user_view_summary')
  const topicsSink = memoryBoardSink('topics-leaderboard')
  return {userSink, topicsSink, definition: viewsPipeline({inputTopic: 'views', deadLetterTopic: 'dlq', userSink, topicsSink})}
}

const windows = (items: Array<WindowResult<UserViews>>): string[] =>
  items.map((r) => `${r.windowStart - T0}/${r.key}=${r.value.minutes}#${r.value.views}`).sort()

describe('views pipeline', () => {
  it('reads the original view records: quotes stripped, split on commas, local timestamp, minutes unquoted', () => {
    expect(decodeView(record('"2021-06-30 12:11:15.12","Mike","CI_CD",7'))).toEqual({
      time: new Date(2021, 5, 30, 12, 11, 15, 120).getTime(),
      user: 'Mike',
      topic: 'CI_CD',
      minutes: 7,
    })
    expect(decodeView(record('"2021-06-30 12:11:15.0","Bob","AI","10"')).minutes).toBe(10)
    expect(reason('"2021-06-30 12:11:15.0","Bob","AI"')).toBe('malformed-csv')
    expect(reason('"2021-06-30 12:11:15.0","Bob","A,I",3')).toBe('malformed-csv')
    expect(reason('"30/06/2021 12:11","Bob","AI",3')).toBe('bad-timestamp')
    // Finer than a millisecond: read to the millisecond (windows are aligned to milliseconds; no output carries the text).
    expect(decodeView(record('"2021-06-30 12:11:15.1234","Bob","AI",3')).time).toBe(T0 + 123)
    expect(decodeView(record('"2021-06-30 12:11:15.000001","Bob","AI",3')).time).toBe(T0)
    expect(decodeView(record('"2021-06-30 12:11:15.1230","Bob","AI",3')).time).toBe(T0 + 123)
    expect(reason('"2021-06-30 12:11:15.0","Bob","AI",three')).toBe('bad-value')
    expect(reason('"2021-06-30 12:11:15.0","Bob","AI",2.5')).toBe('bad-value')
    expect(reason('"2021-06-30 12:11:15.0","","AI",2')).toBe('bad-value')
    expect(reason(null)).toBe('missing-value')
  })

  it('sums minutes and counts views per user in 5 s event-time windows, and gives every view one point for its topic', async () => {
    const {definition, userSink, topicsSink} = pipeline()
    const {deadLetters} = await runInMemory(
      definition,
      [
        {value: view(100, 'Bob', 'AI', 3)},
        {value: view(4900, 'Bob', 'Cloud', 4)},
        {value: view(2000, 'Mike', 'AI', 10)},
        {value: view(5000, 'Bob', 'AI', 1)},
        {value: view(10_100, 'Sam', 'BigData', 2)},
        // Late for its user window (the watermark is at 5.1 s), still a view of its topic.
        {value: view(4000, 'Kathy', 'CI_CD', 6)},
        {value: 'not a view'},
      ],
      {now: T0},
    )
    expect(windows(userSink.items)).toEqual(['0/Bob=7#2', '0/Mike=10#1', '10000/Sam=2#1', '5000/Bob=1#1'])
    expect(Object.fromEntries(topicsSink.scores)).toEqual({AI: 3, Cloud: 1, BigData: 1, CI_CD: 1})
    expect(deadLetters.map((d) => d.reason).sort()).toEqual(['late', 'malformed-csv'])
  })

  // The crash comes after store writes that were not followed by a commit (open windows hold the
  // checkpoint back): the replay must not count those views twice for their topics.
  it('equals a batch recomputation over generated views on 3 partitions, through a crash', async () => {
    const {definition, userSink, topicsSink} = pipeline()
    const driver = new TestDriver(definition, {partitions: 3, batchSize: 25, now: T0})
    // Views 40 ms apart in event time, spread over the partitions in order: no view is late.
    let tick = 0
    const factory = createViewFactory({seed: 7, clock: {startMs: T0, next: () => T0 + 40 * tick++}})
    const generated = factory.take(900).map((r, i) => ({partition: i % 3, key: r.key, value: r.value}))
    await driver.send(generated.slice(0, 500))
    await driver.crashDuring(1)
    await driver.send(generated.slice(500))
    await driver.finish()

    const expectedWindows = new Map<string, UserViews>()
    const expectedTopics = new Map<string, number>()
    for (const r of generated) {
      const [ts, user, topic, minutes] = r.value.replaceAll('"', '').split(',')
      const start = windowStartOf(new Date(ts.replace(' ', 'T')).getTime(), 5000)
      const key = `${start - T0}/${user}`
      const acc = expectedWindows.get(key) ?? {minutes: 0, views: 0}
      expectedWindows.set(key, {minutes: acc.minutes + Number(minutes), views: acc.views + 1})
      expectedTopics.set(topic, (expectedTopics.get(topic) ?? 0) + 1)
    }
    expect(windows(userSink.items)).toEqual([...expectedWindows].map(([k, v]) => `${k}=${v.minutes}#${v.views}`).sort())
    expect(Object.fromEntries(topicsSink.scores)).toEqual(Object.fromEntries(expectedTopics))
    expect(driver.deadLetters()).toEqual([])
  })

  it('reads a view from its bytes exactly as from its text, whatever the bytes', () => {
    // The value as a fetched record holds it: in a larger buffer, between bytes that would extend its fields.
    const within = (value: Buffer, around: string): InputRecord => {
      const before = Buffer.from(around)
      const all = Buffer.concat([before, value, Buffer.from(around)])
      const plain = inputRecord({topic: 'views', partition: 0, offset: 0, timestamp: 0, key: '1', value})
      return {...plain, readValue: (read) => read(all, before.length, before.length + value.length)}
    }
    const outcome = (decode: (r: InputRecord) => unknown, value: Buffer, around?: string): unknown => {
      try {
        return decode(around === undefined ? inputRecord({topic: 'views', partition: 0, offset: 0, timestamp: 0, key: '1', value}) : within(value, around))
      } catch (error) {
        const e = error as RecordError
        return {reason: e.reason, message: e.message, field: e.field}
      }
    }
    // Near the usual form: timestamps of a few seconds (read again and again), with 0 to 4 fraction digits or
    // broken; users and topics of printable ASCII, quotes, commas, spaces, non-ASCII and invalid UTF-8.
    const second = fc.constantFrom('2021-06-30 12:11:15', '2021-06-30 12:11:16', '0999-06-30 12:11:15', '2021-02-30 12:11:15', '2021-06-30 24:11:15', '2021-06-30 12:11:1x', ' 2021-06-30 12:11:1')
    const fraction = fc.oneof(fc.constant(''), fc.constant('.'), fc.stringOf(fc.constantFrom('0', '5', '9', 'a'), {minLength: 1, maxLength: 4}).map((d) => `.${d}`))
    const field = fc.oneof(
      fc.constantFrom('Bob', 'Mike', 'AI', 'CI_CD', '', ' ', 'x'.repeat(64), 'x'.repeat(65)),
      fc.stringOf(fc.constantFrom('a', 'Z', '_', '"', ',', ' ', '~', '\x7f', 'é', '\ufffd'), {maxLength: 5}),
    )
    const minutes = fc.oneof(fc.nat(100).map(String), fc.constantFrom('0', '007', '2147483647', '2147483648', '9999999999', '12345678901', '', ' 3', '3 ', '"3"', '-1', '1.5'))
    const line = fc.tuple(second, fraction, field, field, minutes, fc.boolean()).map(([s, f, user, topic, m, quoted]) => (quoted ? `"${s}${f}","${user}","${topic}",${m}` : `${s}${f},${user},${topic},${m}`))
    const bytes = fc.oneof(
      {weight: 8, arbitrary: line.map((text) => Buffer.from(text))},
      {weight: 1, arbitrary: fc.tuple(line, fc.nat(40), fc.constantFrom(0x80, 0xff, 0x22, 0x2c, 0x00)).map(([text, at, byte]) => {
        const b = Buffer.from(text)
        if (b.length > 0) b[at % b.length] = byte
        return b
      })},
    )
    fc.assert(
      fc.property(fc.array(bytes, {minLength: 1, maxLength: 8}), fc.constantFrom('', '7', '","x",1', '"', ',', '.5"'), (values, around) => {
        for (const value of values) expect(outcome(decodeView, value, around)).toEqual(outcome(decodeViewText, value))
      }),
      {numRuns: 3000},
    )
  })

  it('reads many different users and topics of one length, each as itself, again and again', () => {
    const names = Array.from({length: 3000}, (_, i) => `u${String(i).padStart(4, '0')}`)
    for (const round of [0, 1]) {
      for (const [i, name] of names.entries()) {
        const topic = names[(i * 7 + round) % names.length]
        expect(decodeView(record(`"2021-06-30 12:11:15.${i % 10}","${name}","${topic}",${i % 11}`))).toEqual({time: T0 + (i % 10) * 100, user: name, topic, minutes: i % 11})
      }
    }
  })

  it('prints a closed user window like the original console', () => {
    const line = formatUserWindow({
      type: 'result',
      pipeline: 'views',
      output: 'user_view_summary',
      key: 'Mike',
      value: {minutes: 17, views: 3},
      window: {start: new Date(T0).toISOString(), end: new Date(T0 + 5000).toISOString()},
    })
    expect(line).toBe('User View Summary : [[2021-06-30 12:11:15.0,2021-06-30 12:11:20.0],Mike,17] (3 views)')
  })

  it('reads the fields as the original does (every quote removed, then split on commas), however they are quoted', () => {
    const piece = fc.stringOf(fc.constantFrom('a', 'B', '"', ',', ' ', '7', 'é'), {maxLength: 6})
    const quoted = (text: string, quote: boolean): string => (quote ? `"${text}"` : text)
    const line = fc.oneof(
      fc.tuple(fc.nat(10 ** 8), piece, piece, fc.nat(1000), fc.boolean(), fc.boolean(), fc.boolean()).map(
        ([ms, user, topic, minutes, a, b, c]) => `${quoted(formatTimestamp(T0 + ms), a)},${quoted(user, b)},${quoted(topic, c)},${minutes}`,
      ),
      fc.array(piece, {maxLength: 6}).map((pieces) => pieces.join(',')),
    )
    fc.assert(
      fc.property(line, (text) => {
        // The original's reading, and what each of its fields must give.
        const fields = text.replaceAll('"', '').split(',')
        let outcome: unknown
        try {
          outcome = decodeView(record(text))
        } catch (error) {
          outcome = (error as RecordError).message
        }
        if (text === '') expect(outcome).toBe('The record has no value.')
        else if (fields.length !== 4) expect(outcome).toBe(`A view has 4 fields, this one has ${fields.length}.`)
        else if (typeof outcome === 'object') expect(outcome).toEqual({time: (outcome as {time: number}).time, user: fields[1], topic: fields[2], minutes: Number(fields[3])})
      }),
      {numRuns: 3000},
    )
  })
})
