import {describe, expect, it} from 'vitest'

import {resolveModelChoice} from '../../../src/core/pipelines/predictions.js'
import {createSentimentModel, createTrainedModel, LABELS} from '../../../src/core/sentiment/index.js'
import {AveragingNetwork, splitSides} from '../../../src/core/sentiment/trained/network.js'
import {distinctPhrases, parseTree} from '../../../src/core/sentiment/trained/sst.js'
import {normalizeTreebankToken, tokenize} from '../../../src/core/sentiment/trained/tokenize.js'
import {decodeWeights, encodeWeights} from '../../../src/core/sentiment/trained/weights.js'

describe('the trained model\'s tokeniser', () => {
  it('writes raw text as the treebank\'s lower-cased tokens', () => {
    expect(tokenize("It doesn't work, and I can't say it's Mr. Smith's fault...")).toEqual([
      'it', 'does', "n't", 'work', ',', 'and', 'i', 'ca', "n't", 'say', 'it', "'s", 'mr.', 'smith', "'s", 'fault', '...',
    ])
    expect(tokenize('A well-made (if "slight") film -- 100% fun!?')).toEqual(['a', 'well-made', '(', 'if', '"', 'slight', '"', ')', 'film', '--', '100', '%', 'fun', '!?'])
    expect(tokenize('It cannot fail, won\u2019t fail \u2014 at $5.')).toEqual(['it', 'can', 'not', 'fail', ',', 'wo', "n't", 'fail', '--', 'at', '$', '5', '.'])
    expect(tokenize('   ')).toEqual([])
  })

  it('maps the treebank\'s own leaves to the same forms', () => {
    expect(['-LRB-', '-RRB-', '``', "''", 'Writer\\/director', 'Good'].map(normalizeTreebankToken)).toEqual(['(', ')', '"', '"', 'writer/director', 'good'])
  })
})

describe('the treebank reader', () => {
  it('reads every labelled phrase of a tree', () => {
    const tree = parseTree("(3 (2 It) (4 (2 's) (4 (3 lovely) (2 film))))")
    expect(tree.root).toEqual({tokens: ['it', "'s", 'lovely', 'film'], label: 3})
    expect(tree.phrases.map((p) => [p.tokens.join(' '), p.label])).toEqual([
      ['it', 2],
      ["'s", 2],
      ['lovely', 3],
      ['film', 2],
      ['lovely film', 4],
      ["'s lovely film", 4],
      ["it 's lovely film", 3],
    ])
    expect(() => parseTree('(7 oops)')).toThrow(/labelled tree/)
  })

  it('keeps each distinct phrase once, sentences first', () => {
    const phrases = distinctPhrases([parseTree('(3 (2 a) (3 good))'), parseTree('(1 (2 a) (1 bad))')])
    expect(phrases.map((p) => p.tokens.join(' '))).toEqual(['a good', 'a bad', 'a', 'good', 'bad'])
  })
})

/** A network built by hand: "good" pushes to Very Positive, "bad" to Very Negative, "not good" (a bigram) to Negative. */
function tinyNetwork(extra: {members?: number; tensors?: Record<string, Float32Array | Int8Array | string>} = {}): AveragingNetwork {
  const h1 = 3
  // rows: good, bad, the, "not good" bigram, not
  const vocabulary = ['good', 'bad', 'the', 'not good', 'not'].join('\n')
  const rows = new Int8Array([127, 0, 0, 0, 127, 0, 0, 0, 0, 0, 0, 127, 0, 0, 0])
  const scales = new Float32Array([1 / 127, 1 / 127, 1, 1 / 127, 1])
  const identity = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1])
  // classes × hidden (good, bad, "not good"): Very Negative ← bad, Negative ← "not good", Very Positive ← good
  const w3 = new Float32Array([0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 8, 0, 0])
  const buffer = encodeWeights(
    {format: 1, name: 'tiny', version: 't', layers: {hidden1: h1, hidden2: 3, classes: 5, ...(extra.members ? {members: extra.members} : {})}, training: {}},
    {vocabulary, rows, row_scales: scales, b1: new Float32Array(3), w2: identity, b2: new Float32Array(3), w3, b3: new Float32Array(5), ...extra.tensors},
  )
  return AveragingNetwork.fromBuffer(buffer, 'tiny')
}

