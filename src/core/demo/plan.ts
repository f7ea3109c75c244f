/**
 * What `sstream demo` runs: each pattern is a pipeline fed by its generator, on the default topics,
 * tables, Redis keys and consumer groups, so that `watch` and `status` in another terminal show the same.
 */
import {defaultGroupId, PIPELINES, REDIS_KEYS, TABLES, TOPICS, type GeneratorName, type PipelineName} from '../names.js'

export const DEMO_PATTERNS = [...PIPELINES, 'all'] as const
export type DemoPattern = (typeof DEMO_PATTERNS)[number]

/** The generator that feeds each pipeline. */
export const GENERATOR_OF: Readonly<Record<PipelineName, GeneratorName>> = {
  analytics: 'orders',
  alerts: 'alerts',
  leaderboard: 'scores',
  predictions: 'reviews',
  views: 'views',
}

/** Records per second per generator unless told otherwise: lively on the screen, light on two cores. */
export const DEFAULT_DEMO_RATE = 20
/** How long the demo runs unless told otherwise. */
export const DEFAULT_DEMO_DURATION_MS = 60_000

/** The pipelines of a pattern, in the order of the tabs. */
export function pipelinesOf(pattern: DemoPattern): PipelineName[] {
  return pattern === 'all' ? [...PIPELINES] : [pattern]
}

/** Where each pipeline reads and writes in the demo (the defaults of `sstream run`). */
export function demoTargets(pipeline: PipelineName): {inputTopic: string; groupId: string; outputs: string[]} {
  const groupId = defaultGroupId(pipeline)
  switch (pipeline) {
    case 'analytics':
      return {inputTopic: TOPICS.ordersInput, groupId, outputs: [`table ${TABLES.orderSummary}`]}
    case 'alerts':
      return {inputTopic: TOPICS.alertsInput, groupId, outputs: [TOPICS.alertsCritical, TOPICS.alertsHighVolume]}
    case 'leaderboard':
      return {inputTopic: TOPICS.leaderboardsInput, groupId, outputs: [`redis ${REDIS_KEYS.playerLeaderboard}`]}
    case 'predictions':
      return {inputTopic: TOPICS.sentimentInput, groupId, outputs: [TOPICS.sentimentOutput]}
    case 'views':
      return {inputTopic: TOPICS.viewsInput, groupId, outputs: [`table ${TABLES.userViewSummary}`, `redis ${REDIS_KEYS.topicsLeaderboard}`]}
  }
}
