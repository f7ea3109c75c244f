/** Classification metrics over the five labels: confusion matrix, accuracy, per-class and macro F1. */
import {LABELS, labelIndex, type SentimentLabel} from './labels.js'

export interface ClassMetrics {
  label: SentimentLabel
  precision: number
  recall: number
  f1: number
  support: number
}

export interface Metrics {
  n: number
  accuracy: number
  macroF1: number
  /** Share of texts whose prediction is at most one class away (e.g. Positive for Very Positive). */
  withinOne: number
  /** confusion[actual][predicted], in LABELS order. */
  confusion: number[][]
  perClass: ClassMetrics[]
}

export function computeMetrics(actual: readonly SentimentLabel[], predicted: readonly SentimentLabel[]): Metrics {
  const confusion = LABELS.map(() => LABELS.map(() => 0))
  let correct = 0
  let near = 0
  actual.forEach((label, i) => {
    const a = labelIndex(label)
    const p = labelIndex(predicted[i])
    confusion[a][p] += 1
    if (a === p) correct += 1
    if (Math.abs(a - p) <= 1) near += 1
  })
  const perClass = LABELS.map((label, k): ClassMetrics => {
    const tp = confusion[k][k]
    const support = confusion[k].reduce((s, v) => s + v, 0)
    const predictedK = confusion.reduce((s, row) => s + row[k], 0)
    const precision = predictedK === 0 ? 0 : tp / predictedK
    const recall = support === 0 ? 0 : tp / support
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
    return {label, precision, recall, f1, support}
  })
  const n = actual.length
  return {
    n,
    accuracy: n === 0 ? 0 : correct / n,
    macroF1: perClass.reduce((s, c) => s + c.f1, 0) / perClass.length,
    withinOne: n === 0 ? 0 : near / n,
    confusion,
    perClass,
  }
}
