/**
 * Alerts and thresholds (SPEC §4): alerts (quoted CSV) with event time = the CSV timestamp.
 * (1) every CRITICAL alert → `streaming.alerts.critical`, key = input key, value `"<ts>","<code>","<message>"`;
 * (2) tumbling 10 s windows by code with 10 s lateness, count; count > threshold (2) →
 *     `streaming.alerts.highvolume`, key = code, value `"<window start ts>","<code>","<count>"`.
 * Those are the `sstream` output format; `spark` and `kstreams` write what the original jobs write
 * (alert-formats.ts).
 */
import {encodeCritical, encodeHighVolume, type AlertOutputFormat} from './alert-formats.js'
import {runPipeline} from './run.js'
import {
  RecordError,
  type Aggregator,
  type InputRecord,
  type PipelineDefinition,
  type RunOptions,
  type RunSummary,
  type WindowResult,
} from '../stream/types.js'
import {checkKeyUtf8, checkRecordUtf8, parseCsvLine, lineText, recordText} from './common.js'
import {quotedFieldEnd, quotedTimestamp, RecentTexts, scanned} from './quoted-bytes.js'
import {addExact, incrementExact, toNumber, type ExactInteger} from './exact.js'
import {eventTimeCheck, excerpt, FieldError, finerThanMillisecond, isWellFormed, MAX_OUTPUT_MESSAGE_BYTES, readEventTimestamp} from './validate.js'

export interface Alert {
  time: number
  level: string
  code: string
  message: string
  /** The timestamp's fraction past the milliseconds (`4` of `…:15.1234`), when it has one: the critical alert writes it back. */
  finer?: string
}

export interface CriticalAlert {
  key: string | null
  time: number
  code: string
  message: string
  finer?: string
}

/** The fields of an alert read by `splitQuotedAlert` (no array per record). */
let splitTimestamp = ''
let splitLevel = ''
let splitCode = ''
let splitMessage = ''

/**
 * Splits `"<ts>","<level>","<code>","<message>"` when every field is quoted and none holds a quote (the
 * generators' and the original's alerts): what parseCsvLine reads from it, without its copies. False for
 * anything else (parseCsvLine then decides).
 */
function splitQuotedAlert(text: string): boolean {
  if (text.charCodeAt(0) !== 34) return false
  let start = 1
  for (let field = 0; field < 4; field++) {
    const close = text.indexOf('"', start)
    if (close < 0) return false
    const value = text.slice(start, close)
    if (field === 0) splitTimestamp = value
    else if (field === 1) splitLevel = value
    else if (field === 2) splitCode = value
    else {
      splitMessage = value
      return close === text.length - 1
    }
    // `","` between two fields.
    if (text.charCodeAt(close + 1) !== 44 || text.charCodeAt(close + 2) !== 34) return false
    start = close + 3
  }
  return false
}

/** The levels, codes and messages last read from bytes. */
const levels = new RecentTexts()
const codes = new RecentTexts()
const messages = new RecentTexts()

/** The longest code read from bytes (a longer one is left to the text reading, which checks it). */
const USUAL_CODE_BYTES = 256

/** The record decodeUsualAlert reads (set just before, so that reading in place needs no closure per record). */
let reading: InputRecord | undefined

/**
 * The usual alert, `"<yyyy-mm-dd hh:mm:ss[.f[f[f]]]>","<level>","<code>","<message>"` in printable ASCII with
 * no quote inside a field, read from its bytes where they lie (`bytes[start, end)`, the value of `reading`):
 * what `decodeAlertText` gives for it, without the text, a view of the bytes, its fields' copies or a level,
 * code and message string per record. Undefined for anything else, an alert it would refuse included (the
 * text is then read, and any error is its reading's).
 */
function decodeUsualAlert(bytes: Buffer, start: number, end: number): Alert | undefined {
  const time = quotedTimestamp(bytes, start, end)
  if (time === undefined) return undefined
  const afterTimestamp = scanned.timestampEnd
  if (bytes[afterTimestamp + 1] !== 44 || bytes[afterTimestamp + 2] !== 34) return undefined
  const levelStart = afterTimestamp + 3
  const levelEnd = quotedFieldEnd(bytes, levelStart, end)
  if (levelEnd < 0 || bytes[levelEnd + 1] !== 44 || bytes[levelEnd + 2] !== 34) return undefined
  const levelHash = scanned.hash
  const codeStart = levelEnd + 3
  const codeEnd = quotedFieldEnd(bytes, codeStart, end)
  if (codeEnd < 0 || codeEnd - codeStart > USUAL_CODE_BYTES || bytes[codeEnd + 1] !== 44 || bytes[codeEnd + 2] !== 34) return undefined
  const codeHash = scanned.hash
  const messageStart = codeEnd + 3
  const messageEnd = quotedFieldEnd(bytes, messageStart, end)
  if (messageEnd !== end - 1) return undefined
  const level = levels.text(bytes, levelStart, levelEnd, levelHash)
  // A critical alert near an output message's size: the text reading checks it.
  if (level === 'CRITICAL' && end - start + (reading!.key?.length ?? 0) > MAX_OUTPUT_MESSAGE_BYTES / 4) return undefined
  return {time, level, code: codes.text(bytes, codeStart, codeEnd, codeHash), message: messages.text(bytes, messageStart, messageEnd, scanned.hash)}
}

/** Parses `"<ts>","<LEVEL>","<CODE>","<message>"`: the usual alert from its bytes, any other from its text. */
export function decodeAlert(record: InputRecord): Alert {
  reading = record
  const alert = record.readValue(decodeUsualAlert, undefined)
  reading = undefined
  return alert ?? decodeAlertText(record)
}

