// Type declarations for the lexicon packages, which ship none.
declare module 'sentiment' {
  interface AnalysisResult {
    score: number
    comparative: number
    tokens: string[]
    words: string[]
    positive: string[]
    negative: string[]
  }
  class Sentiment {
    analyze(phrase: string, options?: {extras?: Record<string, number>; language?: string}): AnalysisResult
  }
  export default Sentiment
}

declare module 'vader-sentiment' {
  interface PolarityScores {
    neg: number
    neu: number
    pos: number
    compound: number
  }
  const vader: {SentimentIntensityAnalyzer: {polarity_scores(text: string): PolarityScores}}
  export default vader
}

declare module 'wink-sentiment' {
  function sentiment(phrase: string): {score: number; normalizedScore: number}
  export default sentiment
}
