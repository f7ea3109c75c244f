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
import Sentiment from 'sentiment'
import vader from 'vader-sentiment'
import winkSentiment from 'wink-sentiment'

import {scoreRules} from './rules.js'

export const SCORER_NAMES = ['afinn', 'vader', 'wink', 'rules'] as const
export type ScorerName = (typeof SCORER_NAMES)[number]
export type Scorer = (text: string) => number

let afinn: Sentiment | undefined

export const SCORERS: Record<ScorerName, Scorer> = {
  afinn: (text) => (afinn ??= new Sentiment()).analyze(text).score,
  vader: (text) => vader.SentimentIntensityAnalyzer.polarity_scores(text).compound,
  wink: (text) => winkSentiment(text).normalizedScore,
  rules: scoreRules,
}

/** The packages each scorer uses, for reports. */
export const SCORER_PACKAGES: Record<ScorerName, string[]> = {
  afinn: ['sentiment'],
  vader: ['vader-sentiment'],
  wink: ['wink-sentiment'],
  rules: ['vader-sentiment', 'sentiment'],
}
