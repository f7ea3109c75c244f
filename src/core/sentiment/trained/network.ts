/**
 * The trained model at run time: deep averaging networks (Iyyer et al. 2015) and a linear model of the side.
 * A text's tokens and its bigrams are looked up in one table, their rows averaged, and two ReLU layers and
 * a softmax give the probabilities of the five classes. The first layer is linear, so the training script
 * multiplies it into the table ahead of time: a row already holds W1·e for its word, and at run time the
 * first layer costs one addition per token and dimension. Rows are int8 with one float scale per row.
 * Unknown tokens are left out of the average; a text with no known token gets the network's answer for the
 * empty average.
 *
 * The weights may hold several such networks over the same vocabulary (`layers.members`, trained from
 * different seeds): their probabilities are averaged. They may also hold a linear model of the side
 * (`linear_w`, `linear_b`): a weight per word, per bigram and per word in the scope of a negation (from a
 * negation such as "not" or "n't" to the next punctuation or "but"), trained on the phrases that are not
 * Neutral. Its score is added to the networks' log-odds of the positive side, and the five probabilities
 * are rescaled so that the two sides hold the combined probability (splitSides); Neutral keeps its own.
 */
import {tokenize} from './tokenize.js'
import {decodeWeights, type WeightsFile} from './weights.js'

export const CLASSES = 5
const BIGRAM_KEY = 1 << 17

/** Tokens that open a negation's scope, and tokens that close it, for the linear model's negated words. */
export const NEGATIONS: ReadonlySet<string> = new Set(['not', "n't", 'no', 'never', 'nothing', 'nobody', 'none', 'neither', 'nor', 'without', 'hardly', 'barely', 'cannot'])
export const SCOPE_ENDS: ReadonlySet<string> = new Set(['.', ',', ';', ':', '!', '?', 'but', '--', '-lrb-', '-rrb-'])
/** The contrast the linear model's contrast features mark the words before (within one sentence). */
export const CONTRAST = 'but'
/** Tokens that end a sentence: a contrast reaches back to the last of them. */
export const SENTENCE_ENDS: ReadonlySet<string> = new Set(['.', ';', '!', '?'])

interface Member {
  rows: Int8Array
  scales: Float32Array
  b1: Float32Array
  /** The second layer by input unit (hidden1 × hidden2, the transpose of the file's): see forward. */
  w2ByInput: Float32Array
  b2: Float32Array
  w3: Float32Array
  b3: Float32Array
}

/** The tensor names of member m: the first member's are the plain names ("rows", "b1", …), later ones "m1_rows", …. */
export function memberTensor(m: number, name: string): string {
  return m === 0 ? name : `m${m}_${name}`
}

export interface NetworkInfo {
  name: string
  version: string
  vocabulary: number
  hidden1: number
  hidden2: number
  /** Networks averaged. */
  members: number
  /** Whether a linear model of the side rescales the probabilities. */
  linear: boolean
  training: Record<string, unknown>
}

export class AveragingNetwork {
  readonly info: NetworkInfo
  /** Word → row. */
  private readonly words: Map<string, number>
  /** Bigram → row, keyed by its two words' rows (first × 2^17 + second): no string is built per lookup. */
  private readonly bigrams: Map<number, number>
  private ids: Int32Array
  /** Per token of the text in hand, its row (-1: unknown); as long as `ids` allows. */
  private tokenRows: Int32Array
  private featureCount = 0
  private readonly members: Member[]
  /**
   * The linear model's weights: one per row, then one per row for words in a negation's scope, then (when
   * `contrast`) one per row for words before a "but" of their sentence (empty: no linear model).
   */
  private readonly linearW: Float32Array
  private readonly contrast: boolean
  /** Trigram of three word rows (keyed as bigrams, one level deeper) → its linear weight's index (none: empty). */
  private readonly trigrams: Map<number, number>
  private readonly linearB: number
  /** Per row: 1 opens a negation's scope, 2 closes it. Unknown tokens are checked by their text. */
  private readonly scope: Uint8Array
  private readonly vocabulary: number
  private readonly h1: number
  private readonly h2: number
  private readonly sum: Float32Array
  private readonly hidden: Float32Array
  /** The second layer's sums, in doubles as a single running sum per unit would be. */
  private readonly acc: Float64Array
  private readonly memberOut: Float64Array

