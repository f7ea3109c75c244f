/**
 * The word list of sstream's rule scorer: VADER's lexicon (shipped in `vader-sentiment`) first, AFINN-165
 * (shipped in `sentiment`, scaled from ±5 to VADER's ±4) for words VADER lacks, and the movie-review
 * vocabulary in resources/sentiment/movie-lexicon.tsv on top. Loaded once, synchronously, on first use.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {resourcePath} from '../paths.js'

export interface Phrase {
  words: string[]
  valence: number
}

export interface Lexicon {
  /** Valence of single words, lower case. */
  words: Map<string, number>
  /** Multi-word entries by their first word, longest first. */
  phrases: Map<string, Phrase[]>
}

const AFINN_TO_VADER = 0.8

let cached: Lexicon | undefined

export function loadLexicon(): Lexicon {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  const entries = new Map<string, number>()
  const afinn = require('sentiment/languages/en/labels.json') as Record<string, number>
  for (const [term, score] of Object.entries(afinn)) entries.set(term, score * AFINN_TO_VADER)
  const vaderFile = join(dirname(require.resolve('vader-sentiment/package.json')), 'vader_lexicon.txt')
  for (const [term, valence] of parseTsv(readFileSync(vaderFile, 'utf8'))) entries.set(term, valence)
  for (const [term, valence] of parseTsv(readFileSync(resourcePath('sentiment', 'movie-lexicon.tsv'), 'utf8'))) entries.set(term, valence)
  const words = new Map<string, number>()
  const phrases = new Map<string, Phrase[]>()
  for (const [term, valence] of entries) {
    const parts = term.split(/\s+/)
    if (parts.length === 1) {
      words.set(term, valence)
      continue
    }
    const list = phrases.get(parts[0]) ?? []
    list.push({words: parts, valence})
    phrases.set(parts[0], list)
  }
  for (const list of phrases.values()) list.sort((a, b) => b.words.length - a.words.length)
  cached = {words, phrases}
  return cached
}

/** `<term><TAB><valence>[<TAB>…]` lines; `#` comments and blank lines skipped. */
function parseTsv(content: string): Array<[string, number]> {
  const rows: Array<[string, number]> = []
  for (const line of content.split(/\r?\n/)) {
    if (line.trim() === '' || line.startsWith('#')) continue
    const [term, value] = line.split('\t')
    const valence = Number(value)
    if (term && Number.isFinite(valence)) rows.push([term.toLowerCase(), valence])
  }
  return rows
}
