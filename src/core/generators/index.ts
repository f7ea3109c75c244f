export {createAlertFactory} from './alerts.js'
export {createEventFactory, GENERATOR_SPECS, type CreateFactoryOptions, type GeneratorSpec} from './catalog.js'
export {syntheticClock, wallClock, type Clock} from './clock.js'
export {DeliveryWatch, STALL_NOTICE_MS, type DeliveryChange} from './delivery-watch.js'
/** How long the producer keeps trying a record before the run fails. */
export {DELIVERY_TIMEOUT_MS} from '../kafka/index.js'
export * from './domains.js'
export {defaultTimeStepMs, parseRate, parseStartTime, type Rate} from './options.js'
export {createOrderFactory} from './orders.js'
export {createRandom, randomSeed, type Random} from './random.js'
export {createReviewFactory, loadReviewCorpus, parseReviewCorpus, REVIEW_CORPUS_PATH, type ReviewFactoryOptions} from './reviews.js'
export {
  CLASSIC_COUNT,
  DEFAULT_RATE,
  GeneratorFailure,
  realTimers,
  runGenerator,
  type GeneratorProgress,
  type GeneratorResult,
  type GeneratorTimers,
  type RecordSink,
  type RunGeneratorOptions,
} from './run-generator.js'
export {createScoreFactory} from './scores.js'
export {createTimestampFormatter, formatTimestamp, parseOriginalTimestamp} from './timestamp.js'
export type {EventFactory, FactoryOptions, GeneratedRecord} from './types.js'
export {createViewFactory} from './views.js'
