/**
 * Every topic, table and Redis key sstream uses by default, defined once. Each can be overridden per
 * command by a flag, so that tests, benchmarks and several users can share one cluster.
 */
export const TOPICS = {
  ordersInput: 'streaming.orders.input',
  alertsInput: 'streaming.alerts.input',
  alertsCritical: 'streaming.alerts.critical',
  alertsHighVolume: 'streaming.alerts.highvolume',
  leaderboardsInput: 'streaming.leaderboards.input',
  sentimentInput: 'streaming.sentiment.input',
  sentimentOutput: 'streaming.sentiment.output',
  viewsInput: 'streaming.views.input',
  deadLetter: 'streaming.deadletter',
} as const

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS]

/** The topics `sstream setup kafka` creates, in the order it reports them. */
export const ALL_TOPICS: readonly string[] = Object.values(TOPICS)

/**
 * The command that creates these missing topics: `sstream setup kafka` when they are all sstream's own,
 * else with `--topic` for each (setup kafka alone creates only sstream's nine).
 */
export function createTopicsCommand(topics: readonly string[]): string {
  if (topics.every((topic) => ALL_TOPICS.includes(topic))) return '`sstream setup kafka`'
  return `\`sstream setup kafka ${topics.map((topic) => `--topic ${topic}`).join(' ')}\``
}

/** Short names accepted wherever a topic is named on the command line: `alerts.critical` → `streaming.alerts.critical`. */
export function resolveTopicName(name: string): string {
  if (ALL_TOPICS.includes(name)) return name
  const prefixed = `streaming.${name}`
  return ALL_TOPICS.includes(prefixed) ? prefixed : name
}

export const TABLES = {
  orderSummary: 'order_summary',
  userViewSummary: 'user_view_summary',
  schemaVersion: 'sstream_schema_version',
} as const

export const REDIS_KEYS = {
  playerLeaderboard: 'player-leaderboard',
  topicsLeaderboard: 'topics-leaderboard',
  /** Prefix of the hashes that hold a pipeline's consumed offsets next to its sorted set. */
  offsetsPrefix: 'sstream:offsets:',
} as const

export const DATABASE = {
  name: 'streaming',
  user: 'streaming',
  password: 'streaming',
} as const

export const PIPELINES = ['analytics', 'alerts', 'leaderboard', 'predictions', 'views'] as const
export type PipelineName = (typeof PIPELINES)[number]

export const GENERATORS = ['orders', 'alerts', 'scores', 'reviews', 'views'] as const
export type GeneratorName = (typeof GENERATORS)[number]

/** The default consumer group of a pipeline. */
export function defaultGroupId(pipeline: PipelineName): string {
  return `sstream-${pipeline}`
}
