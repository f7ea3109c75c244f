/**
 * The alert output formats byte for byte, against the values the original jobs write (the course's Spark
 * job: no key, `format_string("%s,%s,%s", …)` with the timestamp as epoch microseconds; its Kafka Streams
 * job: quoted CSV, high volume keyed by `Windowed.toString()` with an ISO window start), and read back.
 */
import {describe, expect, it} from 'vitest'

import {
  encodeCritical,
  encodeHighVolume,
  epochMicros,
  isoInstant,
  readAlertRecord,
  type AlertMessage,
  type AlertOutputFormat,
} from '../../../src/core/pipelines/alert-formats.js'
import {alertsPipeline} from '../../../src/core/pipelines/alerts.js'
import {formatTimestamp} from '../../../src/core/stream/timestamps.js'
import {runInMemory} from '../../../src/core/stream/test-driver.js'

/** The key and value as the bytes a consumer reads (UTF-8; null stays null). */
const bytes = (m: AlertMessage | {key: string | null; value: string | null}) => ({
  key: m.key === null ? null : Buffer.from(m.key, 'utf8'),
  value: m.value === null ? null : Buffer.from(m.value, 'utf8'),
})

// 2021-06-30 12:11:15.123 in UTC+2, the zone of the reference examples: 10:11:15.123 UTC.
const EXAMPLE_MS = Date.UTC(2021, 5, 30, 10, 11, 15, 123)
const EXAMPLE_WINDOW = Date.UTC(2021, 5, 30, 10, 11, 10)

describe('the spark output format', () => {
  it('writes a critical alert as the Spark job does: null key, epoch microseconds, no quotes, the trailing space kept', () => {
    const message = encodeCritical('spark', {key: '1625047876', time: EXAMPLE_MS, code: '300', message: 'This is a CRITICAL alert '})
    expect(bytes(message)).toEqual({key: null, value: Buffer.from('1625047875123000,300,This is a CRITICAL alert ', 'utf8')})
    // The value quoted in the issue, byte for byte.
    expect(encodeCritical('spark', {key: '9', time: 1796590873751, code: '100', message: 'This is a CRITICAL alert '}).value).toBe(
      '1796590873751000,100,This is a CRITICAL alert ',
    )
  })

  it('writes a high-volume window as format_string("%s,%s,%d", window.start, code, count)', () => {
    const message = encodeHighVolume('spark', {windowStart: EXAMPLE_WINDOW, windowEnd: EXAMPLE_WINDOW + 10_000, code: '300', count: 3})
    expect(bytes(message)).toEqual({key: null, value: Buffer.from('1625047870000000,300,3', 'utf8')})
  })

  it('prints microseconds as exact integers, before 1970 and after 2255 too', () => {
    expect(epochMicros(0)).toBe('0')
    expect(epochMicros(-1)).toBe('-1000')
    expect(epochMicros(9_999_999_999_999)).toBe('9999999999999000')
  })
})

describe('the kstreams output format', () => {
  it('writes a critical alert as the Kafka Streams job does: the input key, the quoted Timestamp.toString() value', () => {
    const time = new Date(2021, 5, 30, 12, 11, 15, 120).getTime()
    const message = encodeCritical('kstreams', {key: '1625047876', time, code: '300', message: 'This is a CRITICAL alert'})
    expect(bytes(message)).toEqual({key: Buffer.from('1625047876'), value: Buffer.from('"2021-06-30 12:11:15.12","300","This is a CRITICAL alert"', 'utf8')})
  })

  it('writes a high-volume window keyed by Windowed.toString(), its start as Instant.toString()', () => {
    const message = encodeHighVolume('kstreams', {windowStart: EXAMPLE_WINDOW, windowEnd: EXAMPLE_WINDOW + 10_000, code: '300', count: 3})
    expect(bytes(message)).toEqual({key: Buffer.from('[300@1625047870000/1625047880000]'), value: Buffer.from('"2021-06-30T10:11:10Z","300","3"', 'utf8')})
  })

  it('prints an instant with a fraction only when it has one, as Java does', () => {
    expect(isoInstant(0)).toBe('1970-01-01T00:00:00Z')
    expect(isoInstant(EXAMPLE_WINDOW + 500)).toBe('2021-06-30T10:11:10.500Z')
  })
})

