/**
 * The evaluation on real reviews that nobody here wrote: the Stanford Sentiment Treebank's dev split (1,101
 * sentences, sentence-level labels). Every model gets the raw sentence text, as in production:
 *  - `trained`: the shipped network (argmax of its probabilities; binary by the probabilities summed per side);
 *  - `lexicon`: sstream 0.1's lexicon model as shipped;
 *  - the three lexicon packages (`sentiment`: AFINN-165, `vader-sentiment`, `wink-sentiment`), each reduced to
 *    its score and cut into five labels at thresholds tuned on the train split's 8,544 sentences (the
 *    procedure of tune.ts) — the best these scorers can do with five labels, chosen without the dev split.
 * Binary accuracy is over the dev sentences not labelled Neutral. A model without probabilities is right
 * when its label is on the correct side; its Neutral answers count as wrong. Speed: texts per CPU-second of
 * this process over the dev sentences, tokenising included.
 */
import {createRequire} from 'node:module'

import type {LabelledReview} from './dataset.js'
import {LABELS, labelFromScore, labelIndex, type LabelThresholds, type SentimentLabel} from './labels.js'
import {computeMetrics, type Metrics} from './metrics.js'
import {createLexiconModel, createTrainedModel, readTrainedRecord, type SentimentModel} from './model.js'
import {SCORER_PACKAGES, SCORERS, type ScorerName} from './scorers.js'
import {readSentences} from './trained/sst.js'
import {tuneThresholds} from './tune.js'

/** The published figures on the treebank's test split (Socher et al. 2013), sentence level. */
export const PUBLISHED_REFERENCES = [
  {model: 'Recursive neural tensor network (Stanford CoreNLP, the original service)', accuracy: 0.457, binary: 0.854},
  {model: 'Naive Bayes over words', accuracy: 0.41, binary: 0.818},
] as const

export interface TreebankModelReport {
  /** e.g. "trained dan 1+3f2a9c1b", "sentiment@5.0.2 (AFINN-165)". */
  model: string
  kind: 'trained' | 'lexicon' | 'package'
  dev: Metrics
  /** Over the non-Neutral dev sentences. */
  binary: {n: number; accuracy: number}
  textsPerSecond: number
  /** For the packages: the thresholds tuned on the train split. */
  thresholds?: LabelThresholds
}

export interface TreebankReport {
  devSize: number
  trainSize: number
  models: TreebankModelReport[]
  /** The trained model's dev figures recorded when its weights were made, for comparison. */
  recorded?: {accuracy: number; binary: number}
}

type Predict = (text: string) => {label: SentimentLabel; positiveSide?: number}

export async function evaluateOnTreebank(dataDir: string): Promise<TreebankReport> {
  const [train, dev] = await Promise.all([readSentences(dataDir, 'train'), readSentences(dataDir, 'dev')])
  const models: TreebankModelReport[] = []
  const trained = createTrainedModel()
  models.push(measureModel(`${trained.name} ${trained.version}`, 'trained', dev, probabilisticPredict(trained)))
  const lexicon = createLexiconModel()
  models.push(measureModel(lexicon.name, 'lexicon', dev, (t) => ({label: lexicon.classify(t).label})))
  const packages: Array<[ScorerName, string]> = [
    ['afinn', 'AFINN-165'],
    ['vader', 'VADER'],
    ['wink', 'AFINN-165 + phrases'],
  ]
  for (const [scorer, what] of packages) {
    const score = SCORERS[scorer]
    const thresholds = tuneThresholds(train.map((r) => score(r.text)), train.map((r) => r.label))
    const report = measureModel(`${SCORER_PACKAGES[scorer].map(packageVersion).join(' + ')} (${what})`, 'package', dev, (t) => ({label: labelFromScore(score(t), thresholds)}))
    models.push({...report, thresholds})
  }
  const training = trainedRecord(trained)
  return {devSize: dev.length, trainSize: train.length, models, ...(training ? {recorded: training} : {})}
}

/** The trained model's label, and its probability mass on the positive side against the negative side. */
export function probabilisticPredict(model: SentimentModel): Predict {
  return (text) => {
    const c = model.classify(text)
    const p = c.probabilities
    return p ? {label: c.label, positiveSide: p.Positive + p['Very Positive'] - (p.Negative + p['Very Negative'])} : {label: c.label}
  }
}

