/**
 * sstream's rule scorer: VADER's published heuristics re-implemented over a larger lexicon (lexicon.ts),
 * with the case bugs of the JavaScript VADER port fixed (it misses "Not" and "But" at the start of a
 * sentence) and a few more rules for reviews. Per word: the valence from the lexicon (phrases first); a
 * booster before it ("very", "so", "absolutely") adds 0.293 in its direction, a dampener ("a bit",
 * "rather") takes it away; a negator up to three words before it ("not", "never", "n't", "lacks") flips
 * and shrinks it (× -0.74; only the nearest, and not across another word with valence), except "not only/just"
 * and "never so"; "too" before a word without valence
 * makes it negative; an ALL-CAPS word in mixed case weighs more. Per sentence: "but" halves what comes
 * before it and weighs what follows by 1.5; an "although" clause is halved; "!" adds emphasis. Across
 * sentences: a sentence opening with "But"/"However"/"Still" or holding "however" or a closing
 * "though" halves the sentences before it. The sum is normalised to [-1, 1] like VADER's compound.
 */
import {loadLexicon, type Lexicon} from './lexicon.js'
import {splitSentences} from './sentences.js'

const B_INCR = 0.293
const C_INCR = 0.733
const N_SCALAR = -0.74
const EXCLAMATION = 0.292
const TOO_VALENCE = -1.0
const ALPHA = 15

const BOOSTERS = new Set([
  'absolutely', 'amazingly', 'completely', 'considerably', 'decidedly', 'deeply', 'enormously', 'entirely', 'especially',
  'exceptionally', 'extremely', 'fully', 'greatly', 'highly', 'hugely', 'incredibly', 'intensely', 'particularly', 'purely',
  'quite', 'really', 'remarkably', 'so', 'substantially', 'thoroughly', 'totally', 'tremendously', 'truly', 'unbelievably',
  'utterly', 'very', 'more', 'most', 'simply', 'super', 'seriously', 'far', 'insanely', 'genuinely',
])
/** Adverbs with a valence of their own that act as boosters before a word with valence ("painfully slow"). */
const VALENCED_BOOSTERS = new Set(['terribly', 'awfully', 'horribly', 'painfully', 'ridiculously', 'wonderfully', 'beautifully', 'insanely'])
const DAMPENERS = new Set([
  'almost', 'barely', 'hardly', 'kinda', 'less', 'marginally', 'occasionally', 'partly', 'scarcely', 'slightly', 'somewhat',
  'sorta', 'rather', 'fairly', 'mostly', 'mildly', 'pretty', 'reasonably',
])
const NEGATORS = new Set([
  'not', 'no', 'never', 'nothing', 'none', 'nobody', 'nowhere', 'neither', 'nor', 'without', 'cannot', 'lack', 'lacks',
  'lacking', 'lacked', 'dont', 'didnt', 'doesnt', 'isnt', 'wasnt', 'arent', 'werent', 'cant', 'couldnt', 'wont', 'wouldnt',
  'shouldnt', 'aint', 'havent', 'hasnt', 'hadnt', 'neednt',
])
/** After "not", these make "not only X" / "not just X" an affirmation, not a negation. */
const NOT_ONLY = new Set(['only', 'just', 'merely', 'simply'])
/** After "never", these intensify: "never so bored". */
const NEVER_SO = new Set(['so', 'this', 'such'])
const CONTRAST_OPENERS = new Set(['but', 'however', 'still', 'yet'])
const SUBORDINATORS = new Set(['although', 'though'])
/** "like" is a verb (with valence) only after these; otherwise a preposition ("feels like a TV movie"). */
const LIKE_SUBJECTS = new Set(['i', 'we', 'you', 'they', 'would', "i'd", "we'd", 'really', 'did', 'do', 'to', 'kids', 'people', 'will', "i'll"])
const TOO_STOP = new Set(['the', 'a', 'an', 'and', 'or', 'to', 'of', 'is', 'was', 'it', 'i', 'me', 'for', 'in', 'on'])

interface Token {
  /** Lower-case word, or '' for a clause break (, ; : dash brackets). */
  word: string
  caps: boolean
}

