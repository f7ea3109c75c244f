/**
 * The candidate models, each reduced to one scalar score per text (positive = favourable). They run
 * with no network: the lexicons ship inside the npm packages.
 *  - `afinn`: the `sentiment` package (AFINN-165 word list, negation of the next word), its summed score.
 *  - `vader`: the `vader-sentiment` package (VADER: negation, boosters such as "very", "but" shifting the
 *    weight to the clause after it, capitals and "!"), its compound score in [-1, 1].
 *  - `wink`: the `wink-sentiment` package (AFINN-165 with two-word phrases, emojis, negation), its
 *    normalised score in [-5, 5].
 *  - `rules`: sstream's own rule scorer (rules.ts) over the VADER and AFINN-165 lexicons of the two packages
 *    above plus resources/sentiment/movie-lexicon.tsv, a compound score in [-1, 1].
 */
import {createRequire} from 'node:module'

import type Sentiment from 'sentiment'
import type vaderModule from 'vader-sentiment'
import type winkSentiment from 'wink-sentiment'

import {scoreRules} from './rules.js'

// The packages load on first use, so that the trained model's users (and commands that label nothing) do
// not pay for their word lists.
const require = createRequire(import.meta.url)
type SentimentClass = typeof Sentiment
type Vader = typeof vaderModule
type Wink = typeof winkSentiment
let vader: Vader | undefined
let wink: Wink | undefined

export const SCORER_NAMES = ['afinn', 'vader', 'wink', 'rules'] as const
export type ScorerName = (typeof SCORER_NAMES)[number]
export type Scorer = (text: string) => number

let afinn: InstanceType<SentimentClass> | undefined

export const SCORERS: Record<ScorerName, Scorer> = {
  afinn: (text) => (afinn ??= new (require('sentiment') as SentimentClass)()).analyze(text).score,
  vader: (text) => (vader ??= require('vader-sentiment') as Vader).SentimentIntensityAnalyzer.polarity_scores(text).compound,
  wink: (text) => (wink ??= require('wink-sentiment') as Wink)(text).normalizedScore,
  rules: scoreRules,
}

/** The packages each scorer uses, for reports. */
export const SCORER_PACKAGES: Record<ScorerName, string[]> = {
  afinn: ['sentiment'],
  vader: ['vader-sentiment'],
  wink: ['wink-sentiment'],
  rules: ['vader-sentiment', 'sentiment'],
}