  constructor(weights: WeightsFile) {
    const {header} = weights
    this.h1 = header.layers.hidden1
    this.h2 = header.layers.hidden2
    const words = weights.text('vocabulary').split('\n')
    if (words.length >= BIGRAM_KEY) throw new Error(`the vocabulary has ${words.length} rows, more than ${BIGRAM_KEY}`)
    this.words = new Map()
    this.bigrams = new Map()
    words.forEach((w, i) => {
      if (!w.includes(' ')) this.words.set(w, i)
    })
    words.forEach((w, i) => {
      const space = w.indexOf(' ')
      if (space < 0) return
      const a = this.words.get(w.slice(0, space))
      const b = this.words.get(w.slice(space + 1))
      if (a !== undefined && b !== undefined) this.bigrams.set(a * BIGRAM_KEY + b, i)
    })
    this.ids = new Int32Array(5 * 256)
    this.tokenRows = new Int32Array(256)
    this.vocabulary = words.length
    const count = header.layers.members ?? 1
    this.members = []
    for (let m = 0; m < count; m++) {
      const member: Member = {
        rows: weights.int8(memberTensor(m, 'rows')),
        scales: weights.tensor(memberTensor(m, 'row_scales')),
        b1: weights.tensor(memberTensor(m, 'b1')),
        w2ByInput: transpose(weights.tensor(memberTensor(m, 'w2')), this.h2, this.h1),
        b2: weights.tensor(memberTensor(m, 'b2')),
        w3: weights.tensor(memberTensor(m, 'w3')),
        b3: weights.tensor(memberTensor(m, 'b3')),
      }
      if (member.rows.length !== words.length * this.h1 || member.scales.length !== words.length || member.w2ByInput.length !== this.h1 * this.h2 || member.w3.length !== this.h2 * CLASSES) {
        throw new Error(`the weights' tensor sizes do not match their header (vocabulary ${words.length}, layers ${this.h1}/${this.h2}, network ${m + 1})`)
      }
      this.members.push(member)
    }
    const linear = header.tensors.some((t) => t.name === 'linear_w')
    this.linearW = linear ? weights.tensor('linear_w') : new Float32Array(0)
    this.linearB = linear ? weights.tensor('linear_b')[0] : 0
    const trigramKeys = linear && header.tensors.some((t) => t.name === 'linear_trigrams') ? weights.text('linear_trigrams').split('\n') : []
    const perRow = this.linearW.length - trigramKeys.length
    if (linear && perRow !== 2 * words.length && perRow !== 3 * words.length) {
      throw new Error(`the linear model has ${this.linearW.length} weights, not ${2 * words.length} or ${3 * words.length} and one per trigram`)
    }
    this.contrast = linear && perRow === 3 * words.length
    this.trigrams = trigramTable(trigramKeys, this.words, perRow)
    this.scope = new Uint8Array(words.length)
    words.forEach((w, i) => {
      this.scope[i] = scopeKind(w)
    })
    this.sum = new Float32Array(this.h1)
    this.hidden = new Float32Array(this.h2)
    this.acc = new Float64Array(this.h2)
    this.memberOut = new Float64Array(CLASSES)
    this.info = {
      name: header.name,
      version: header.version,
      vocabulary: words.length,
      hidden1: this.h1,
      hidden2: this.h2,
      members: count,
      linear,
      training: header.training,
    }
  }

  static fromBuffer(gzipped: Buffer, source: string): AveragingNetwork {
    return new AveragingNetwork(decodeWeights(gzipped, source))
  }

  /** The five class probabilities of a text, in label order (Very Negative … Very Positive). */
  predict(text: string, out: Float64Array = new Float64Array(CLASSES)): Float64Array {
    return this.predictTokens(tokenize(text), out)
  }

