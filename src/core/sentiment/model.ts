/**
 * The in-process sentiment models. `trained` (the default) is a deep averaging network trained on the
 * Stanford Sentiment Treebank (trained/, docs/sentiment.md); `lexicon` is the hand-tuned lexicon scorer of
 * sstream 0.1: a rule scorer, a rule for texts of several sentences, and four label thresholds
 * (`SHIPPED_MODEL`, tuned on the tune split of resources/sentiment/). `npm run eval:sentiment` measures
 * both on the treebank's dev split.
 */
import {readFileSync} from 'node:fs'
import {createHash} from 'node:crypto'

import {SstreamError} from '../errors.js'
import {resourcePath} from '../paths.js'
import {DEFAULT_LABEL, LABELS, labelFromScore, type LabelThresholds, type SentimentLabel} from './labels.js'
import {SCORERS, type ScorerName} from './scorers.js'
import {splitSentences} from './sentences.js'
import {AveragingNetwork, CLASSES} from './trained/network.js'

/**
 * How a text of several sentences is scored:
 *  - `whole`: the scorer sees the whole text at once;
 *  - `last`: only the last sentence counts (the original service: "the last sentence wins");
 *  - `mean`: the mean of the sentences' scores;
 *  - `recency`: the mean of the sentences that carry sentiment, the last of them counted twice (a softer
 *    form of the original's rule: the conclusion of a review weighs more, an empty closing remark does not
 *    wipe out the rest).
 */
export const SENTENCE_STRATEGIES = ['whole', 'last', 'mean', 'recency'] as const
export type SentenceStrategy = (typeof SENTENCE_STRATEGIES)[number]

export interface ModelConfig {
  scorer: ScorerName
  strategy: SentenceStrategy
  thresholds: LabelThresholds
}

/** The models `--model` chooses from. */
export const MODEL_KINDS = ['trained', 'lexicon'] as const
export type ModelKind = (typeof MODEL_KINDS)[number]
export const DEFAULT_MODEL_KIND: ModelKind = 'trained'

export function isModelKind(value: string): value is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(value)
}

export type ClassProbabilities = Record<SentimentLabel, number>

export interface Classification {
  label: SentimentLabel
  /**
   * The model's score, positive = favourable: for the trained model the probability of the positive side
   * minus that of the negative side, in [-1, 1]; for the lexicon its scorer's scale.
   */
  score: number
  /** The five class probabilities (trained model); absent for the lexicon, which has none. */
  probabilities?: ClassProbabilities
}

export interface SentimentModel {
  readonly kind: ModelKind
  /** e.g. "trained dan" or "lexicon rules/whole". */
  readonly name: string
  /** Changes whenever the weights or the configuration change, e.g. "1+3f2a9c1b". */
  readonly version: string
  classify(text: string): Classification
}

/** The lexicon configuration shipped with sstream 0.1. Figures: docs/sentiment.md. */
export const SHIPPED_MODEL: ModelConfig = {
  scorer: 'rules',
  strategy: 'whole',
  thresholds: {veryNegative: -0.49603, negative: -0.12892, positive: 0.05137, veryPositive: 0.71725},
}

/** The trained model (the default) or the lexicon. The trained weights are read on the first call only. */
export function createSentimentModel(kind: ModelKind = DEFAULT_MODEL_KIND): SentimentModel {
  return kind === 'lexicon' ? createLexiconModel() : createTrainedModel()
}

export function createLexiconModel(config: ModelConfig = SHIPPED_MODEL): SentimentModel {
  return {
    kind: 'lexicon',
    name: `lexicon ${config.scorer}/${config.strategy}`,
    version: `0.1+${config.scorer}/${config.strategy}/${Object.values(config.thresholds).join('/')}`,
    classify(text: string): Classification {
      if (text.trim() === '') return {label: DEFAULT_LABEL, score: 0}
      const score = scoreText(text, config.scorer, config.strategy)
      return {label: labelFromScore(score, config.thresholds), score: round(score)}
    },
  }
}

