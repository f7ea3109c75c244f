/**
 * The trained model's tokeniser: raw review text → the lower-cased tokens of the Stanford Sentiment
 * Treebank's Penn-Treebank-style tokenisation, which the model was trained on. Punctuation stands apart
 * ("...", "--" and "?!" runs as one token), clitics are split off ("doesn't" → "does" "n't", "can't" →
 * "ca" "n't", "it's" → "it" "'s"), hyphenated words stay whole ("well-made"), and brackets and quotes are
 * normalised so that `normalizeTreebankToken` maps the treebank's own leaves (-LRB-, ``, \/) to the same forms.
 * One pass over the characters, no regular expression per token: it runs for every text the model labels.
 */

const CLITICS = ["n't", "'s", "'re", "'ve", "'ll", "'d", "'m"] as const

/** Words whose final period belongs to them, as the treebank writes them ("mr.", "vs."). */
const ABBREVIATIONS = new Set(['mr.', 'mrs.', 'ms.', 'dr.', 'st.', 'vs.', 'jr.', 'sr.', 'no.', 'co.', 'inc.', 'ltd.', 'etc.', 'vol.', 'mt.', 'ft.', 'bros.'])

/** Characters that always stand alone as a token, or as a run of the same kind. */
function isPunct(c: number): boolean {
  return (
    c === 46 /* . */ || c === 44 /* , */ || c === 59 /* ; */ || c === 58 /* : */ || c === 33 /* ! */ || c === 63 /* ? */ ||
    c === 40 /* ( */ || c === 41 /* ) */ || c === 91 /* [ */ || c === 93 /* ] */ || c === 123 /* { */ || c === 125 /* } */ ||
    c === 34 /* " */ || c === 96 /* ` */ || c === 42 /* * */ || c === 38 /* & */ || c === 47 /* / */ || c === 36 /* $ */ || c === 37 /* % */
  )
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 160
}

/** Typographic quotes, apostrophes and dashes to their plain forms. */
function normalizeText(text: string): string {
  // The common case (plain ASCII) skips the replacements.
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(text)) return text.toLowerCase()
  return text
    .replace(/[\u2018\u2019\u02bc\u00b4]/g, "'")
    .replace(/[\u201c\u201d\u00ab\u00bb]/g, '"')
    .replace(/[\u2013\u2014]/g, ' -- ')
    .replace(/\u2026/g, '...')
    .toLowerCase()
}

