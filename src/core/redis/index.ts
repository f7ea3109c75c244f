export {checkRedis, connectRedis, createRedis, isRedisConnectionError, redisSecurity, redisTarget, toRedisError, type Redis, type RedisClientOptions} from './client.js'
export {offsetsKeyFor, setupRedis, type SetupRedisOptions, type SetupRedisResult} from './setup.js'
export {instanceName, ProcessorStatsPublisher, readProcessorStats, readStoppedProcessorStats, type ProcessorStats} from './processor-stats.js'
export {
  boardOffsetField,
  parseBoardOffsets,
  positionsPastEnd,
  readBoard,
  readBoardOffsets,
  resetBoard,
  type BoardPosition,
  type BoardRow,
  type PositionPastEnd,
} from './boards.js'
export {leaderboardSink, sumPoints, type BoardPoint, type LeaderboardSink, type LeaderboardSinkOptions} from './leaderboard-sink.js'