describe('the averaging network', () => {
  it('round-trips its weights file and refuses a damaged one', () => {
    const buffer = encodeWeights({format: 1, name: 'x', version: '1', layers: {hidden1: 1, hidden2: 1, classes: 5}, training: {a: 1}}, {t: new Float32Array([1.5, -2]), q: new Int8Array([3, -4, 5]), v: 'a\nb c'})
    const file = decodeWeights(buffer, 'memory')
    expect(Array.from(file.tensor('t'))).toEqual([1.5, -2])
    expect(Array.from(file.int8('q'))).toEqual([3, -4, 5])
    expect(file.text('v')).toBe('a\nb c')
    expect(file.header.training).toEqual({a: 1})
    expect(() => decodeWeights(Buffer.from('not gzip'), 'memory')).toThrow(/can't be read: it is not gzip data/)
    expect(() => file.tensor('q')).toThrow(/no float32 tensor "q"/)
  })

  it('averages word and bigram rows, skips unknown words, and answers probabilities that sum to 1', () => {
    const net = tinyNetwork()
    const argmax = (p: Float64Array): number => p.indexOf(Math.max(...p))
    expect(argmax(net.predictTokens(['the', 'good']))).toBe(4)
    expect(argmax(net.predictTokens(['bad', 'unknownword']))).toBe(0)
    // "not good": the bigram row outweighs "good" once "not" and "good" are averaged with it.
    expect(argmax(net.predictTokens(['not', 'good']))).toBe(1)
    const p = net.predictTokens(['zzz'])
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10)
    expect(Array.from(p).every((v) => Math.abs(v - 0.2) < 1e-9)).toBe(true)
  })
})

describe('the networks averaged and the linear model of the side', () => {
  it('splits the non-Neutral probability between the sides, keeping Neutral and the ratios within a side', () => {
    const p = Float64Array.from([0.1, 0.3, 0.2, 0.3, 0.1])
    splitSides(p, 0.75)
    expect(p[2]).toBeCloseTo(0.2, 12)
    expect(p[3] + p[4]).toBeCloseTo(0.6, 12)
    expect(p[0] + p[1]).toBeCloseTo(0.2, 12)
    expect(p[1] / p[0]).toBeCloseTo(3, 9)
    expect(p[3] / p[4]).toBeCloseTo(3, 9)
    const empty = Float64Array.from([0, 0, 0.5, 0.5, 0])
    splitSides(empty, 0.2)
    expect(Array.from(empty).map((v) => Math.round(v * 1000) / 1000)).toEqual([0.2, 0.2, 0.5, 0.1, 0])
  })

  it('computes the same bits as the plain layer-by-layer product (the run time skips the units the ReLU zeroed)', () => {
    const [h1, h2, words] = [7, 5, ['a', 'b', 'c', 'a b']]
    let seed = 3
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
    const floats = (n: number): Float32Array => Float32Array.from({length: n}, random)
    const t = {rows: Int8Array.from({length: words.length * h1}, () => Math.round(random() * 127)), row_scales: floats(words.length), b1: floats(h1), w2: floats(h2 * h1), b2: floats(h2), w3: floats(5 * h2), b3: floats(5)}
    const net = AveragingNetwork.fromBuffer(encodeWeights({format: 1, name: 'r', version: 'r', layers: {hidden1: h1, hidden2: h2, classes: 5}, training: {}}, {vocabulary: words.join('\n'), ...t}), 'random')
    // The reference: rows a, b and the bigram "a b" averaged, then each layer row by row.
    const sum = new Float32Array(h1)
    for (const r of [0, 3, 1]) for (let d = 0; d < h1; d++) sum[d] += t.rows[r * h1 + d] * t.row_scales[r]
    for (let d = 0; d < h1; d++) sum[d] = Math.max(0, sum[d] / 3 + t.b1[d])
    const hidden = new Float32Array(h2)
    for (let i = 0; i < h2; i++) {
      let a = t.b2[i]
      for (let d = 0; d < h1; d++) a += t.w2[i * h1 + d] * sum[d]
      hidden[i] = Math.max(0, a)
    }
    const logits = Array.from({length: 5}, (_, k) => {
      let a = t.b3[k]
      for (let d = 0; d < h2; d++) a += t.w3[k * h2 + d] * hidden[d]
      return a
    })
    expect(sum.some((x) => x === 0)).toBe(true)
    const max = Math.max(...logits)
    const e = logits.map((z) => Math.exp(z - max))
    const total = e.reduce((x, y) => x + y, 0)
    expect(Array.from(net.predictTokens(['a', 'b']))).toEqual(e.map((x) => x / total))
  })

  it('averages the probabilities of several networks over one vocabulary', () => {
    const one = tinyNetwork()
    // The second network answers uniformly (all its output weights zero).
    const m1 = {m1_rows: new Int8Array(15), m1_row_scales: new Float32Array(5).fill(1), m1_b1: new Float32Array(3), m1_w2: new Float32Array(9), m1_b2: new Float32Array(3), m1_w3: new Float32Array(15), m1_b3: new Float32Array(5)}
    const two = tinyNetwork({members: 2, tensors: m1})
    expect(two.info.members).toBe(2)
    const a = one.predictTokens(['the', 'good'])
    const b = two.predictTokens(['the', 'good'])
    for (let k = 0; k < 5; k++) expect(b[k]).toBeCloseTo((a[k] + 0.2) / 2, 9)
    expect(() => tinyNetwork({members: 2})).toThrow(/no float32 tensor "m1_row_scales"|no int8 tensor "m1_rows"/)
  })

  it('adds the linear model\'s score, with negated words apart, to the log-odds of the side', () => {
    const V = 5
    // Only "good" in a negation's scope weighs: strongly negative.
    const w = new Float32Array(2 * V)
    w[V + 0] = -20
    const net = tinyNetwork({tensors: {linear_w: w, linear_b: Float32Array.of(0)}})
    expect(net.info.linear).toBe(true)
    expect(net.linearFeatures(['not', 'good', '.', 'good'])).toEqual([4, 3, 0, 0, V + 0])
    // Without a negation the networks decide alone.
    const plain = tinyNetwork().predictTokens(['the', 'good'])
    const linear = net.predictTokens(['the', 'good'])
    for (let k = 0; k < 5; k++) expect(linear[k]).toBeCloseTo(plain[k], 9)
    // "good" after "not": the positive side gets almost nothing, Neutral keeps its probability.
    const base = tinyNetwork().predictTokens(['not', 'good'])
    const p = net.predictTokens(['not', 'good'])
    expect(p[3] + p[4]).toBeLessThan(1e-6)
    expect(p[2]).toBeCloseTo(base[2], 12)
    expect(p.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12)
  })

  it('weighs the words before a "but" of their sentence, and trigrams, apart when the linear model has them', () => {
    const V = 5
    // Weights: per row, per negated row, per contrasted row, then one trigram ("the bad good").
    const w = new Float32Array(3 * V + 1)
    w[2 * V + 0] = -20
    const net = tinyNetwork({tensors: {linear_w: w, linear_b: Float32Array.of(0), linear_trigrams: 'the bad good'}})
    // Rows (good, bad, the, bad, good), the trigram, no negation, then "good" before "but" (the "but" of the first sentence only).
    expect(net.linearFeatures(['good', 'but', 'bad', '.', 'the', 'bad', 'good'])).toEqual([0, 1, 2, 1, 0, 3 * V, 2 * V + 0])
    expect(net.linearFeatures(['good', '.', 'but', 'bad'])).toEqual([0, 1])
    // "good" before a "but" pushes to the negative side; "good" alone or after it does not.
    const before = net.predictTokens(['good', 'but', 'the'])
    expect(before[3] + before[4]).toBeLessThan(1e-6)
    const after = net.predictTokens(['the', 'but', 'good'])
    const plain = tinyNetwork().predictTokens(['the', 'good'])
    expect(after[4]).toBeCloseTo(plain[4], 9)
    // A trigram outside the vocabulary, or weights of the wrong count, are refused.
    expect(() => tinyNetwork({tensors: {linear_w: w, linear_b: Float32Array.of(0), linear_trigrams: 'the awful good'}})).toThrow(/trigram "the awful good" has a word outside the vocabulary/)
    expect(() => tinyNetwork({tensors: {linear_w: new Float32Array(3 * V + 2), linear_b: Float32Array.of(0), linear_trigrams: 'the bad good'}})).toThrow(/linear model has 17 weights/)
  })
})

