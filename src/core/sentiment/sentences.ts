/**
 * Sentence splitting for review text. A sentence ends at `.`, `!`, `?` or `…` (one or repeated) followed by
 * white space or the end of the text, or directly followed by a capital letter ("watch it.It will"), and at
 * every line break. Not at abbreviations ("Mr.", "vs."), initials ("J."), decimals ("3.5"), nor at an ellipsis
 * that the sentence goes on after in lower case ("it was... fine"). Pure and fast: it runs on every record of
 * the predictions pipeline.
 */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'vs', 'jr', 'sr', 'vol', 'etc', 'e.g', 'i.e', 'approx'])
const TERMINATORS = new Set(['.', '!', '?', '…'])

export function splitSentences(text: string): string[] {
  const sentences: string[] = []
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\n' || c === '\r') {
      push(sentences, text.slice(start, i))
      start = i + 1
      continue
    }
    if (!TERMINATORS.has(c)) continue
    let end = i + 1
    while (end < text.length && TERMINATORS.has(text[end])) end++
    if (endsSentence(text, start, i, end)) {
      push(sentences, text.slice(start, end))
      start = end
    }
    i = end - 1
  }
  push(sentences, text.slice(start))
  return sentences
}

/** Whether the run of terminators text[first..end) ends the sentence that began at `start`. */
function endsSentence(text: string, start: number, first: number, end: number): boolean {
  const next = text[end]
  const singleDot = end - first === 1 && text[first] === '.'
  if (singleDot && isAbbreviation(text, start, first)) return false
  if (next === undefined) return true
  if (/\p{Lu}/u.test(next)) return true
  if (!/\s/.test(next)) return false
  const ellipsis = end - first > 1 || text[first] === '…'
  if (!ellipsis) return true
  const following = /\S/u.exec(text.slice(end, end + 40))?.[0]
  return following === undefined || !/\p{Ll}/u.test(following)
}

/** Whether the word that ends at the dot is a known abbreviation or a single capital (an initial). */
function isAbbreviation(text: string, start: number, dot: number): boolean {
  let w = dot
  while (w > start && /[\p{L}.]/u.test(text[w - 1])) w--
  const word = text.slice(w, dot)
  if (ABBREVIATIONS.has(word.toLowerCase())) return true
  return word.length === 1 && /\p{Lu}/u.test(word) && word !== 'I'
}

function push(sentences: string[], raw: string): void {
  const sentence = raw.trim()
  if (/[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(sentence)) sentences.push(sentence)
}
