/**
 * The evaluation behind docs/sentiment.md: every candidate scorer under every sentence strategy, with label
 * thresholds tuned on the tune split, measured on the held-out test split. The candidate with the best
 * macro-F1 on the tune split (accuracy breaking ties) is chosen; the test split never influences a choice.
 */
import {createRequire} from 'node:module'

import {loadEvaluationSet, type LabelledReview} from './dataset.js'
import {LABELS, labelFromScore, type LabelThresholds} from './labels.js'
import {computeMetrics, type Metrics} from './metrics.js'
import {createLexiconModel, scoreText, SENTENCE_STRATEGIES, SHIPPED_MODEL, type ModelConfig, type SentenceStrategy} from './model.js'
import {SCORER_NAMES, SCORER_PACKAGES, type ScorerName} from './scorers.js'
import {splitSentences} from './sentences.js'
import {tuneThresholds} from './tune.js'

/** Thresholds one would pick without tuning (VADER's documented ±0.05 neutral band, also for the rules' compound; AFINN sums; wink averages). */
export const UNTUNED_THRESHOLDS: Record<ScorerName, LabelThresholds> = {
  afinn: {veryNegative: -4.5, negative: -0.5, positive: 0.5, veryPositive: 4.5},
  vader: {veryNegative: -0.5, negative: -0.05, positive: 0.05, veryPositive: 0.5},
  wink: {veryNegative: -3.5, negative: -0.5, positive: 0.5, veryPositive: 3.5},
  rules: {veryNegative: -0.5, negative: -0.05, positive: 0.05, veryPositive: 0.5},
}

/** Phenomena the evaluation set was written to include, recognised by surface form. */
export const PHENOMENA: Record<string, (text: string) => boolean> = {
  negation: (t) => /\b(not|no|never|nothing|neither|nor|none|cannot|without)\b|n't\b/i.test(t),
  contrast: (t) => /\b(but|however|although|though)\b/i.test(t),
  intensifier: (t) =>
    /\b(very|really|so|extremely|incredibly|absolutely|utterly|truly|completely|totally|simply|deeply|painfully|terribly|highly|far)\b|!/i.test(t),
  'multi-sentence': (t) => splitSentences(t).length > 1,
}

export interface CandidateReport {
  scorer: ScorerName
  /** npm package and version. */
  package: string
  strategy: SentenceStrategy
  thresholds: LabelThresholds
  tune: Metrics
  test: Metrics
  /** The same scorer and strategy with UNTUNED_THRESHOLDS, on the test split. */
  untunedTest: Metrics
}

export interface PhenomenonReport {
  phenomenon: string
  count: number
  accuracy: number
}

export interface EvaluationReport {
  tuneSize: number
  testSize: number
  candidates: CandidateReport[]
  chosen: CandidateReport
  /** The configuration in SHIPPED_MODEL and whether it is the chosen one with the tuned thresholds. */
  shipped: {config: ModelConfig; matchesChosen: boolean; test: Metrics}
  phenomena: PhenomenonReport[]
}

export async function evaluateModels(): Promise<EvaluationReport> {
  const [tune, test] = await Promise.all([loadEvaluationSet('tune'), loadEvaluationSet('test')])
  const candidates: CandidateReport[] = []
  for (const scorer of SCORER_NAMES) {
    for (const strategy of SENTENCE_STRATEGIES) {
      const tuneScores = tune.map((r) => scoreText(r.text, scorer, strategy))
      const testScores = test.map((r) => scoreText(r.text, scorer, strategy))
      const thresholds = tuneThresholds(tuneScores, tune.map((r) => r.label))
      candidates.push({
        scorer,
        package: SCORER_PACKAGES[scorer].map(packageVersion).join(' + '),
        strategy,
        thresholds,
        tune: measure(tune, tuneScores, thresholds),
        test: measure(test, testScores, thresholds),
        untunedTest: measure(test, testScores, UNTUNED_THRESHOLDS[scorer]),
      })
    }
  }
  const chosen = candidates.reduce((best, c) =>
    c.tune.macroF1 > best.tune.macroF1 || (c.tune.macroF1 === best.tune.macroF1 && c.tune.accuracy > best.tune.accuracy) ? c : best,
  )
  const model = createLexiconModel(SHIPPED_MODEL)
  const shippedPredictions = test.map((r) => model.classify(r.text).label)
  const matchesChosen =
    SHIPPED_MODEL.scorer === chosen.scorer &&
    SHIPPED_MODEL.strategy === chosen.strategy &&
    (Object.keys(chosen.thresholds) as Array<keyof LabelThresholds>).every((k) => SHIPPED_MODEL.thresholds[k] === chosen.thresholds[k])
  const phenomena = Object.entries(PHENOMENA).map(([phenomenon, matches]): PhenomenonReport => {
    const idx = test.map((r, i) => (matches(r.text) ? i : -1)).filter((i) => i >= 0)
    const correct = idx.filter((i) => shippedPredictions[i] === test[i].label).length
    return {phenomenon, count: idx.length, accuracy: idx.length === 0 ? 0 : correct / idx.length}
  })
  return {
    tuneSize: tune.length,
    testSize: test.length,
    candidates,
    chosen,
    shipped: {config: SHIPPED_MODEL, matchesChosen, test: computeMetrics(test.map((r) => r.label), shippedPredictions)},
    phenomena,
  }
}

