/**
 * The in-process sentiment model: a lexicon scorer, a rule for texts of several sentences, and four label
 * thresholds. The shipped configuration (`SHIPPED_MODEL`) was chosen and its thresholds tuned on the tune
 * split of resources/sentiment/ only; `npm run eval:sentiment` reproduces the choice and reports the
 * held-out test figures (docs/sentiment.md).
 */
import {DEFAULT_LABEL, labelFromScore, type LabelThresholds, type SentimentLabel} from './labels.js'
import {SCORERS, type ScorerName} from './scorers.js'
import {splitSentences} from './sentences.js'

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

export interface Classification {
  label: SentimentLabel
  /** The model's score, on the scorer's scale (positive = favourable). */
  score: number
}

export interface SentimentModel {
  /** e.g. "vader/recency". */
  readonly name: string
  readonly config: ModelConfig
  classify(text: string): Classification
}

/** The model sstream serves and uses in-process. Figures and the confusion matrix: docs/sentiment.md. */
export const SHIPPED_MODEL: ModelConfig = {
  scorer: 'rules',
  strategy: 'whole',
  thresholds: {veryNegative: -0.49603, negative: -0.12892, positive: 0.05137, veryPositive: 0.71725},
}

export function createSentimentModel(config: ModelConfig = SHIPPED_MODEL): SentimentModel {
  return {
    name: `${config.scorer}/${config.strategy}`,
    config,
    classify(text: string): Classification {
      if (text.trim() === '') return {label: DEFAULT_LABEL, score: 0}
      const score = scoreText(text, config.scorer, config.strategy)
      return {label: labelFromScore(score, config.thresholds), score: round(score)}
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
