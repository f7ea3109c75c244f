/**
 * `npm run eval:sentiment [-- --data DIR] [--json]`: the figures of docs/sentiment.md.
 *  1. The Stanford Sentiment Treebank's dev split (DIR, default ../shared/data/sst): every model — trained,
 *     lexicon, and the three lexicon packages — with five-class and binary accuracy, the confusion matrices
 *     and the speed, beside the published reference figures.
 *  2. The project's own labelled reviews (resources/sentiment/, written by the project): the lexicon's
 *     candidates and how the shipped lexicon was chosen, and the trained model on the same reviews.
 * `--json` prints both reports as one JSON object. Exits 1 when the shipped lexicon is no longer the chosen
 * candidate, or when the trained model measures below the dev accuracy recorded for its weights.
 */
import {parseArgs} from 'node:util'

import {loadEvaluationSet} from './dataset.js'
import {evaluateModels, renderEvaluationReport} from './evaluate.js'
import {evaluateOnTreebank, renderTreebankReport} from './evaluate-sst.js'
import {computeMetrics} from './metrics.js'
import {createTrainedModel} from './model.js'

const {values} = parseArgs({options: {data: {type: 'string', default: '../shared/data/sst'}, json: {type: 'boolean', default: false}}})
const treebank = await evaluateOnTreebank(values.data)
const own = await evaluateModels()
const trained = createTrainedModel()
const ownTest = await loadEvaluationSet('test')
const trainedOnOwn = computeMetrics(ownTest.map((r) => r.label), ownTest.map((r) => trained.classify(r.text).label))

if (values.json) {
  process.stdout.write(`${JSON.stringify({treebank, ownReviews: {...own, trained: trainedOnOwn}}, null, 2)}\n`)
} else {
  const pct = (v: number): string => `${(v * 100).toFixed(1)} %`
  process.stdout.write(
    [
      '## On real reviews: the Stanford Sentiment Treebank',
      '',
      renderTreebankReport(treebank),
      '',
      '## Extra: the review sets written by the project (resources/sentiment/)',
      '',
      `Trained model on the project's test reviews: accuracy ${pct(trainedOnOwn.accuracy)}, macro-F1 ${trainedOnOwn.macroF1.toFixed(3)}, within one class ${pct(trainedOnOwn.withinOne)}.`,
      '',
      renderEvaluationReport(own),
      '',
    ].join('\n'),
  )
}
const trainedDev = treebank.models[0].dev.accuracy
if (!own.shipped.matchesChosen) process.exitCode = 1
if (treebank.recorded && trainedDev + 1e-9 < treebank.recorded.accuracy) {
  process.stderr.write(`The trained model measures ${trainedDev} on the dev split, below the ${treebank.recorded.accuracy} recorded for its weights.\n`)
  process.exitCode = 1
}