/** Where the trained weights ship. */
export function trainedWeightsPath(): string {
  return resourcePath('sentiment', 'trained-model.bin.gz')
}

/** The dev-split figures of the shipped weights, measured by the training script when it wrote them. */
export interface TrainedRecord {
  version: string
  dev: {accuracy: number; binary: number; sentences: number}
  training: Record<string, unknown>
}

export function trainedRecordPath(): string {
  return resourcePath('sentiment', 'trained-model.json')
}

export function readTrainedRecord(path = trainedRecordPath()): TrainedRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as TrainedRecord
  } catch {
    return undefined
  }
}

/** The version of a weights file: the training's version and the first 8 hex digits of the file's SHA-256. */
export function weightsVersion(bytes: Buffer, trainingVersion: string): string {
  return `${trainingVersion}+${createHash('sha256').update(bytes).digest('hex').slice(0, 8)}`
}

let network: {net: AveragingNetwork; version: string} | undefined

/** The shipped network, read once per process. */
export function loadTrainedNetwork(path = trainedWeightsPath()): {net: AveragingNetwork; version: string} {
  if (network && path === trainedWeightsPath()) return network
  let bytes: Buffer
  try {
    bytes = readFileSync(path)
  } catch (error) {
    throw new SstreamError('INVALID_INPUT', `The trained sentiment model's weights are missing (${path}).`, {
      nextSteps: ['Reinstall sstream, or use the lexicon model with `--model lexicon`.'],
      cause: error,
    })
  }
  let net: AveragingNetwork
  try {
    net = AveragingNetwork.fromBuffer(bytes, path)
  } catch (error) {
    if (error instanceof SstreamError) throw error
    throw new SstreamError('INVALID_INPUT', `The trained sentiment model's weights in ${path} can't be used: ${(error as Error).message}.`, {
      nextSteps: ['Reinstall sstream, or use the lexicon model with `--model lexicon`.'],
      cause: error,
    })
  }
  const loaded = {net, version: weightsVersion(bytes, net.info.version)}
  if (path === trainedWeightsPath()) network = loaded
  return loaded
}

export function createTrainedModel(path?: string): SentimentModel {
  const {net, version} = loadTrainedNetwork(path)
  const probs = new Float64Array(CLASSES)
  return {
    kind: 'trained',
    name: `trained ${net.info.name}`,
    version,
    classify(text: string): Classification {
      if (text.trim() === '') {
        return {label: DEFAULT_LABEL, score: 0, probabilities: {'Very Negative': 0, Negative: 0, Neutral: 1, Positive: 0, 'Very Positive': 0}}
      }
      net.predict(text, probs)
      let best = 0
      for (let k = 1; k < CLASSES; k++) if (probs[k] > probs[best]) best = k
      const probabilities = {} as ClassProbabilities
      for (let k = 0; k < CLASSES; k++) probabilities[LABELS[k]] = round(probs[k])
      return {label: LABELS[best], score: round(probs[3] + probs[4] - probs[0] - probs[1]), probabilities}
    },
  }
}

/** The scalar score of a text under one scorer and one sentence strategy; 0 for a text without sentences. */
export function scoreText(text: string, scorer: ScorerName, strategy: SentenceStrategy): number {
  const score = SCORERS[scorer]
  if (strategy === 'whole') return score(text)
  const sentences = splitSentences(text)
  if (sentences.length === 0) return 0
  if (sentences.length === 1) return score(sentences[0])
  if (strategy === 'last') return score(sentences[sentences.length - 1])
  const scores = sentences.map((s) => score(s))
  if (strategy === 'mean') return scores.reduce((a, b) => a + b, 0) / scores.length
  const bearing = scores.filter((s) => s !== 0)
  if (bearing.length === 0) return 0
  return (bearing.reduce((a, b) => a + b, 0) + bearing[bearing.length - 1]) / (bearing.length + 1)
}

function round(score: number): number {
  return Math.round(score * 10_000) / 10_000
}
