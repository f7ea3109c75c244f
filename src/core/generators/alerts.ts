/**
 * Alerts (the original KafkaAlertsDataGenerator): key = a counter from the clock's epoch second + 1, value =
 * `"<ts>","<LEVEL>","<CODE>","This is a <LEVEL> alert "` (the trailing space is the original's).
 */
import {wallClock} from './clock.js'
import {ALERT_CODES, ALERT_LEVELS, alertMessage} from './domains.js'
import {createRandom} from './random.js'
import {createTimestampFormatter} from './timestamp.js'
import type {EventFactory, FactoryOptions, GeneratedRecord} from './types.js'

export function createAlertFactory(options: FactoryOptions = {}): EventFactory {
  const random = options.random ?? createRandom(options.seed)
  const clock = options.clock ?? wallClock()
  const format = createTimestampFormatter()
  let recordKey = Math.floor(clock.startMs / 1000)
  // Everything after the timestamp, per (level, code).
  const tails = ALERT_LEVELS.map((level) => ALERT_CODES.map((code) => `","${level}","${code}","${alertMessage(level)}"`))
  const next = (): GeneratedRecord => {
    const level = random.int(ALERT_LEVELS.length)
    const code = random.int(ALERT_CODES.length)
    const timestamp = clock.next()
    recordKey += 1
    return {key: String(recordKey), value: `"${format(timestamp)}${tails[level][code]}`, timestamp}
  }
  return {generator: 'alerts', next, take: (count) => Array.from({length: count}, next)}
}