  predictTokens(tokens: readonly string[], out: Float64Array = new Float64Array(CLASSES)): Float64Array {
    const linear = this.linearW.length > 0
    const count = this.rowsOf(tokens, linear, this.contrast)
    const {members, memberOut} = this
    if (members.length === 1) this.forward(members[0], count, out)
    else {
      out.fill(0)
      for (const member of members) {
        this.forward(member, count, memberOut)
        for (let k = 0; k < CLASSES; k++) out[k] += memberOut[k] / members.length
      }
    }
    if (linear) {
      let z = this.linearB
      const {ids, linearW} = this
      for (let k = 0; k < this.featureCount; k++) z += linearW[ids[k]]
      z += Math.log((out[3] + out[4] + 1e-12) / (out[0] + out[1] + 1e-12))
      splitSides(out, 1 / (1 + Math.exp(-z)))
    }
    return out
  }

  /**
   * The linear model's features of a text: the rows the networks average (each known word, and each known
   * bigram after its first word), then vocabulary + row for each known word in a negation's scope, then with
   * `contrast` 2 × vocabulary + row for each known word before a "but" of its sentence.
   */
  linearFeatures(tokens: readonly string[], contrast = this.contrast): number[] {
    this.rowsOf(tokens, true, contrast)
    return Array.from(this.ids.subarray(0, this.featureCount))
  }

  /** The row of each token (-1: not in the vocabulary), for trigram features computed outside. */
  wordRows(tokens: readonly string[]): Int32Array {
    return Int32Array.from(tokens, (t) => this.words.get(t) ?? -1)
  }

  /**
   * Fills this.ids with the rows a text averages and returns their count; with `negated`, the negated
   * words' features follow them, and with `contrast` the contrasted words' (this.featureCount counts all).
   */
  private rowsOf(tokens: readonly string[], negated: boolean, contrast = false): number {
    const {words, bigrams, scope, vocabulary, trigrams} = this
    const n = tokens.length
    if (this.ids.length < 5 * n) {
      this.ids = new Int32Array(5 * n)
      this.tokenRows = new Int32Array(n)
    }
    const {ids, tokenRows} = this
    // Each token's row (-1: unknown), looked up once for every kind of feature.
    let count = 0
    let previous = -1
    for (let i = 0; i < n; i++) {
      const w = words.get(tokens[i])
      if (w === undefined) {
        tokenRows[i] = -1
        previous = -1
        continue
      }
      tokenRows[i] = w
      if (previous >= 0) {
        const b = bigrams.get(previous * BIGRAM_KEY + w)
        if (b !== undefined) ids[count++] = b
      }
      ids[count++] = w
      previous = w
    }
    let features = count
    if (negated && trigrams.size > 0) {
      for (let i = 2; i < n; i++) {
        if (tokenRows[i - 2] < 0 || tokenRows[i - 1] < 0 || tokenRows[i] < 0) continue
        const t = trigrams.get(trigramKey(tokenRows[i - 2], tokenRows[i - 1], tokenRows[i]))
        if (t !== undefined) ids[features++] = t
      }
    }
    if (negated) {
      let inScope = false
      for (let i = 0; i < n; i++) {
        const w = tokenRows[i]
        if (inScope && w >= 0) ids[features++] = vocabulary + w
        const kind = w < 0 ? scopeKind(tokens[i]) : scope[w]
        if (kind === 1) inScope = true
        else if (kind === 2) inScope = false
      }
    }
    if (contrast) {
      // Backwards: a word is contrasted when a "but" follows it before its sentence ends.
      let contrasted = false
      for (let i = n - 1; i >= 0; i--) {
        const token = tokens[i]
        if (token === CONTRAST) contrasted = true
        else if (SENTENCE_ENDS.has(token)) contrasted = false
        else if (contrasted && tokenRows[i] >= 0) ids[features++] = 2 * vocabulary + tokenRows[i]
      }
    }
    this.featureCount = features
    return count
  }

