import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {binaryAccuracy, probabilisticPredict} from '../../../src/core/sentiment/evaluate-sst.js'
import {computeMetrics} from '../../../src/core/sentiment/metrics.js'
import {createTrainedModel, readTrainedRecord} from '../../../src/core/sentiment/model.js'
import {readSentences} from '../../../src/core/sentiment/trained/sst.js'

// The treebank beside the repository (../shared/data/sst), or where SSTREAM_SST_DIR says.
const SST_DIR = process.env.SSTREAM_SST_DIR ?? fileURLToPath(new URL('../../../../shared/data/sst', import.meta.url))

describe('the shipped trained model on the treebank\'s dev split (regression guard)', () => {
  it('measures at least the dev accuracy recorded for its weights, five-class and binary', async () => {
    expect(existsSync(SST_DIR), `the Stanford Sentiment Treebank is expected in ${SST_DIR} (or set SSTREAM_SST_DIR)`).toBe(true)
    const model = createTrainedModel()
    const record = readTrainedRecord()
    expect(record, 'resources/sentiment/trained-model.json').toBeDefined()
    // The record belongs to these very weights.
    expect(record?.version).toBe(model.version)
    const dev = await readSentences(SST_DIR, 'dev')
    expect(dev).toHaveLength(record?.dev.sentences ?? -1)
    const predict = probabilisticPredict(model)
    const predictions = dev.map((r) => predict(r.text))
    const accuracy = computeMetrics(dev.map((r) => r.label), predictions.map((p) => p.label)).accuracy
    const binary = binaryAccuracy(dev, predictions).accuracy
    expect(accuracy).toBeGreaterThanOrEqual((record?.dev.accuracy ?? 1) - 1e-9)
    expect(binary).toBeGreaterThanOrEqual((record?.dev.binary ?? 1) - 1e-9)
  })
})