/** The treebank's leaf as the tokeniser would write it: -LRB- → "(", `` and '' → '"', "\/" → "/", lower case. */
export function normalizeTreebankToken(leaf: string): string {
  switch (leaf) {
    case '-LRB-':
    case '-LSB-':
    case '-LCB-':
      return '('
    case '-RRB-':
    case '-RSB-':
    case '-RCB-':
      return ')'
    case '``':
    case "''":
    case '`':
      return '"'
    default:
      return leaf.replace(/\\\//g, '/').replace(/\\\*/g, '*').toLowerCase()
  }
}

/** Splits a text into the model's tokens. */
export function tokenize(text: string): string[] {
  const s = normalizeText(text)
  const out: string[] = []
  const n = s.length
  let i = 0
  while (i < n) {
    const c = s.charCodeAt(i)
    if (isSpace(c)) {
      i += 1
      continue
    }
    // A chunk: up to the next space.
    let j = i
    while (j < n && !isSpace(s.charCodeAt(j))) j += 1
    splitChunk(s, i, j, out)
    i = j
  }
  return out
}

/** One whitespace-separated chunk: leading punctuation, the word, its clitic, trailing punctuation. */
function splitChunk(s: string, start: number, end: number, out: string[]): void {
  let a = start
  // Leading punctuation and quotes.
  while (a < end) {
    const c = s.charCodeAt(a)
    if (c === 39 /* ' */ && a + 1 < end && !isWordStartAfterQuote(s, a + 1, end)) {
      out.push('"')
      a += 1
    } else if (c === 39 && a + 1 < end && s.charCodeAt(a + 1) === 39) {
      out.push('"')
      a += 2
    } else if (c === 45 /* - */ && a + 1 < end && s.charCodeAt(a + 1) === 45) {
      let k = a
      while (k < end && s.charCodeAt(k) === 45) k += 1
      out.push('--')
      a = k
    } else if (isPunct(c)) {
      a = pushPunctRun(s, a, end, out)
    } else break
  }
  // Trailing punctuation, collected backwards.
  const tail: string[] = []
  let b = end
  while (b > a) {
    const c = s.charCodeAt(b - 1)
    if (c === 46 /* . */) {
      let k = b
      while (k > a && s.charCodeAt(k - 1) === 46) k -= 1
      const dots = b - k
      if (dots === 1 && keepsPeriod(s, a, b)) break
      tail.push(dots >= 2 ? '...' : '.')
      b = k
    } else if (c === 39 /* ' */ && b - 1 > a && s.charCodeAt(b - 2) === 39) {
      tail.push('"')
      b -= 2
    } else if (c === 39 && b - 1 > a && !endsWithClitic(s, a, b)) {
      // A closing single quote; "90s'" and "films'" keep it as the possessive "'".
      const prev = s.charCodeAt(b - 2)
      if (prev === 115 /* s */) {
        tail.push("'")
      } else tail.push('"')
      b -= 1
    } else if (c === 45 && b - 1 > a && s.charCodeAt(b - 2) === 45) {
      let k = b
      while (k > a && s.charCodeAt(k - 1) === 45) k -= 1
      tail.push('--')
      b = k
    } else if (isPunct(c) || c === 45 /* a lone trailing - */) {
      const bang = c === 33 || c === 63
      let k = b - 1
      while (k > a && (s.charCodeAt(k - 1) === c || (bang && (s.charCodeAt(k - 1) === 33 || s.charCodeAt(k - 1) === 63)))) k -= 1
      tail.push(c === 33 || c === 63 ? s.slice(k, b) : s[b - 1])
      b = c === 33 || c === 63 ? k : b - 1
    } else break
  }
  if (b > a) splitWord(s, a, b, out)
  for (let k = tail.length - 1; k >= 0; k -= 1) out.push(tail[k])
}

function pushPunctRun(s: string, a: number, end: number, out: string[]): number {
  const c = s.charCodeAt(a)
  if (c === 46) {
    let k = a
    while (k < end && s.charCodeAt(k) === 46) k += 1
    out.push(k - a >= 2 ? '...' : '.')
    return k
  }
  if (c === 33 || c === 63) {
    let k = a
    while (k < end && (s.charCodeAt(k) === 33 || s.charCodeAt(k) === 63)) k += 1
    out.push(s.slice(a, k))
    return k
  }
  out.push(c === 96 ? '"' : s[a])
  return a + 1
}

/** After a leading ': a word such as "em" ('em), "70s" ('70s), "n" ('n') keeps its quote. */
function isWordStartAfterQuote(s: string, at: number, end: number): boolean {
  const rest = s.slice(at, end)
  return /^(em|n|70s|80s|90s|60s|50s|40s|30s|20s|tis|twas|cause|til|round)\b/.test(rest)
}

function keepsPeriod(s: string, a: number, b: number): boolean {
  const word = s.slice(a, b)
  if (ABBREVIATIONS.has(word)) return true
  // Initials and dotted abbreviations: "j.", "e.t.", "u.s."
  return /^([a-z]\.)+$/.test(word)
}

function endsWithClitic(s: string, a: number, b: number): boolean {
  const word = s.slice(a, b)
  return CLITICS.some((c) => word.length > c.length && word.endsWith(c))
}

/** The word itself: internal slashes and clitics split off, the rest whole. */
function splitWord(s: string, a: number, b: number, out: string[]): void {
  const word = s.slice(a, b)
  for (const clitic of CLITICS) {
    if (word.length > clitic.length && word.endsWith(clitic)) {
      const stem = word.slice(0, word.length - clitic.length)
      if (clitic === "n't" && stem === 'ca') out.push('ca')
      else if (clitic === "n't" && stem === 'wo') out.push('wo')
      else out.push(stem)
      out.push(clitic)
      return
    }
  }
  // "cannot" is written "can" "not" by the treebank.
  if (word === 'cannot') {
    out.push('can', 'not')
    return
  }
  out.push(word)
}
