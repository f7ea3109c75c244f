/**
 * The five sentiment labels of the original service (Stanford CoreNLP's classes 0–4), and the mapping of a
 * model's scalar score onto them through four ascending cut points.
 */
export const LABELS = ['Very Negative', 'Negative', 'Neutral', 'Positive', 'Very Positive'] as const

export type SentimentLabel = (typeof LABELS)[number]

/** The label of an empty text, and of a text without sentiment (the original's default class 2). */
export const DEFAULT_LABEL: SentimentLabel = 'Neutral'

export function isSentimentLabel(value: string): value is SentimentLabel {
  return (LABELS as readonly string[]).includes(value)
}

/** The class index 0–4 of a label, as the original numbered them. */
export function labelIndex(label: SentimentLabel): number {
  return LABELS.indexOf(label)
}

/**
 * Four ascending cut points on a model's score. A score below `veryNegative` is Very Negative, below
 * `negative` Negative, up to and including `positive` Neutral, up to and including `veryPositive` Positive,
 * and above that Very Positive.
 */
export interface LabelThresholds {
  veryNegative: number
  negative: number
  positive: number
  veryPositive: number
}

export function labelFromScore(score: number, t: LabelThresholds): SentimentLabel {
  if (score < t.veryNegative) return 'Very Negative'
  if (score < t.negative) return 'Negative'
  if (score <= t.positive) return 'Neutral'
  if (score <= t.veryPositive) return 'Positive'
  return 'Very Positive'
}