const TOKEN = /[:;=]-?[()DPp\][/\\|]|[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*|[,;:()\u2013\u2014]|\s-\s/gu

export function tokenize(sentence: string): Token[] {
  const tokens: Token[] = []
  for (const match of sentence.replaceAll('’', "'").matchAll(TOKEN)) {
    const raw = match[0]
    if (/^[,;:()\u2013\u2014]$|^\s-\s$/u.test(raw)) tokens.push({word: '', caps: false})
    else tokens.push({word: raw.toLowerCase(), caps: raw.length > 1 && raw === raw.toUpperCase() && raw !== raw.toLowerCase()})
  }
  return tokens
}

/** The rule scorer's compound score of a text in [-1, 1]; 0 for a text without sentiment. */
export function scoreRules(text: string): number {
  const lexicon = loadLexicon()
  const sentences = splitSentences(text)
  const mixedCase = text !== text.toUpperCase()
  const sums: number[] = []
  for (const sentence of sentences) {
    const tokens = tokenize(sentence)
    let sum = scoreSentence(tokens, lexicon, mixedCase)
    const bangs = Math.min(4, (sentence.match(/!/g) ?? []).length)
    if (sum !== 0) sum += Math.sign(sum) * bangs * EXCLAMATION
    const words = tokens.filter((t) => t.word !== '').map((t) => t.word)
    const turns = CONTRAST_OPENERS.has(words[0]) || words.includes('however') || (words.length > 1 && words[words.length - 1] === 'though')
    if (turns && sums.length > 0) {
      for (let k = 0; k < sums.length; k++) sums[k] *= 0.5
      sum *= 1.5
    }
    sums.push(sum)
  }
  const total = sums.reduce((a, b) => a + b, 0)
  return total === 0 ? 0 : Math.max(-1, Math.min(1, total / Math.sqrt(total * total + ALPHA)))
}

function scoreSentence(tokens: Token[], lexicon: Lexicon, mixedCase: boolean): number {
  const valences = tokens.map(() => 0)
  /** Tokens inside a matched phrase: their words ("without" in "without a doubt") act no further. */
  const inPhrase = tokens.map(() => false)
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i]
    if (token.word === '') {
      i++
      continue
    }
    const phrase = matchPhrase(tokens, i, lexicon)
    const span = phrase?.words.length ?? 1
    for (let k = 1; k < span; k++) inPhrase[i + k] = true
    if (phrase) inPhrase[i] = true
    let v = phrase ? phrase.valence : wordValence(tokens, i, lexicon)
    if (v === 0 && !phrase && tokens[i - 1]?.word === 'too' && !TOO_STOP.has(token.word) && !BOOSTERS.has(token.word)) v = TOO_VALENCE
    if (v !== 0) v = modify(v, {tokens, valences, inPhrase}, i, mixedCase && token.caps)
    valences[i] = v
    i += span
  }
  const butAt = lastIndexOfWord(tokens, 'but')
  for (let i = 0; i < tokens.length; i++) {
    if (butAt > 0) valences[i] *= i < butAt ? 0.5 : 1.5
  }
  for (let i = 0; i < tokens.length; i++) {
    if (!SUBORDINATORS.has(tokens[i].word) || i === tokens.length - 1) continue
    for (let j = i; j < tokens.length && tokens[j].word !== ''; j++) valences[j] *= 0.5
  }
  return valences.reduce((a, b) => a + b, 0)
}

function wordValence(tokens: Token[], i: number, lexicon: Lexicon): number {
  const word = tokens[i].word
  if (NEGATORS.has(word) || word.endsWith("n't") || BOOSTERS.has(word) || CONTRAST_OPENERS.has(word)) return 0
  const next = tokens[i + 1]
  const nextHasValence = next !== undefined && next.word !== '' && (lexicon.words.get(next.word) ?? 0) !== 0
  if ((DAMPENERS.has(word) || VALENCED_BOOSTERS.has(word)) && nextHasValence) return 0
  const before = tokens[i - 1]?.word ?? ''
  if (word === 'like' && !LIKE_SUBJECTS.has(before) && !isNegator(before)) return 0
  return lexicon.words.get(word) ?? 0
}

interface Clause {
  tokens: Token[]
  valences: number[]
  inPhrase: boolean[]
}

/**
 * Boosters, dampeners, negation and capitals from the (up to) three words before position i in its clause.
 * Only the nearest negator counts, and not across another word with valence ("cannot save a poor story"
 * negates "save", not "poor").
 */
function modify(valence: number, {tokens, valences, inPhrase}: Clause, i: number, caps: boolean): number {
  let v = valence
  if (caps) v += Math.sign(v) * C_INCR
  const sign = Math.sign(valence)
  for (let d = 1; d <= 3; d++) {
    const at = i - d
    const prev = tokens[at]
    if (prev === undefined || prev.word === '' || prev.word === 'but' || valences[at] !== 0) break
    if (inPhrase[at]) continue
    const decay = 1 - 0.05 * (d - 1)
    if (BOOSTERS.has(prev.word) || (VALENCED_BOOSTERS.has(prev.word) && d === 1)) v += sign * B_INCR * decay
    else if (prev.word === 'too' && d === 1 && valence < 0) v += sign * B_INCR
    else if (isDampener(tokens, at)) v -= sign * B_INCR * decay
    if (isNegator(prev.word)) {
      const after = tokens[at + 1]?.word ?? ''
      if (prev.word === 'not' && NOT_ONLY.has(after)) break
      return prev.word === 'never' && NEVER_SO.has(after) ? v * 1.25 : v * N_SCALAR
    }
  }
  return v
}

function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't")
}

function isDampener(tokens: Token[], i: number): boolean {
  const word = tokens[i].word
  if (DAMPENERS.has(word)) return true
  const before = tokens[i - 1]?.word
  if ((word === 'bit' || word === 'little' || word === 'tad') && before === 'a') return true
  return word === 'of' && (before === 'kind' || before === 'sort')
}

function lastIndexOfWord(tokens: Token[], word: string): number {
  for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i].word === word) return i
  return -1
}

function matchPhrase(tokens: Token[], i: number, lexicon: Lexicon): {words: string[]; valence: number} | undefined {
  const candidates = lexicon.phrases.get(tokens[i].word)
  if (!candidates) return undefined
  return candidates.find((p) => p.words.every((w, k) => tokens[i + k]?.word === w))
}