  /** One network's five probabilities over the first `count` rows of this.ids. */
  private forward(member: Member, count: number, out: Float64Array): void {
    const {h1, h2, sum, hidden, acc, ids} = this
    const {rows, scales, b1, w2ByInput, b2, w3, b3} = member
    sum.fill(0)
    for (let k = 0; k < count; k++) {
      const row = ids[k]
      const scale = scales[row]
      const off = row * h1
      for (let d = 0; d < h1; d++) sum[d] += rows[off + d] * scale
    }
    const inv = count === 0 ? 0 : 1 / count
    for (let d = 0; d < h1; d++) {
      const a = sum[d] * inv + b1[d]
      sum[d] = a > 0 ? a : 0
    }
    // The second layer input by input, skipping the units the ReLU zeroed (about 7 in 8): each unit's sum
    // takes the same terms in the same order as a row-by-row product would, so the result is the same bits.
    for (let i = 0; i < h2; i++) acc[i] = b2[i]
    for (let d = 0; d < h1; d++) {
      const x = sum[d]
      if (x === 0) continue
      const off = d * h2
      for (let i = 0; i < h2; i++) acc[i] += w2ByInput[off + i] * x
    }
    for (let i = 0; i < h2; i++) {
      const a = acc[i]
      hidden[i] = a > 0 ? a : 0
    }
    let max = -Infinity
    for (let k = 0; k < CLASSES; k++) {
      let a = b3[k]
      const off = k * h2
      for (let d = 0; d < h2; d++) a += w3[off + d] * hidden[d]
      out[k] = a
      if (a > max) max = a
    }
    let total = 0
    for (let k = 0; k < CLASSES; k++) {
      out[k] = Math.exp(out[k] - max)
      total += out[k]
    }
    for (let k = 0; k < CLASSES; k++) out[k] /= total
  }
}

/** The transpose of a rows × columns matrix. */
function transpose(m: Float32Array, rows: number, columns: number): Float32Array {
  const t = new Float32Array(m.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) t[c * rows + r] = m[r * columns + c]
  return t
}

/** One number for three word rows (each below 2^17: 51 bits, an exact double). */
export function trigramKey(a: number, b: number, c: number): number {
  return (a * BIGRAM_KEY + b) * BIGRAM_KEY + c
}

/** The trigrams' keys ("a b c", words of the vocabulary) → their weights' indexes, from `offset` on. */
export function trigramTable(keys: readonly string[], words: ReadonlyMap<string, number>, offset: number): Map<number, number> {
  const table = new Map<number, number>()
  keys.forEach((key, i) => {
    const [a, b, c] = key.split(' ').map((w) => words.get(w))
    if (a === undefined || b === undefined || c === undefined) throw new Error(`the trigram "${key}" has a word outside the vocabulary`)
    table.set(trigramKey(a, b, c), offset + i)
  })
  return table
}

/** 1 for a token that opens a negation's scope, 2 for one that closes it, else 0. */
export function scopeKind(token: string): number {
  return NEGATIONS.has(token) ? 1 : SCOPE_ENDS.has(token) ? 2 : 0
}

/**
 * Rescales five class probabilities so that the two sides hold `positive` and `1 − positive` of the
 * non-Neutral mass: p_k · (1 − p_Neutral) · side / (the side's sum). Neutral keeps its probability and the
 * classes of a side keep their ratio; a side whose probabilities are all zero splits its share evenly.
 */
export function splitSides(p: Float64Array, positive: number): void {
  const rest = 1 - p[2]
  const negative = p[0] + p[1]
  const pos = p[3] + p[4]
  if (negative > 0) {
    const n = (rest * (1 - positive)) / negative
    p[0] *= n
    p[1] *= n
  } else p[0] = p[1] = (rest * (1 - positive)) / 2
  if (pos > 0) {
    const q = (rest * positive) / pos
    p[3] *= q
    p[4] *= q
  } else p[3] = p[4] = (rest * positive) / 2
}