describe('the sstream output format', () => {
  it('is unchanged: the input key and quoted values, high volume keyed by code', () => {
    const time = new Date(2021, 5, 30, 12, 11, 15, 123).getTime()
    expect(encodeCritical('sstream', {key: '7', time, code: '300', message: 'This is a CRITICAL alert '})).toEqual({
      key: '7',
      value: '"2021-06-30 12:11:15.123","300","This is a CRITICAL alert "',
    })
    const start = new Date(2021, 5, 30, 12, 11, 10).getTime()
    expect(encodeHighVolume('sstream', {windowStart: start, windowEnd: start + 10_000, code: '300', count: 3})).toEqual({
      key: '300',
      value: '"2021-06-30 12:11:10.0","300","3"',
    })
  })
})

describe('a critical alert whose input timestamp is finer than a millisecond', () => {
  const time = new Date(2021, 5, 30, 12, 11, 15, 120).getTime()
  const alert = (finer: string) => ({key: '7', time, code: '300', message: 'm', finer})

  it('carries the input digits in the quoted formats, as Timestamp.toString() writes nanoseconds', () => {
    expect(encodeCritical('sstream', alert('4')).value).toBe('"2021-06-30 12:11:15.1204","300","m"')
    expect(encodeCritical('kstreams', alert('000001')).value).toBe('"2021-06-30 12:11:15.120000001","300","m"')
    // Before 1970 the millisecond within its second is still the one the text had.
    const early = new Date(1969, 11, 31, 23, 59, 58, 5).getTime()
    expect(encodeCritical('sstream', {...alert('25'), time: early}).value).toBe('"1969-12-31 23:59:58.00525","300","m"')
  })

  it('writes the microseconds in the Spark format, which holds no finer', () => {
    expect(encodeCritical('spark', {...alert('4'), time: EXAMPLE_MS}).value).toBe('1625047875123400,300,m')
    expect(encodeCritical('spark', {...alert('000001'), time: EXAMPLE_MS}).value).toBe('1625047875123000,300,m')
    expect(encodeCritical('spark', {...alert('5'), time: -1}).value).toBe('-500,300,m')
  })
})

describe('run alerts with an output format', () => {
  const T0 = new Date(2024, 2, 1, 10, 0, 0).getTime()
  const input = (time: number, level: string, code: string) => `"${formatTimestamp(time)}","${level}","${code}","This is a ${level} alert "`
  const records = [
    {key: '11', value: input(T0 + 1000, 'CRITICAL', '300')},
    {key: '12', value: input(T0 + 2000, 'HIGH', '300')},
    {key: '13', value: input(T0 + 3500, 'ELEVATED', '300')},
    {key: '14', value: input(T0 + 4000, 'HIGH', '100')},
  ]
  const run = async (outputFormat: AlertOutputFormat) => {
    const pipeline = alertsPipeline({inputTopic: 'alerts', deadLetterTopic: 'dlq', criticalTopic: 'crit', highVolumeTopic: 'high', outputFormat})
    const {driver} = await runInMemory(pipeline, records, {now: T0})
    return {critical: driver.messages('crit').map((m) => [m.key, m.value]), high: driver.messages('high').map((m) => [m.key, m.value])}
  }

  it('spark: both topics in the Spark job’s bytes', async () => {
    expect(await run('spark')).toEqual({
      critical: [[null, `${(T0 + 1000) * 1000},300,This is a CRITICAL alert `]],
      high: [[null, `${T0 * 1000},300,3`]],
    })
  })

  it('kstreams: both topics in the Kafka Streams job’s bytes', async () => {
    expect(await run('kstreams')).toEqual({
      critical: [['11', `"${formatTimestamp(T0 + 1000)}","300","This is a CRITICAL alert "`]],
      high: [[`[300@${T0}/${T0 + 10_000}]`, `"${new Date(T0).toISOString().replace('.000Z', 'Z')}","300","3"`]],
    })
  })

  it('sstream by default', async () => {
    expect(await run('sstream')).toEqual({
      critical: [['11', `"${formatTimestamp(T0 + 1000)}","300","This is a CRITICAL alert "`]],
      high: [['300', `"${formatTimestamp(T0)}","300","3"`]],
    })
  })
})

