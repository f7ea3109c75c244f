/**
 * Website views (the original KafkaViewsDataGenerator): key = a counter from the clock's epoch second + 1,
 * value = `"<ts>","<user>","<topic>",<minutes>` (minutes unquoted).
 */
import {wallClock} from './clock.js'
import {VIEW_MINUTES, VIEW_TOPICS, VIEW_USERS} from './domains.js'
import {createRandom} from './random.js'
import {createTimestampFormatter} from './timestamp.js'
import type {EventFactory, FactoryOptions, GeneratedRecord} from './types.js'

export function createViewFactory(options: FactoryOptions = {}): EventFactory {
  const random = options.random ?? createRandom(options.seed)
  const clock = options.clock ?? wallClock()
  const format = createTimestampFormatter()
  let recordKey = Math.floor(clock.startMs / 1000)
  const minutes = VIEW_MINUTES.max - VIEW_MINUTES.min + 1
  const next = (): GeneratedRecord => {
    const user = random.pick(VIEW_USERS)
    const topic = random.pick(VIEW_TOPICS)
    const minute = VIEW_MINUTES.min + random.int(minutes)
    const timestamp = clock.next()
    recordKey += 1
    return {key: String(recordKey), value: `"${format(timestamp)}","${user}","${topic}",${minute}`, timestamp}
  }
  return {generator: 'views', next, take: (count) => Array.from({length: count}, next)}
}
