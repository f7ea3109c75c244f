/**
 * Reading the Stanford Sentiment Treebank as distributed (`trees/train.txt`: one binarised tree a line,
 * a 0–4 label on every node) and its sentence files (`sst5-<split>.tsv`: `<label><TAB><text>`). Used at
 * training and evaluation time only; nothing of it ships.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {SstreamError} from '../../errors.js'
import {parseLabelledReviews, type LabelledReview} from '../dataset.js'
import {normalizeTreebankToken} from './tokenize.js'

export type SstSplit = 'train' | 'dev'

/** A labelled span of a tree: its tokens (normalised, lower case) and its class 0–4. */
export interface LabelledPhrase {
  tokens: string[]
  label: number
}

export interface SstTree {
  /** The sentence: the root's span. */
  root: LabelledPhrase
  /** Every node's span, the root included, in post-order. */
  phrases: LabelledPhrase[]
}

/** Parses one line such as `(3 (2 It) (4 (2 's) (3 fine)))`. */
export function parseTree(line: string): SstTree {
  const phrases: LabelledPhrase[] = []
  let pos = 0
  const fail = (): never => {
    throw new SstreamError('INVALID_INPUT', `Not a labelled tree at character ${pos}: ${line.slice(0, 60)}…`)
  }
  const skipSpaces = (): void => {
    while (line[pos] === ' ') pos += 1
  }
  const node = (): string[] => {
    skipSpaces()
    if (line[pos] !== '(') fail()
    pos += 1
    const label = line.charCodeAt(pos) - 48
    if (label < 0 || label > 4 || line[pos + 1] !== ' ') fail()
    pos += 2
    skipSpaces()
    let tokens: string[]
    if (line[pos] === '(') {
      tokens = []
      while (line[pos] === '(') {
        tokens.push(...node())
        skipSpaces()
      }
    } else {
      const start = pos
      while (pos < line.length && line[pos] !== ')') pos += 1
      tokens = [normalizeTreebankToken(line.slice(start, pos))]
    }
    if (line[pos] !== ')') fail()
    pos += 1
    phrases.push({tokens, label})
    return tokens
  }
  node()
  return {root: phrases[phrases.length - 1], phrases}
}

export async function readTrees(dataDir: string, split: SstSplit): Promise<SstTree[]> {
  const path = join(dataDir, 'trees', `${split}.txt`)
  return (await readData(path)).split('\n').filter((l) => l.trim() !== '').map(parseTree)
}

/** The sentences of a split with their labels, as raw text (what the model sees at run time). */
export async function readSentences(dataDir: string, split: SstSplit): Promise<LabelledReview[]> {
  const path = join(dataDir, `sst5-${split}.tsv`)
  return parseLabelledReviews(await readData(path), path)
}

/**
 * Every distinct phrase of the trees once, with its label (the treebank labels a phrase the same wherever
 * it occurs). Sentences come first so that a sentence is never dropped as a duplicate of a phrase.
 */
export function distinctPhrases(trees: readonly SstTree[]): LabelledPhrase[] {
  const seen = new Set<string>()
  const out: LabelledPhrase[] = []
  const add = (p: LabelledPhrase): void => {
    const key = p.tokens.join(' ')
    if (seen.has(key)) return
    seen.add(key)
    out.push(p)
  }
  for (const t of trees) add(t.root)
  for (const t of trees) for (const p of t.phrases) add(p)
  return out
}

async function readData(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new SstreamError('INVALID_INPUT', `Can't read ${path}.`, {
      nextSteps: ['Pass the folder of the Stanford Sentiment Treebank files (sst5-train.tsv, sst5-dev.tsv, trees/) with --data.'],
      cause: error,
    })
  }
}
