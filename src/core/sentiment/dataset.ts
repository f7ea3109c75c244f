/**
 * The labelled evaluation sets shipped in resources/sentiment/: `<label><TAB><text>` per line, `#` comments.
 * `reviews-tune.tsv` is for choosing the model and its thresholds; `reviews-test.tsv` is held out.
 */
import {readFile} from 'node:fs/promises'

import {SstreamError} from '../errors.js'
import {resourcePath} from '../paths.js'
import {isSentimentLabel, type SentimentLabel} from './labels.js'

export interface LabelledReview {
  label: SentimentLabel
  text: string
}

export type EvaluationSplit = 'tune' | 'test'

export function evaluationSetPath(split: EvaluationSplit): string {
  return resourcePath('sentiment', `reviews-${split}.tsv`)
}

export async function loadEvaluationSet(split: EvaluationSplit): Promise<LabelledReview[]> {
  const path = evaluationSetPath(split)
  return parseLabelledReviews(await readFile(path, 'utf8'), path)
}

export function parseLabelledReviews(content: string, source = 'input'): LabelledReview[] {
  const reviews: LabelledReview[] = []
  content.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return
    const tab = line.indexOf('\t')
    const label = tab < 0 ? '' : line.slice(0, tab)
    if (!isSentimentLabel(label)) {
      throw new SstreamError('INVALID_INPUT', `Line ${index + 1} of ${source} is not "<label><TAB><text>" with one of the five labels.`)
    }
    reviews.push({label, text: line.slice(tab + 1)})
  })
  return reviews
}
