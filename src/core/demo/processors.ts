/**
 * One processor of the demo, in this process, with the defaults of `sstream run <pipeline>`: default topics,
 * tables, keys and consumer group, so that the demo's results are the ones `watch` and `status` show.
 */
import type {SstreamConfig} from '../config/index.js'
import {REDIS_KEYS, TABLES, TOPICS, type PipelineName} from '../names.js'
import {runAlerts} from '../pipelines/alerts.js'
import {runAnalytics} from '../pipelines/analytics.js'
import {runLeaderboard, type BoardPipelineEvent} from '../pipelines/leaderboard.js'
import {runPredictions} from '../pipelines/predictions.js'
import {runViews} from '../pipelines/views.js'
import type {RunOptions, RunSummary} from '../stream/types.js'
import {demoTargets} from './plan.js'

export interface DemoProcessorOptions {
  config: SstreamConfig
  /** The in-process sentiment service (predictions). */
  sentimentUrl: string
  signal: AbortSignal
  onEvent: (event: BoardPipelineEvent) => void
  pause?: RunOptions['pause']
  statsIntervalMs: number
}

/** Runs `pipeline` until the signal fires; resolves with its summary. */
export async function runDemoProcessor(pipeline: PipelineName, options: DemoProcessorOptions): Promise<RunSummary> {
  const {config} = options
  const {inputTopic, groupId} = demoTargets(pipeline)
  const common = {
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    groupId,
    from: 'earliest' as const,
    signal: options.signal,
    onEvent: options.onEvent,
    statsIntervalMs: options.statsIntervalMs,
    ...(options.pause ? {pause: options.pause} : {}),
    inputTopic,
    deadLetterTopic: TOPICS.deadLetter,
  }
  // The board pipelines report their board every second: the live view shows it as it changes.
  const board = {redisUrl: config.redisUrl, boardIntervalMs: 1000, reset: false}
  switch (pipeline) {
    case 'analytics':
      return runAnalytics({...common, mariadbUrl: config.mariadbUrl, table: TABLES.orderSummary})
    case 'alerts':
      return runAlerts({...common, criticalTopic: TOPICS.alertsCritical, highVolumeTopic: TOPICS.alertsHighVolume})
    case 'leaderboard':
      return runLeaderboard({...common, ...board, key: REDIS_KEYS.playerLeaderboard})
    case 'predictions':
      return runPredictions({...common, outputTopic: TOPICS.sentimentOutput, sentimentUrl: options.sentimentUrl})
    case 'views':
      return runViews({...common, ...board, key: REDIS_KEYS.topicsLeaderboard, mariadbUrl: config.mariadbUrl, table: TABLES.userViewSummary})
  }
}