describe('reading the alert topics', () => {
  const time = new Date(2021, 5, 30, 12, 11, 15, 123).getTime()
  const start = new Date(2021, 5, 30, 12, 11, 10).getTime()
  const critical = {key: '42', time, code: '300', message: 'This is a CRITICAL alert '}
  const window = {windowStart: start, windowEnd: start + 10_000, code: '300', count: 3}

  it('detects each format per record and reads the same alert from all of them', () => {
    for (const format of ['sstream', 'spark', 'kstreams'] as const) {
      const c = encodeCritical(format, critical)
      // A quoted critical record reads as sstream: the Kafka Streams job writes the same bytes.
      expect(readAlertRecord('critical', c.key, c.value)).toEqual({
        kind: 'critical',
        format: format === 'spark' ? 'spark' : 'sstream',
        time,
        ts: '2021-06-30 12:11:15.123',
        code: '300',
        message: 'This is a CRITICAL alert ',
      })
      const h = encodeHighVolume(format, window)
      expect(readAlertRecord('high-volume', h.key, h.value)).toEqual({
        kind: 'high-volume',
        format,
        time: start,
        ts: '2021-06-30 12:11:10.0',
        code: '300',
        count: 3,
        ...(format === 'kstreams' ? {windowEnd: start + 10_000} : {}),
      })
    }
  })

  it('reads the reference values of the original jobs', () => {
    expect(readAlertRecord('critical', null, '1625047875123000,300,This is a CRITICAL alert ')).toMatchObject({format: 'spark', time: EXAMPLE_MS, code: '300', message: 'This is a CRITICAL alert '})
    expect(readAlertRecord('high-volume', null, '1625047870000000,300,3')).toMatchObject({format: 'spark', time: EXAMPLE_WINDOW, code: '300', count: 3})
    expect(readAlertRecord('high-volume', '[300@1625047870000/1625047880000]', '"2021-06-30T10:11:10Z","300","3"')).toMatchObject({
      format: 'kstreams',
      time: EXAMPLE_WINDOW,
      windowEnd: EXAMPLE_WINDOW + 10_000,
      count: 3,
    })
  })

  it('keeps a time it cannot read as written, and rejects what is no alert record', () => {
    expect(readAlertRecord('critical', null, '"yesterday","300","x"')).toMatchObject({format: 'sstream', ts: 'yesterday', code: '300', message: 'x'})
    expect(readAlertRecord('critical', null, 'garbage')).toBeUndefined()
    expect(readAlertRecord('critical', null, '"2021-06-30 12:11:15.123","300"')).toBeUndefined()
    expect(readAlertRecord('high-volume', null, '1625047870000000,300,many')).toBeUndefined()
  })
})

describe('quotes inside the fields of the sstream format', () => {
  it('doubles them, so that any code and message read back as written', () => {
    const alert = {key: 'k', time: Date.UTC(2021, 5, 30, 10, 11, 15, 123), code: 'a"b', message: 'say "hi", then "bye","'}
    const {value} = encodeCritical('sstream', alert)
    expect(value).toBe(`"${formatTimestamp(alert.time)}","a""b","say ""hi"", then ""bye"","""`)
    expect(readAlertRecord('critical', 'k', value)).toMatchObject({format: 'sstream', time: alert.time, code: 'a"b', message: 'say "hi", then "bye","'})
    const high = encodeHighVolume('sstream', {windowStart: alert.time, windowEnd: alert.time + 10_000, code: 'x","y', count: 3})
    expect(readAlertRecord('high-volume', high.key, high.value)).toMatchObject({code: 'x","y', count: 3})
  })

  it('still reads a record whose writer did not double them (the Kafka Streams job)', () => {
    const value = `"${formatTimestamp(Date.UTC(2021, 5, 30))}","100","say "hi""`
    expect(readAlertRecord('critical', null, value)).toMatchObject({code: '100', message: 'say "hi"'})
  })
})
