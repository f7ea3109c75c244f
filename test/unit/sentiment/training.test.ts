import {describe, expect, it} from 'vitest'

import {AveragingNetwork} from '../../../src/core/sentiment/trained/network.js'
import {DEFAULT_TRAIN_OPTIONS, holdOutTrees, trainModel, trainNetworks, type NetworkTensors, type PretrainedVectors, type TrainingData, type TrainOptions} from '../../../src/core/sentiment/trained/train.js'
import {decodeWeights} from '../../../src/core/sentiment/trained/weights.js'

// A made-up corpus of a few words: enough to train the network in milliseconds.
const words = ['good', 'great', 'bad', 'awful', 'film', 'the', 'not', 'fine']
const pretrained: PretrainedVectors = {
  dimensions: 4,
  words,
  vectors: Float32Array.from(words.flatMap((_, i) => [Math.sin(i + 1), Math.cos(i + 1), Math.sin(2 * i + 1), Math.cos(3 * i + 1)])),
  source: 'made-up vectors',
}
const sentences: Array<[string, number]> = [
  ['the good film', 3],
  ['the great film', 4],
  ['the bad film', 1],
  ['the awful film', 0],
  ['the film', 2],
  ['not good', 1],
  ['not bad', 3],
  ['fine film', 3],
  ['great great film', 4],
  ['awful bad film', 0],
]
const data: TrainingData = {
  phrases: sentences.map(([text, label]) => ({tokens: text.split(' '), label})),
  trainSentences: sentences.map(([text]) => text.split(' ')),
  dev: sentences.slice(0, 5).map(([text, label]) => ({tokens: text.split(' '), label})),
}
const options: TrainOptions = {...DEFAULT_TRAIN_OPTIONS, epochs: 3, hidden1: 6, hidden2: 5, batchSize: 2, bigramMinCount: 1, extraWords: 0, linearEpochs: 2}
const quiet = (): void => undefined
const bits = (net: NetworkTensors): number[][] => Object.values(net.tensors).map((t) => Array.from(t))

describe('training the network', () => {
  it('holds out a seeded fraction of the sentences, the same for the same seed', () => {
    const trees = Array.from({length: 50}, (_, i) => i)
    const a = holdOutTrees(trees, 0.1, 16)
    expect(a.heldOut).toHaveLength(5)
    expect([...a.train, ...a.heldOut].sort((x, y) => x - y)).toEqual(trees)
    expect(a.train).toEqual([...a.train].sort((x, y) => x - y))
    expect(holdOutTrees(trees, 0.1, 16)).toEqual(a)
    expect(holdOutTrees(trees, 0.1, 17).heldOut).not.toEqual(a.heldOut)
  })

  it('keeps the last epoch when told to, else the best on the choosing set', () => {
    const [last] = trainNetworks(data, pretrained, {...options, lastEpoch: true}, quiet).nets
    expect(last.best.epoch).toBe(3)
    const [best] = trainNetworks(data, pretrained, options, quiet).nets
    expect(best.best.devAccuracy).toBe(Math.max(...best.epochs.map((e) => e.devAccuracy)))
  })

  it('distils: with soft weight 0 the student is the first teacher bit for bit; with weight 1 it learns other weights', () => {
    const trained: NetworkTensors[] = []
    const teacherOnly = trainNetworks(data, pretrained, options, quiet, trained).nets[0]
    const hard = trainNetworks(data, pretrained, {...options, distill: {teachers: 2, weight: 0}}, quiet, trained)
    expect(trained).toHaveLength(2)
    expect(bits(hard.nets[0])).toEqual(bits(teacherOnly))
    expect(hard.extra.teachers).toHaveLength(2)
    const soft = trainNetworks(data, pretrained, {...options, distill: {teachers: 2, weight: 1}}, quiet, trained)
    expect(bits(soft.nets[0])).not.toEqual(bits(teacherOnly))
  })

  it('writes the mix it is given, or the one chosen on the choosing set, and the same weights for the same options', () => {
    const given = trainModel(data, pretrained, {...options, linearMix: 1.5}, {name: 'dan', version: 't'}, quiet)
    expect(given.linear?.mix).toBe(1.5)
    const header = decodeWeights(given.weights, 'given').header.training as {linear: {chosenMix: number}}
    expect(header.linear.chosenMix).toBe(1.5)
    const chosen = trainModel(data, pretrained, options, {name: 'dan', version: 't'}, quiet)
    expect([0.25, 0.5, 0.75, 1, 1.5, 2]).toContain(chosen.linear?.mix)
    expect(trainModel(data, pretrained, options, {name: 'dan', version: 't'}, quiet).weights.equals(chosen.weights)).toBe(true)
  })

  it('trains the linear model with contrast features and trigrams when asked, and the run time reads them back', () => {
    const plain = trainModel(data, pretrained, {...options, linearMix: 1}, {name: 'dan', version: 't'}, quiet)
    const more = trainModel(data, pretrained, {...options, linearMix: 1, linearContrast: true, linearTrigramMinCount: 1}, {name: 'dan', version: 't'}, quiet)
    const file = decodeWeights(more.weights, 'more')
    // Every run of three words of the sentences, in order of first sight (each is seen once).
    const trigrams = ['the good film', 'the great film', 'the bad film', 'the awful film', 'great great film', 'awful bad film']
    expect(file.text('linear_trigrams').split('\n')).toEqual(trigrams)
    const vocabulary = file.text('vocabulary').split('\n').length
    expect(file.tensor('linear_w')).toHaveLength(3 * vocabulary + trigrams.length)
    expect(decodeWeights(plain.weights, 'plain').tensor('linear_w')).toHaveLength(2 * vocabulary)
    // Seen twice: none; then no trigram tensor is written.
    const none = trainModel(data, pretrained, {...options, linearMix: 1, linearTrigramMinCount: 2}, {name: 'dan', version: 't'}, quiet)
    expect(decodeWeights(none.weights, 'none').header.tensors.map((t) => t.name)).not.toContain('linear_trigrams')
    // The networks are the same; the linear models differ, and the run time uses them.
    const text = ['the', 'good', 'film', 'but', 'bad']
    const a = AveragingNetwork.fromBuffer(plain.weights, 'plain')
    const b = AveragingNetwork.fromBuffer(more.weights, 'more')
    expect(b.linearFeatures(text).length).toBeGreaterThan(a.linearFeatures(text).length)
    expect(Array.from(b.predictTokens(text))).not.toEqual(Array.from(a.predictTokens(text)))
  })
})
