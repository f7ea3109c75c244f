import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {formatAlertsResult} from '../../../src/cli/present-results.js'
import {csvField} from '../../../src/core/pipelines/alert-formats.js'
import {alertsPipeline, decodeAlert, decodeAlertText} from '../../../src/core/pipelines/alerts.js'
import {parseCsvLine} from '../../../src/core/pipelines/common.js'
import {formatTimestamp} from '../../../src/core/stream/timestamps.js'
import {runInMemory} from '../../../src/core/stream/test-driver.js'
import {inputRecord, type RecordError, type InputRecord} from '../../../src/core/stream/index.js'

const record = (value: string): InputRecord => inputRecord({topic: 'alerts', partition: 0, offset: 0, timestamp: 0, key: '7', value})
const T0 = new Date(2024, 2, 1, 10, 0, 0).getTime()
const alert = (time: number, level: string, code: string): string => `"${formatTimestamp(time)}","${level}","${code}","This is a ${level} alert "`

describe('alerts pipeline', () => {
  it('parses the original quoted CSV, keeping the trailing space of the message', () => {
    expect(decodeAlert(record('"2021-06-30 12:11:15.123","CRITICAL","300","This is a CRITICAL alert "'))).toEqual({
      time: new Date(2021, 5, 30, 12, 11, 15, 123).getTime(),
      level: 'CRITICAL',
      code: '300',
      message: 'This is a CRITICAL alert ',
    })
    expect(parseCsvLine('"a ""b""",c,"d"')).toEqual(['a "b"', 'c', 'd'])
  })

  it('rejects malformed CSV and unparseable timestamps with a reason', () => {
    const reason = (value: string): string => {
      try {
        decodeAlert(record(value))
        return 'ok'
      } catch (error) {
        return (error as RecordError).reason
      }
    }
    expect(reason('"2021-06-30 12:11:15.123","CRITICAL","300"')).toBe('malformed-csv')
    expect(reason('"2021-06-30 12:11:15.123","CRITICAL","300","unterminated')).toBe('malformed-csv')
    expect(reason('"30/06/2021 12:11","CRITICAL","300","This is a CRITICAL alert "')).toBe('bad-timestamp')
  })

  it('reads a timestamp finer than a millisecond to the millisecond and keeps the rest for the critical alert; other spellings of a millisecond as it', () => {
    const noon = new Date(2026, 0, 1, 12, 0, 0).getTime()
    for (const [ts, ms, finer] of [
      ['2026-01-01 12:00:00.1234', 123, '4'],
      ['2026-01-01 12:00:00.0001', 0, '1'],
      ['2026-01-01 12:00:00.123000001', 123, '000001'],
      ['2026-01-01 12:00:00.999999999', 999, '999999'],
      ['2026-01-01 12:00:00.1230', 123, undefined],
      ['2026-01-01 12:00:00.120000000', 120, undefined],
      ['2026-01-01 12:00:00', 0, undefined],
      ['2026-01-01 12:00:00.5', 500, undefined],
    ] as const) {
      const alert = decodeAlert(record(`"${ts}","CRITICAL","300","m"`))
      expect([alert.time, alert.finer], ts).toEqual([noon + ms, finer])
    }
  })

  it('writes a critical alert with the input timestamp\'s digits, finer than a millisecond too', async () => {
    const pipeline = alertsPipeline({inputTopic: 'alerts', deadLetterTopic: 'dlq', criticalTopic: 'crit', highVolumeTopic: 'high'})
    const second = '2026-01-01 12:00:00'
    const {driver, deadLetters} = await runInMemory(
      pipeline,
      ['.1234', '.000000001', '.1230', '', '.5'].map((fraction, i) => ({key: String(i), value: `"${second}${fraction}","CRITICAL","300","m"`})),
      {now: new Date(2026, 0, 1, 12, 0, 1).getTime()},
    )
    expect(deadLetters).toEqual([])
    expect(driver.messages('crit').map((m) => m.value)).toEqual([`"${second}.1234","300","m"`, `"${second}.000000001","300","m"`, `"${second}.123","300","m"`, `"${second}.0","300","m"`, `"${second}.5","300","m"`])
  })

  it('sends every CRITICAL alert with its key, and windows with more than the threshold', async () => {
    const pipeline = alertsPipeline({inputTopic: 'alerts', deadLetterTopic: 'dlq', criticalTopic: 'crit', highVolumeTopic: 'high', threshold: 2})
    const {driver} = await runInMemory(pipeline, [
      {key: '1', value: alert(T0 + 1000, 'CRITICAL', '100')},
      {key: '2', value: alert(T0 + 2000, 'HIGH', '100')},
      {key: '3', value: alert(T0 + 3000, 'ELEVATED', '100')}, // code 100: 3 in [0, 10 s) → high volume
      {key: '4', value: alert(T0 + 4000, 'HIGH', '200')},
      {key: '5', value: alert(T0 + 5000, 'HIGH', '200')}, // code 200: 2, not more than 2
      {key: '6', value: alert(T0 + 12_000, 'CRITICAL', '200')},
      {key: '7', value: 'not,an,alert'},
    ], {now: T0})
    expect(driver.messages('crit').map((m) => [m.key, m.value])).toEqual([
      ['1', `"${formatTimestamp(T0 + 1000)}","100","This is a CRITICAL alert "`],
      ['6', `"${formatTimestamp(T0 + 12_000)}","200","This is a CRITICAL alert "`],
    ])
    expect(driver.messages('high').map((m) => [m.key, m.value])).toEqual([['100', `"${formatTimestamp(T0)}","100","3"`]])
    expect(driver.deadLetters().map((d) => d.reason)).toEqual(['malformed-csv'])
    const lines = driver.results().map(formatAlertsResult)
    expect(lines).toContain(`High Volume Alert : "${formatTimestamp(T0)}","100","3"`)
  })

  it('reads the fields as parseCsvLine does, however they are quoted', () => {
    // Fields with and without quotes and commas, quoted or bare, and lines of other field counts: the split of
    // the common quoting must give what the general CSV reading gives, or leave the line to it.
    const text = fc.stringOf(fc.constantFrom('a', 'Z', '0', ' ', ',', '"', 'é', '\u{1F600}'), {maxLength: 12})
    const field = fc.tuple(text, fc.boolean()).map(([t, quote]) => (quote || /[",]/.test(t) ? csvField(t) : t))
    const stamp = fc.tuple(fc.integer({min: 0, max: 86_400_000 - 1}), fc.boolean()).map(([ms, quote]) => (quote ? `"${formatTimestamp(T0 + ms)}"` : formatTimestamp(T0 + ms)))
    const line = fc.oneof(
      fc.tuple(stamp, fc.constantFrom('"CRITICAL"', 'CRITICAL', '"HIGH"'), field, field).map((fields) => fields.join(',')),
      fc.array(field, {maxLength: 6}).map((fields) => fields.join(',')),
    )
    fc.assert(
      fc.property(line, (value) => {
        let fields: string[] | undefined
        try {
          fields = parseCsvLine(value)
        } catch {
          fields = undefined
        }
        let outcome: unknown
        try {
          outcome = decodeAlert(record(value))
        } catch (error) {
          outcome = (error as RecordError).reason
        }
        if (fields === undefined || fields.length !== 4) expect(outcome).toBe(value === '' ? 'missing-value' : 'malformed-csv')
        else if (typeof outcome === 'object') expect(outcome).toEqual({time: (outcome as {time: number}).time, level: fields[1], code: fields[2], message: fields[3]})
      }),
      {numRuns: 3000},
    )
  })

  it('reads an alert from its bytes exactly as from its text, whatever the bytes', () => {
    // The bytes in place, as a fetch holds them: the value amid other records' bytes (quotes and digits).
    const inPlace = (value: Buffer, key: string | null): InputRecord => {
      const around = Buffer.from('"2021-06-30 12:11:15.1","')
      const bytes = Buffer.concat([around, value, around])
      return {...inputRecord({topic: 'alerts', partition: 0, offset: 0, timestamp: 0, key, value}), readValue: (read, none) => (value === null ? none : read(bytes, around.length, around.length + value.length))}
    }
    const outcome = (decode: (r: InputRecord) => unknown, value: Buffer, key: string | null, where: 'alone' | 'in place' = 'alone'): unknown => {
      try {
        return decode(where === 'alone' ? inputRecord({topic: 'alerts', partition: 0, offset: 0, timestamp: 0, key, value}) : inPlace(value, key))
      } catch (error) {
        const e = error as RecordError
        return {reason: e.reason, message: e.message, field: e.field}
      }
    }
    // Near the usual form: timestamps of a few seconds (read again and again), with 0 to 4 fraction digits or
    // broken; levels, codes and messages of printable ASCII, quotes, commas, spaces, tabs, non-ASCII, long codes.
    const second = fc.constantFrom('2021-06-30 12:11:15', '2021-06-30 12:11:16', '0999-06-30 12:11:15', '2021-02-30 12:11:15', '2021-06-30 24:11:15', '2021-06-30 12:11:1x', ' 2021-06-30 12:11:1')
    const fraction = fc.oneof(fc.constant(''), fc.constant('.'), fc.constant(' '), fc.stringOf(fc.constantFrom('0', '5', '9', 'a'), {minLength: 1, maxLength: 4}).map((d) => `.${d}`))
    const field = fc.oneof(
      fc.constantFrom('CRITICAL', 'HIGH', '100', '400', 'This is a CRITICAL alert ', '', ' ', 'x'.repeat(256), 'x'.repeat(257), 'y'.repeat(10_001)),
      fc.stringOf(fc.constantFrom('a', 'Z', '_', '"', ',', ' ', '~', '\t', '\x7f', 'é', '\ufffd', '\u{1F600}'), {maxLength: 6}),
    )
    const line = fc.tuple(second, fraction, field, field, field, fc.constantFrom('"', '",', '', '" ')).map(([s, f, level, code, message, end]) => `"${s}${f}","${level}","${code}","${message}${end}`)
    const bytes = fc.oneof(
      {weight: 8, arbitrary: line.map((text) => Buffer.from(text))},
      {weight: 1, arbitrary: fc.tuple(line, fc.nat(60), fc.constantFrom(0x80, 0xff, 0x22, 0x2c, 0x00)).map(([text, at, byte]) => {
        const b = Buffer.from(text)
        if (b.length > 0) b[at % b.length] = byte
        return b
      })},
    )
    const key = fc.oneof(fc.constant(null), fc.constant('7'), fc.constant('k'.repeat(249_990)))
    fc.assert(
      fc.property(fc.array(fc.tuple(bytes, key), {minLength: 1, maxLength: 8}), (values) => {
        for (const [value, k] of values) {
          const text = outcome(decodeAlertText, value, k)
          expect(outcome(decodeAlert, value, k)).toEqual(text)
          expect(outcome(decodeAlert, value, k, 'in place')).toEqual(text)
        }
      }),
      {numRuns: 3000},
    )
  })

  it('reads many different codes and messages of one length, each as itself, again and again', () => {
    const names = Array.from({length: 3000}, (_, i) => `c${String(i).padStart(4, '0')}`)
    for (const round of [0, 1]) {
      for (const [i, name] of names.entries()) {
        const message = names[(i * 7 + round) % names.length]
        const level = i % 3 === 0 ? 'CRITICAL' : 'HIGH'
        expect(decodeAlert(record(`"2021-06-30 12:11:15.${i % 10}","${level}","${name}","${message}"`))).toEqual({time: new Date(2021, 5, 30, 12, 11, 15, (i % 10) * 100).getTime(), level, code: name, message})
      }
    }
  })

  it('writes a critical alert with every quote in its fields doubled (sstream), or as it is (kstreams)', async () => {
    const value = `"${formatTimestamp(T0)}","CRITICAL","1""0","say ""hi"", then go"`
    for (const [format, expected] of [
      ['sstream', `"${formatTimestamp(T0)}","1""0","say ""hi"", then go"`],
      ['kstreams', `"${formatTimestamp(T0)}","1"0","say "hi", then go"`],
    ] as const) {
      const pipeline = alertsPipeline({inputTopic: 'alerts', deadLetterTopic: 'dlq', criticalTopic: 'crit', highVolumeTopic: 'high', outputFormat: format})
      const {driver} = await runInMemory(pipeline, [{key: '1', value}], {now: T0})
      expect(driver.messages('crit').map((m) => m.value)).toEqual([expected])
    }
  })
})