/** `decodeAlert` by its text: any alert, and every error. */
export function decodeAlertText(record: InputRecord): Alert {
  // A line end after the last field is no part of it (the original's split kept it in the message).
  const text = lineText(recordText(record))
  checkRecordUtf8(record, text, 'malformed-csv', 'an alert')
  const quoted = splitQuotedAlert(text)
  let timestamp: string, level: string, code: string, message: string
  if (quoted) {
    timestamp = splitTimestamp
    level = splitLevel
    code = splitCode
    message = splitMessage
  } else {
    const fields = parseCsvLine(text)
    if (fields.length !== 4) throw new RecordError('malformed-csv', `An alert has 4 fields, this one has ${fields.length}.`)
    ;[timestamp, level, code, message] = fields
  }
  const time = readEventTimestamp('timestamp', timestamp)
  // The code is the key of the high-volume output and appears in its value (and in the repartition record).
  if (code.length > MAX_CODE_LENGTH) throw new FieldError('code', `${code.length} characters (${excerpt(code)}); a high-volume alert carries it twice, and at most ${MAX_CODE_LENGTH} keep its message within ${MAX_OUTPUT_MESSAGE_BYTES} bytes.`)
  if (!isWellFormed(code) || !isWellFormed(message)) throw new FieldError(isWellFormed(code) ? 'message' : 'code', 'has a lone surrogate, which no UTF-8 output can hold.')
  // A critical alert goes out as `"<ts>","<code>","<message>"` with the input key: it must fit a message.
  if (level === 'CRITICAL' && text.length + (record.key?.length ?? 0) > MAX_OUTPUT_MESSAGE_BYTES / 4) {
    const keyBytes = Buffer.byteLength(record.key ?? '')
    const messageBytes = Buffer.byteLength(message)
    const bytes = keyBytes + Buffer.byteLength(code) + messageBytes + 40
    // The field at fault: the larger of the two that make the critical alert (its key, its message).
    if (bytes > MAX_OUTPUT_MESSAGE_BYTES) throw new FieldError(keyBytes > messageBytes ? 'key' : 'message', `the critical alert would be ${bytes} bytes, more than the ${MAX_OUTPUT_MESSAGE_BYTES} an output message may have.`)
  }
  const finer = finerThanMillisecond(timestamp)
  return finer === '' ? {time, level, code, message} : {time, level, code, message, finer}
}

/** `decodeAlert`, and a critical alert's key checked: the critical output carries it. */
function decodeKeyedAlert(record: InputRecord): Alert {
  const alert = decodeAlert(record)
  if (alert.level === 'CRITICAL') checkKeyUtf8(record, 'key', 'a critical alert goes out with its input key, as text')
  return alert
}

/** The longest alert code: its high-volume message (code as key and in the value) stays far within a message's size. */
export const MAX_CODE_LENGTH = 10_000

/** Counts as exact integers (see exact.ts): never rounded, never Infinity; old partials (numbers) read the same. */
export const countAggregator: Aggregator<unknown, ExactInteger, number> = {
  init: () => 0,
  add: (acc) => incrementExact(acc),
  merge: (a, b) => addExact(a, b),
  result: (acc) => toNumber(acc),
}

export interface AlertsOptions {
  inputTopic: string
  deadLetterTopic: string
  criticalTopic: string
  highVolumeTopic: string
  /** A window is high volume when its count is greater than this. Default 2. */
  threshold?: number
  windowMs?: number
  latenessMs?: number
  /** The bytes written to both output topics: sstream's (default), or the original Spark or Kafka Streams job's. */
  outputFormat?: AlertOutputFormat
}

export function alertsPipeline(options: AlertsOptions): PipelineDefinition<Alert> {
  const threshold = options.threshold ?? 2
  const windowMs = options.windowMs ?? 10_000
  const checkTime = eventTimeCheck('timestamp', windowMs)
  const format = options.outputFormat ?? 'sstream'
  return {
    name: 'alerts',
    inputTopic: options.inputTopic,
    deadLetterTopic: options.deadLetterTopic,
    // The Spark format writes no key; the others write a critical alert with its input key, as text.
    decode: format === 'spark' ? decodeAlert : decodeKeyedAlert,
    eventTime: (alert) => {
      checkTime(alert.time)
      return alert.time
    },
    perRecord: [
      {
        name: 'critical',
        map: (alert: Alert, record: InputRecord): CriticalAlert | null =>
          alert.level !== 'CRITICAL'
            ? null
            : alert.finer === undefined
              ? {key: record.key, time: alert.time, code: alert.code, message: alert.message}
              : {key: record.key, time: alert.time, code: alert.code, message: alert.message, finer: alert.finer},
        sink: {kind: 'topic', name: options.criticalTopic, topic: options.criticalTopic, toMessage: (alert: CriticalAlert) => encodeCritical(format, alert)},
      },
    ],
    window: {
      name: 'high-volume',
      sizeMs: windowMs,
      latenessMs: options.latenessMs ?? 10_000,
      key: (alert) => alert.code,
      aggregator: countAggregator,
      sink: {
        kind: 'topic',
        name: options.highVolumeTopic,
        topic: options.highVolumeTopic,
        toMessage: (result: WindowResult<number>) =>
          result.value > threshold ? encodeHighVolume(format, {windowStart: result.windowStart, windowEnd: result.windowEnd, code: result.key, count: result.value}) : null,
      },
    },
  }
}

/** Runs the alerts pipeline against Kafka until stopped. */
export async function runAlerts(options: AlertsOptions & RunOptions): Promise<RunSummary> {
  return runPipeline(alertsPipeline(options), options)
}
