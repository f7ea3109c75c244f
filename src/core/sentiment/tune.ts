/**
 * Threshold tuning: the four cut points that maximise macro-F1 (then accuracy) of the labels on a labelled
 * set, searched exhaustively over the midpoints between the set's distinct scores. A text with score 0 (no
 * sentiment words) always stays Neutral: negative ≤ 0 ≤ positive.
 */
import {LABELS, labelIndex, type LabelThresholds, type SentimentLabel} from './labels.js'

const MAX_CUTS = 80

export function tuneThresholds(scores: readonly number[], labels: readonly SentimentLabel[]): LabelThresholds {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b])
  const distinct = [...new Set(order.map((i) => scores[i]))]
  let cuts = distinct.slice(1).map((v, i) => (v + distinct[i]) / 2)
  if (cuts.length > MAX_CUTS) cuts = Array.from({length: MAX_CUTS}, (_, k) => cuts[Math.floor((k * cuts.length) / MAX_CUTS)])
  // below[c][k]: how many texts of class k score below cut c.
  const below = cuts.map((cut) => {
    const counts = LABELS.map(() => 0)
    for (let i = 0; i < scores.length; i++) if (scores[i] < cut) counts[labelIndex(labels[i])] += 1
    return counts
  })
  const totals = LABELS.map(() => 0)
  for (const label of labels) totals[labelIndex(label)] += 1
  const n = cuts.length
  let best = {macroF1: -1, accuracy: -1, cut: [0, 0, 0, 0]}
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n && cuts[b] <= 0; b++) {
      for (let c = Math.max(b + 1, firstAtLeast(cuts, 0)); c < n; c++) {
        for (let d = c + 1; d < n; d++) {
          const bounds = [below[a], below[b], below[c], below[d]]
          const {macroF1, accuracy} = score(bounds, totals, labels.length)
          if (macroF1 > best.macroF1 + 1e-12 || (Math.abs(macroF1 - best.macroF1) <= 1e-12 && accuracy > best.accuracy + 1e-12)) {
            best = {macroF1, accuracy, cut: [cuts[a], cuts[b], cuts[c], cuts[d]]}
          }
        }
      }
    }
  }
  const [veryNegative, negative, positive, veryPositive] = best.cut.map((v) => Math.round(v * 100_000) / 100_000)
  return {veryNegative, negative, positive, veryPositive}
}

function firstAtLeast(sorted: readonly number[], value: number): number {
  const i = sorted.findIndex((v) => v >= value)
  return i < 0 ? sorted.length : i
}

/** Macro-F1 and accuracy of the five bands delimited by four "below cut" count vectors. */
function score(bounds: number[][], totals: number[], n: number): {macroF1: number; accuracy: number} {
  let f1Sum = 0
  let correct = 0
  for (let band = 0; band < 5; band++) {
    const lower = band === 0 ? undefined : bounds[band - 1]
    const upper = band === 4 ? totals : bounds[band]
    let predicted = 0
    for (let k = 0; k < 5; k++) predicted += upper[k] - (lower?.[k] ?? 0)
    const tp = upper[band] - (lower?.[band] ?? 0)
    correct += tp
    if (tp > 0) f1Sum += (2 * tp) / (predicted + totals[band])
  }
  return {macroF1: f1Sum / 5, accuracy: correct / n}
}
