/** The sentiment model, its evaluation, the HTTP service and its client. */
export {DEFAULT_LABEL, LABELS, isSentimentLabel, labelFromScore, labelIndex, type LabelThresholds, type SentimentLabel} from './labels.js'
export {
  createLexiconModel,
  createSentimentModel,
  createTrainedModel,
  DEFAULT_MODEL_KIND,
  isModelKind,
  MODEL_KINDS,
  scoreText,
  SENTENCE_STRATEGIES,
  SHIPPED_MODEL,
  type Classification,
  type ClassProbabilities,
  type ModelConfig,
  type ModelKind,
  type SentenceStrategy,
  type SentimentModel,
} from './model.js'
export {splitSentences} from './sentences.js'
export {
  DEFAULT_MAX_BATCH,
  DEFAULT_MAX_BODY_BYTES,
  formatAccessLog,
  startSentimentServer,
  type AccessLogEntry,
  type SentimentServer,
  type SentimentServerOptions,
  type SentimentServerStats,
} from './server.js'
export {
  createSentimentClient,
  isSentimentRejection,
  probeSentimentService,
  sentimentEndpoints,
  type SentimentClient,
  type SentimentClientOptions,
  type SentimentOutageEvent,
  type SentimentRecoveredEvent,
  type SentimentOutcome,
  type SentimentRejection,
  type SentimentResult,
} from './client.js'
export {listenAddressOf, serveSentiment, type ServeSentimentOptions, type ServeSentimentResult} from './serve.js'
