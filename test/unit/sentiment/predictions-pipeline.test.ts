import {describe, expect, it} from 'vitest'

import {createTheme} from '../../../src/core/output/index.js'
import {formatPrediction} from '../../../src/cli/present-results.js'
import {localClassifier, predictionsPipeline, type Prediction, type ReviewClassifier} from '../../../src/core/pipelines/predictions.js'
import {createSentimentModel, type SentimentLabel} from '../../../src/core/sentiment/index.js'
import {runInMemory, type ResultEvent} from '../../../src/core/stream/index.js'

const model = createSentimentModel()
const options = {inputTopic: 'reviews', outputTopic: 'labels', deadLetterTopic: 'dlq', sentimentUrl: 'http://127.0.0.1:8001/sentiment'}
const reviews = ['A wonderful film.', 'Terrible, boring and far too long.', 'The film is in black and white.', 'Not bad at all.', '', 'Worst. Movie. Ever.']

describe('the predictions pipeline', () => {
  it('labels every review with the model, keyed by the review id, and dead-letters records without a value', async () => {
    const records = [...reviews.map((value, i) => ({partition: i % 2, key: String(1000 + i), value})), {partition: 1, key: '2000', value: null}]
    const {results, deadLetters} = await runInMemory(predictionsPipeline({...options, local: true}, localClassifier()), records, {partitions: 2})
    const messages = new Map(results.map((r) => [r.key, r.message]))
    reviews.forEach((review, i) => expect(messages.get(String(1000 + i))).toEqual({topic: 'labels', key: String(1000 + i), value: model.classify(review).label}))
    // In input order within each partition.
    expect(results.map((r) => r.key).filter((k) => Number(k) % 2 === 0)).toEqual(['1000', '1002', '1004'])
    expect(results.map((r) => r.key).filter((k) => Number(k) % 2 === 1)).toEqual(['1001', '1003', '1005'])
    expect(results).toHaveLength(6)
    expect(results.find((r) => r.key === '1004')?.message?.value).toBe('Neutral')
    expect(deadLetters).toEqual([expect.objectContaining({reason: 'missing-value', partition: 1, offset: 3})])
  })

  it('gives each result the review with its label, for the live feed', async () => {
    const {results} = await runInMemory(predictionsPipeline({...options, local: true}, localClassifier()), [{key: '7', value: 'A wonderful film.'}])
    const {label, score} = model.classify('A wonderful film.')
    expect(results[0].value).toEqual({id: '7', review: 'A wonderful film.', label, score} satisfies Prediction)
  })

  it('keeps the input order per partition when async labels come back out of order', async () => {
    // A classifier whose answers arrive in reverse order of the questions.
    const pending: Array<() => void> = []
    const reversed: ReviewClassifier = {
      name: 'reversed',
      classify: (review) =>
        new Promise<{label: SentimentLabel; score: number | null}>((resolve) => {
          pending.push(() => resolve(model.classify(review)))
          if (pending.length === 4) for (const answer of pending.splice(0).reverse()) answer()
        }),
      close: () => undefined,
    }
    const records = ['Great.', 'Awful.', 'Fine.', 'Superb!'].map((value, i) => ({key: `r${i}`, value}))
    const {results} = await runInMemory(predictionsPipeline({...options, concurrency: 4, batchSize: 1}, reversed), records, {batchSize: 4})
    expect(results.map((r) => r.key)).toEqual(['r0', 'r1', 'r2', 'r3'])
    expect(results.map((r) => r.message?.value)).toEqual(['Great.', 'Awful.', 'Fine.', 'Superb!'].map((t) => model.classify(t).label))
  })

  it('prints a result like the original console line, with the label coloured by the theme', () => {
    const event: ResultEvent = {type: 'result', pipeline: 'predictions', output: 'sentiment', key: '1', value: {id: '1', review: 'A wonderful film.', label: 'Very Positive', score: 0.8}}
    expect(formatPrediction(event, createTheme(false))).toBe('Output - Sentiment= Very Positive : for A wonderful film.')
    expect(formatPrediction(event, createTheme(true))).toContain('\u001b[')
  })
})
