/**
 * Scores (the original KafkaGamingDataGenerator): key = player, value = score 1–10 as a decimal string.
 */
import {wallClock} from './clock.js'
import {PLAYERS, SCORE} from './domains.js'
import {createRandom} from './random.js'
import type {EventFactory, FactoryOptions, GeneratedRecord} from './types.js'

export function createScoreFactory(options: FactoryOptions = {}): EventFactory {
  const random = options.random ?? createRandom(options.seed)
  const clock = options.clock ?? wallClock()
  const scores = Array.from({length: SCORE.max - SCORE.min + 1}, (_, i) => String(SCORE.min + i))
  const next = (): GeneratedRecord => {
    const player = random.pick(PLAYERS)
    const score = scores[random.int(scores.length)]
    return {key: player, value: score, timestamp: clock.next()}
  }
  return {generator: 'scores', next, take: (count) => Array.from({length: count}, next)}
}
