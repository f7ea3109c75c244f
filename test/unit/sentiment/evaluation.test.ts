import {describe, expect, it} from 'vitest'

import {loadEvaluationSet, parseLabelledReviews} from '../../../src/core/sentiment/dataset.js'
import {evaluateModels, PHENOMENA} from '../../../src/core/sentiment/evaluate.js'
import {LABELS} from '../../../src/core/sentiment/labels.js'
import {computeMetrics} from '../../../src/core/sentiment/metrics.js'
import {tuneThresholds} from '../../../src/core/sentiment/tune.js'

describe('computeMetrics', () => {
  it('computes the confusion matrix, accuracy and macro-F1', () => {
    const m = computeMetrics(['Positive', 'Positive', 'Negative', 'Neutral'], ['Positive', 'Negative', 'Negative', 'Neutral'])
    expect(m.accuracy).toBe(0.75)
    expect(m.confusion[3][1]).toBe(1)
    const f1 = Object.fromEntries(m.perClass.map((c) => [c.label, c.f1]))
    expect(f1).toEqual({'Very Negative': 0, Negative: 2 / 3, Neutral: 1, Positive: 2 / 3, 'Very Positive': 0})
    expect(m.macroF1).toBeCloseTo((2 / 3 + 1 + 2 / 3) / 5, 10)
    expect(m.withinOne).toBe(0.75)
  })
})

describe('tuneThresholds', () => {
  it('finds cut points that separate separable scores and keep 0 Neutral', () => {
    const scores = [-0.9, -0.8, -0.4, -0.3, 0, 0.01, 0.3, 0.4, 0.8, 0.9]
    const labels = LABELS.flatMap((l) => [l, l])
    const t = tuneThresholds(scores, labels)
    expect(t.veryNegative).toBeGreaterThan(-0.8)
    expect(t.veryNegative).toBeLessThan(-0.4)
    expect(t.negative).toBeLessThanOrEqual(0)
    expect(t.positive).toBeGreaterThanOrEqual(0.01)
    expect(t.veryPositive).toBeGreaterThan(0.4)
    expect(t.veryPositive).toBeLessThan(0.8)
  })
})

describe('the labelled evaluation set', () => {
  it('parses <label><TAB><text> and refuses unknown labels', () => {
    expect(parseLabelledReviews('# comment\nPositive\tGood.\n\nVery Negative\tAwful.')).toEqual([
      {label: 'Positive', text: 'Good.'},
      {label: 'Very Negative', text: 'Awful.'},
    ])
    expect(() => parseLabelledReviews('Great\tGood.')).toThrow(/line 1/i)
  })

  it('ships ≥ 300 held-out reviews over the five labels, apart from the tune split, with every phenomenon', async () => {
    const [tune, test] = await Promise.all([loadEvaluationSet('tune'), loadEvaluationSet('test')])
    expect(test.length).toBeGreaterThanOrEqual(300)
    for (const label of LABELS) expect(test.filter((r) => r.label === label).length).toBeGreaterThanOrEqual(50)
    const tuneTexts = new Set(tune.map((r) => r.text))
    expect(test.filter((r) => tuneTexts.has(r.text))).toEqual([])
    for (const [name, matches] of Object.entries(PHENOMENA)) expect(test.filter((r) => matches(r.text)).length, name).toBeGreaterThanOrEqual(25)
  })
})

describe('evaluateModels', () => {
  it('chooses the shipped model: the shipped configuration equals the best candidate tuned on the tune split', async () => {
    const report = await evaluateModels()
    expect(report.candidates.map((c) => c.scorer)).toEqual(expect.arrayContaining(['afinn', 'vader', 'wink', 'rules']))
    expect(report.shipped.matchesChosen).toBe(true)
    expect(report.shipped.test.n).toBe(report.testSize)
  }, 60_000)
})