/** Binary accuracy over the non-Neutral sentences: by the probabilities when there are any, else by the label's side. */
export function binaryAccuracy(set: readonly LabelledReview[], predictions: ReadonlyArray<{label: SentimentLabel; positiveSide?: number}>): {n: number; accuracy: number} {
  let n = 0
  let correct = 0
  set.forEach((r, i) => {
    const actual = labelIndex(r.label)
    if (actual === 2) return
    n += 1
    const p = predictions[i]
    const side = p.positiveSide !== undefined ? Math.sign(p.positiveSide) : Math.sign(labelIndex(p.label) - 2)
    if (side === Math.sign(actual - 2)) correct += 1
  })
  return {n, accuracy: n === 0 ? 0 : correct / n}
}

function measureModel(model: string, kind: TreebankModelReport['kind'], dev: readonly LabelledReview[], predict: Predict): TreebankModelReport {
  const predictions = dev.map((r) => predict(r.text))
  // Speed: enough passes over the dev sentences for a stable figure.
  // CPU time of this process rather than the wall clock, which a busy machine stretches.
  const passes = kind === 'trained' ? 20 : 3
  const started = process.cpuUsage()
  for (let k = 0; k < passes; k++) for (const r of dev) predict(r.text)
  const used = process.cpuUsage(started)
  const seconds = (used.user + used.system) / 1e6
  return {
    model,
    kind,
    dev: computeMetrics(dev.map((r) => r.label), predictions.map((p) => p.label)),
    binary: binaryAccuracy(dev, predictions),
    textsPerSecond: Math.round((passes * dev.length) / seconds),
  }
}

function trainedRecord(model: SentimentModel): {accuracy: number; binary: number} | undefined {
  const record = readTrainedRecord()
  return record && record.version === model.version ? record.dev : undefined
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url)
  const {version} = require(`${name}/package.json`) as {version: string}
  return `${name}@${version}`
}

const pct = (v: number): string => `${(v * 100).toFixed(1)} %`

export function renderTreebankReport(report: TreebankReport): string {
  const lines: string[] = []
  lines.push(`Stanford Sentiment Treebank, dev split: ${report.devSize} sentences (${report.models[0].binary.n} not Neutral). Lexicon package thresholds tuned on the train split's ${report.trainSize} sentences.`, '')
  lines.push('| model | five-class accuracy | binary accuracy | macro-F1 | within one class | texts per CPU-second |', '|---|---|---|---|---|---|')
  for (const m of report.models) {
    lines.push(`| ${m.model} | ${pct(m.dev.accuracy)} | ${pct(m.binary.accuracy)} | ${m.dev.macroF1.toFixed(3)} | ${pct(m.dev.withinOne)} | ${m.textsPerSecond.toLocaleString('en-US')} |`)
  }
  if (report.recorded) lines.push('', `Recorded for these weights when they were made: ${pct(report.recorded.accuracy)} five-class, ${pct(report.recorded.binary)} binary.`)
  lines.push('', 'Published reference figures (test split, Socher et al. 2013):', '', '| model | five-class accuracy | binary accuracy |', '|---|---|---|')
  for (const r of PUBLISHED_REFERENCES) lines.push(`| ${r.model} | ${pct(r.accuracy)} | ${pct(r.binary)} |`)
  const trained = report.models[0]
  lines.push('', `Confusion matrix of the trained model on the dev split (rows: actual, columns: predicted):`, '')
  lines.push(`| actual \\ predicted | ${LABELS.join(' | ')} |`, `|---|${LABELS.map(() => '---').join('|')}|`)
  LABELS.forEach((label, a) => lines.push(`| ${label} | ${trained.dev.confusion[a].join(' | ')} |`))
  lines.push('', '| class | precision | recall | F1 | support |', '|---|---|---|---|---|')
  for (const c of trained.dev.perClass) lines.push(`| ${c.label} | ${c.precision.toFixed(3)} | ${c.recall.toFixed(3)} | ${c.f1.toFixed(3)} | ${c.support} |`)
  const lexicon = report.models.find((m) => m.kind === 'lexicon')
  if (lexicon) {
    lines.push('', `Confusion matrix of the lexicon model on the dev split:`, '')
    lines.push(`| actual \\ predicted | ${LABELS.join(' | ')} |`, `|---|${LABELS.map(() => '---').join('|')}|`)
    LABELS.forEach((label, a) => lines.push(`| ${label} | ${lexicon.dev.confusion[a].join(' | ')} |`))
  }
  return lines.join('\n')
}