describe('the shipped trained model', () => {
  const model = createTrainedModel()

  it('is the default model, and names itself and its version', () => {
    const byDefault = createSentimentModel()
    expect(byDefault.kind).toBe('trained')
    expect(model.name).toMatch(/^trained /)
    expect(model.version).toMatch(/^\d+\+[0-9a-f]{8}$/)
  })

  it('answers a label with the five probabilities, the label being the most probable', () => {
    const c = model.classify('An utterly charming and hilarious film.')
    expect(Object.keys(c.probabilities ?? {})).toEqual([...LABELS])
    const probabilities = Object.values(c.probabilities ?? {})
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3)
    expect(c.probabilities?.[c.label]).toBe(Math.max(...probabilities))
    expect(c.score).toBeGreaterThan(0)
  })

  it('labels an empty or blank body Neutral, like the original', () => {
    expect(model.classify('').label).toBe('Neutral')
    expect(model.classify('  \n ').label).toBe('Neutral')
  })

  it('always answers one of the five labels, whatever the text', () => {
    for (const text of ['x', '😀', 'a'.repeat(100_000), 'NOT GOOD AT ALL!!!', 'Ünïcödé… tëxt?', '\u0000\u0001']) expect(LABELS).toContain(model.classify(text).label)
  })

  it('puts clear reviews on their side', () => {
    const side = (text: string): number => Math.sign(model.classify(text).score)
    expect(side('A wonderful, moving film with superb performances.')).toBe(1)
    expect(side('A dull, lifeless mess that wastes its cast.')).toBe(-1)
  })
})

describe('run predictions --model and --local', () => {
  it('picks the model and where it runs, and keeps 0.1\'s --model local and http as deprecated aliases', () => {
    expect(resolveModelChoice({})).toEqual({local: false})
    expect(resolveModelChoice({local: true})).toEqual({local: true})
    expect(resolveModelChoice({model: 'lexicon', local: true})).toEqual({local: true, model: 'lexicon'})
    expect(resolveModelChoice({model: 'trained'})).toEqual({local: false, model: 'trained'})
    expect(resolveModelChoice({model: 'local'})).toMatchObject({local: true, model: 'trained', deprecation: expect.stringMatching(/--local/)})
    expect(resolveModelChoice({model: 'http'})).toMatchObject({local: false, deprecation: expect.stringMatching(/deprecated/)})
    expect(() => resolveModelChoice({model: 'corenlp'})).toThrow(/not a model/)
  })
})
