/** `sstream serve sentiment`: the service until the AbortSignal fires, then a summary. */
import {createSentimentModel, type ModelKind} from './model.js'
import {startSentimentServer, type SentimentServer, type SentimentServerOptions} from './server.js'

export interface ServeSentimentOptions extends SentimentServerOptions {
  signal: AbortSignal
  /** Which model to serve when `model` is not given; default trained. */
  kind?: ModelKind
  /** Called once the service accepts requests. */
  onListening?: (server: SentimentServer) => void
}

export interface ServeSentimentResult {
  url: string
  model: string
  version: string
  requests: number
  texts: number
  errors: number
  uptimeSeconds: number
}

export async function serveSentiment(options: ServeSentimentOptions): Promise<ServeSentimentResult> {
  const started = Date.now()
  const server = await startSentimentServer({...options, model: options.model ?? createSentimentModel(options.kind)})
  options.onListening?.(server)
  await server.closed
  const stats = server.stats()
  return {url: server.url, model: server.model, version: server.version, ...stats, uptimeSeconds: Math.round((Date.now() - started) / 100) / 10}
}

/** The host and port to listen on by default: those of the configured service URL (SSTREAM_SENTIMENT_URL). */
export function listenAddressOf(sentimentUrl: string): {host: string; port: number} {
  try {
    const url = new URL(sentimentUrl)
    const host = url.hostname.replace(/^\[|\]$/g, '')
    return {host: host === 'localhost' ? '127.0.0.1' : host, port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)}
  } catch {
    return {host: '127.0.0.1', port: 8001}
  }
}
