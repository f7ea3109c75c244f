import {describe, expect, it} from 'vitest'

import {createLexiconModel, LABELS, labelFromScore, labelIndex, SHIPPED_MODEL, type SentimentLabel} from '../../../src/core/sentiment/index.js'

const model = createLexiconModel()
const label = (text: string): SentimentLabel => model.classify(text).label
const polarity = (text: string): number => Math.sign(labelIndex(label(text)) - 2)

describe('labelFromScore', () => {
  const t = {veryNegative: -0.5, negative: -0.1, positive: 0.1, veryPositive: 0.5}
  it('maps the score onto the five labels at the four cut points', () => {
    expect([-0.9, -0.5, -0.3, -0.1, 0, 0.1, 0.3, 0.5, 0.51].map((s) => labelFromScore(s, t))).toEqual([
      'Very Negative',
      'Negative',
      'Negative',
      'Neutral',
      'Neutral',
      'Neutral',
      'Positive',
      'Positive',
      'Very Positive',
    ])
  })

  it('keeps a text without sentiment words (score 0) Neutral with the shipped thresholds', () => {
    expect(labelFromScore(0, SHIPPED_MODEL.thresholds)).toBe('Neutral')
  })
})

describe('the lexicon model', () => {
  it('labels an empty or blank body Neutral, like the original', () => {
    expect(model.classify('')).toEqual({label: 'Neutral', score: 0})
    expect(label('   \n ')).toBe('Neutral')
    expect(label('!!!')).toBe('Neutral')
  })

  it('always answers one of the five labels', () => {
    for (const text of ['x', '😀', 'a'.repeat(10_000), 'NOT GOOD AT ALL!!!', 'Ünïcödé… tëxt?']) expect(LABELS).toContain(label(text))
  })

  it('gives clear cases their label', () => {
    expect(label('This is the worst film I have ever seen. Absolutely terrible!')).toBe('Very Negative')
    expect(label('The movie was boring.')).toBe('Negative')
    expect(label('The movie is two hours long.')).toBe('Neutral')
    expect(label('A good film.')).toBe('Positive')
    expect(label('An absolute masterpiece. I loved every minute of it!')).toBe('Very Positive')
  })

  it('handles negation: "not good" is negative, "not bad at all" and "never boring" positive', () => {
    expect(polarity('The film was good.')).toBe(1)
    expect(polarity('The film was not good.')).toBe(-1)
    expect(polarity('Not good.')).toBe(-1)
    expect(polarity("I didn't enjoy it.")).toBe(-1)
    expect(polarity('The film was not bad at all.')).toBe(1)
    expect(polarity('It is never boring.')).toBe(1)
  })

  it('does not carry a negation past another opinion word ("cannot save a poor story")', () => {
    expect(polarity('Nice shots cannot save a poor story.')).toBe(-1)
  })

  it('treats "not just bad" as an affirmation, not a negation', () => {
    expect(polarity('It is not just bad, it is embarrassingly bad.')).toBe(-1)
  })

  it('lets the clause after "but" decide', () => {
    expect(polarity('The cast is great, but the film is terrible.')).toBe(-1)
    expect(polarity('The film is terrible, but the cast is great.')).toBe(1)
    expect(polarity('The start is slow but the ending is wonderful.')).toBe(1)
    expect(polarity('Good. But the ending ruins it completely.')).toBe(-1)
  })

  it('weighs intensifiers, capitals and exclamation marks', () => {
    const score = (text: string): number => model.classify(text).score
    expect(score('The film is very good.')).toBeGreaterThan(score('The film is good.'))
    expect(score('The film is GOOD.')).toBeGreaterThan(score('The film is good.'))
    expect(score('The film is good!!!')).toBeGreaterThan(score('The film is good.'))
    expect(score('The film is a bit boring.')).toBeGreaterThan(score('The film is boring.'))
  })

  it('reads a multi-sentence review as a whole, not only its last sentence', () => {
    expect(polarity('An amazing, beautiful film. I saw it on Sunday.')).toBe(1)
    expect(polarity('Awful. Just awful. I watched it at home.')).toBe(-1)
  })

  it('labels the original course corpus sensibly', () => {
    expect(polarity('This movie is a waste of time.')).toBe(-1)
    expect(polarity('I loved the movie. Each and every thing in the movie done fantastically.')).toBe(1)
    expect(polarity('I have watched this movie, the acting and the story plot is pathetic and unconvincing.')).toBe(-1)
    expect(polarity('It was really one of the most boring films I watched.')).toBe(-1)
    expect(polarity('It is an inspirational movie with lots of fun.')).toBe(1)
    expect(polarity('Forget the critics just go with your friends and watch it.It will bring a big smile on your face.')).toBe(1)
  })
})