function measure(set: LabelledReview[], scores: number[], thresholds: LabelThresholds): Metrics {
  return computeMetrics(
    set.map((r) => r.label),
    scores.map((s) => labelFromScore(s, thresholds)),
  )
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url)
  const {version} = require(`${name}/package.json`) as {version: string}
  return `${name}@${version}`
}

const pct = (v: number): string => `${(v * 100).toFixed(1)} %`

/** The report as Markdown, the form docs/sentiment.md quotes. */
export function renderEvaluationReport(report: EvaluationReport): string {
  const lines: string[] = []
  lines.push(`Tune split: ${report.tuneSize} reviews. Test split (held out): ${report.testSize} reviews.`, '')
  lines.push('| scorer (package) | sentences | tuned thresholds (VN < · N < · ≤ Neu ≤ · ≤ P) | tune acc | tune macro-F1 | test acc | test macro-F1 | test acc, untuned | test macro-F1, untuned |')
  lines.push('|---|---|---|---|---|---|---|---|---|')
  for (const c of report.candidates) {
    const t = c.thresholds
    const mark = c === report.chosen ? ' **(chosen)**' : ''
    lines.push(
      `| ${c.scorer} (${c.package})${mark} | ${c.strategy} | ${t.veryNegative} · ${t.negative} · ${t.positive} · ${t.veryPositive} | ${pct(c.tune.accuracy)} | ${c.tune.macroF1.toFixed(3)} | ${pct(c.test.accuracy)} | ${c.test.macroF1.toFixed(3)} | ${pct(c.untunedTest.accuracy)} | ${c.untunedTest.macroF1.toFixed(3)} |`,
    )
  }
  const s = report.shipped
  lines.push('', `Shipped model: ${s.config.scorer}/${s.config.strategy}, thresholds ${JSON.stringify(s.config.thresholds)}.`)
  lines.push(s.matchesChosen ? 'It is the chosen candidate with its tuned thresholds.' : `WARNING: it differs from the chosen candidate (${report.chosen.scorer}/${report.chosen.strategy}).`)
  lines.push('', `Test split, shipped model: accuracy ${pct(s.test.accuracy)}, macro-F1 ${s.test.macroF1.toFixed(3)}, within one class ${pct(s.test.withinOne)}.`, '')
  lines.push(`| actual \\ predicted | ${LABELS.join(' | ')} |`, `|---|${LABELS.map(() => '---').join('|')}|`)
  LABELS.forEach((label, a) => lines.push(`| ${label} | ${s.test.confusion[a].join(' | ')} |`))
  lines.push('', '| class | precision | recall | F1 | support |', '|---|---|---|---|---|')
  for (const c of s.test.perClass) lines.push(`| ${c.label} | ${c.precision.toFixed(3)} | ${c.recall.toFixed(3)} | ${c.f1.toFixed(3)} | ${c.support} |`)
  lines.push('', '| test reviews with | count | accuracy |', '|---|---|---|')
  for (const p of report.phenomena) lines.push(`| ${p.phenomenon} | ${p.count} | ${pct(p.accuracy)} |`)
  return lines.join('\n')
}
