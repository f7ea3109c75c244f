import {describe, expect, it} from 'vitest'

import {formatAccessLog, sentimentEndpoints, splitSentences} from '../../../src/core/sentiment/index.js'
import {tokenize} from '../../../src/core/sentiment/rules.js'

describe('splitSentences', () => {
  it('splits at sentence ends and line breaks', () => {
    expect(splitSentences('Great film. I loved it! Did you? Yes…  Really.')).toEqual(['Great film.', 'I loved it!', 'Did you?', 'Yes…', 'Really.'])
    expect(splitSentences('One\nTwo\r\nThree')).toEqual(['One', 'Two', 'Three'])
  })

  it('splits "it.It" (no space before a capital), as in the original corpus', () => {
    expect(splitSentences('go with your friends and watch it.It will bring a big smile')).toEqual(['go with your friends and watch it.', 'It will bring a big smile'])
  })

  it('does not split at abbreviations, initials, decimals or an ellipsis the sentence goes on after', () => {
    expect(splitSentences('Mr. Smith vs. the world is rated 3.5 by J. Doe.')).toEqual(['Mr. Smith vs. the world is rated 3.5 by J. Doe.'])
    expect(splitSentences('It was... fine, I guess.')).toEqual(['It was... fine, I guess.'])
  })

  it('drops empty and punctuation-only pieces', () => {
    expect(splitSentences('')).toEqual([])
    expect(splitSentences('  ... !!! ')).toEqual([])
    expect(splitSentences('Worst. Movie. Ever.')).toEqual(['Worst.', 'Movie.', 'Ever.'])
  })
})

describe('tokenize', () => {
  it('keeps contractions, marks capitals and clause breaks', () => {
    expect(tokenize("I DIDN'T like it, sadly")).toEqual([
      {word: 'i', caps: false},
      {word: "didn't", caps: true},
      {word: 'like', caps: false},
      {word: 'it', caps: false},
      {word: '', caps: false},
      {word: 'sadly', caps: false},
    ])
    expect(tokenize('didn’t').map((t) => t.word)).toEqual(["didn't"])
  })
})

describe('sentimentEndpoints', () => {
  it('derives the three endpoints from the /sentiment URL or the origin', () => {
    const expected = {legacy: 'http://127.0.0.1:8001/sentiment', v1: 'http://127.0.0.1:8001/v1/sentiment', health: 'http://127.0.0.1:8001/healthz'}
    expect(sentimentEndpoints('http://127.0.0.1:8001/sentiment')).toEqual(expected)
    expect(sentimentEndpoints('http://127.0.0.1:8001')).toEqual(expected)
    expect(sentimentEndpoints('http://127.0.0.1:8001/v1/sentiment')).toEqual(expected)
    expect(sentimentEndpoints('https://example.org/ml/sentiment/').v1).toBe('https://example.org/ml/v1/sentiment')
  })

  it('refuses what is not an http(s) URL', () => {
    expect(() => sentimentEndpoints('localhost:8001')).toThrow(/http or https|not a URL/)
    expect(() => sentimentEndpoints('not a url')).toThrow(/not a URL/)
  })
})

describe('formatAccessLog', () => {
  const entry = {time: '2026-01-01T00:00:00.000Z', remote: '127.0.0.1', method: 'POST', path: '/sentiment', status: 200, bytes: 8, durationMs: 0.5, texts: 1}

  it('writes a combined-log style line, or JSON', () => {
    expect(formatAccessLog(entry)).toBe('127.0.0.1 - - [2026-01-01T00:00:00.000Z] "POST /sentiment" 200 8 0.5ms texts=1')
    expect(JSON.parse(formatAccessLog(entry, true))).toEqual({event: 'request', ...entry})
  })
})
