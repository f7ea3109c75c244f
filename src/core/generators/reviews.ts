/**
 * Reviews (the original KafkaReviewsDataGenerator): key = epoch seconds of the event time, unique per record
 * (one more than the previous key when several records fall in one second), value = one review from the
 * corpus sstream ships (resources/reviews/movie-reviews.txt), picked uniformly.
 */
import {readFile} from 'node:fs/promises'

import {SstreamError} from '../errors.js'
import {resourcePath} from '../paths.js'
import {wallClock} from './clock.js'
import {createRandom} from './random.js'
import type {EventFactory, FactoryOptions, GeneratedRecord} from './types.js'

export interface ReviewFactoryOptions extends FactoryOptions {
  corpus: readonly string[]
}

export const REVIEW_CORPUS_PATH = ['reviews', 'movie-reviews.txt'] as const

export function createReviewFactory(options: ReviewFactoryOptions): EventFactory {
  if (options.corpus.length === 0) throw new SstreamError('INVALID_INPUT', 'The review corpus is empty.')
  const random = options.random ?? createRandom(options.seed)
  const clock = options.clock ?? wallClock()
  const corpus = options.corpus
  let lastKey = Number.NEGATIVE_INFINITY
  const next = (): GeneratedRecord => {
    const review = random.pick(corpus)
    const timestamp = clock.next()
    lastKey = Math.max(Math.floor(timestamp / 1000), lastKey + 1)
    return {key: String(lastKey), value: review, timestamp}
  }
  return {generator: 'reviews', next, take: (count) => Array.from({length: count}, next)}
}

/** The review lines of a corpus text: one review per line, line terminators and blank lines removed. */
export function parseReviewCorpus(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
}

/** Reads the corpus sstream ships, or another file of one review per line. */
export async function loadReviewCorpus(path?: string): Promise<string[]> {
  const file = path ?? resourcePath(...REVIEW_CORPUS_PATH)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new SstreamError('INVALID_INPUT', `Can't read the review corpus at ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`, {
      cause: error,
      nextSteps: [path ? 'Check the file given to --corpus: one review per line, UTF-8.' : 'The corpus sstream ships is missing: reinstall sstream.'],
    })
  }
  const reviews = parseReviewCorpus(text)
  if (reviews.length === 0) throw new SstreamError('INVALID_INPUT', `The review corpus at ${file} has no reviews.`, {nextSteps: ['Put one review per line.']})
  return reviews
}
