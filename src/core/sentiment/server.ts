/**
 * The sentiment model as an HTTP service, on Node's http module.
 *  - `POST /sentiment`, the text as the body (text/plain) → 200 and the bare label: the original service's
 *    contract. An empty body is Neutral. The body is read as UTF-8, or as Latin-1 when the request's
 *    Content-Type says `charset=ISO-8859-1` (what the original Java client sent). The answer's Content-Type is `text/plain; charset=utf-8` (the
 *    original sent `text/html`; the body, a bare label, is the same bytes).
 *  - `POST /v1/sentiment`, JSON `{"text": "..."}` → `{"model", "version", "label", "score", "probabilities"}`,
 *    or `{"texts": [...]}` → `{"model", "version", "results": [{"label", "score", "probabilities"}, ...]}` in
 *    the same order. `probabilities` maps each of the five labels to the model's probability (the trained
 *    model; the lexicon has none and leaves it out).
 *  - `GET /healthz` → `{"status": "ok", "model", "kind", "version", "uptimeSeconds", "requests"}`.
 * Keep-alive; bodies above `maxBodyBytes` get 413, other methods 405 (with Allow), other paths 404, errors
 * a JSON body `{"error": {"code", "message"}}`. Every answered request is reported to `onRequest` (the
 * access log). `close()` or the AbortSignal stops accepting, lets requests in flight finish (up to
 * `graceMs`), then closes every connection.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {SstreamError} from '../errors.js'
import {createSentimentModel, type SentimentModel} from './model.js'

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
export const DEFAULT_MAX_BATCH = 1000

export interface SentimentServerOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 8001; 0 picks a free port. */
  port?: number
  /** Default: the trained model. */
  model?: SentimentModel
  /** Largest accepted request body; default 1 MiB. */
  maxBodyBytes?: number
  /** Most texts in one `/v1/sentiment` request; default 1000. */
  maxBatch?: number
  /** How long an idle keep-alive connection stays open; default 5 s. */
  keepAliveTimeoutMs?: number
  /** How long `close()` waits for requests in flight; default 5 s. */
  graceMs?: number
  signal?: AbortSignal
  /** Called once per answered request: the access log. */
  onRequest?: (entry: AccessLogEntry) => void
}

export interface AccessLogEntry {
  time: string
  remote: string
  method: string
  path: string
  status: number
  /** Response body bytes. */
  bytes: number
  durationMs: number
  /** Texts classified by the request. */
  texts: number
}

export interface SentimentServer {
  /** The original contract's URL, e.g. http://127.0.0.1:8001/sentiment (what SSTREAM_SENTIMENT_URL holds). */
  url: string
  /** e.g. http://127.0.0.1:8001 */
  origin: string
  host: string
  port: number
  /** The model's name, e.g. "trained dan". */
  model: string
  /** The model's version. */
  version: string
  stats(): SentimentServerStats
  /** Stops gracefully; resolves once every connection is closed. Idempotent. */
  close(): Promise<void>
  /** Resolves when the server has stopped, whoever stopped it. */
  closed: Promise<void>
}

export interface SentimentServerStats {
  requests: number
  texts: number
  errors: number
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

const ROUTES: Record<string, string[]> = {
  '/sentiment': ['POST'],
  '/v1/sentiment': ['POST'],
  '/healthz': ['GET', 'HEAD'],
}

export async function startSentimentServer(options: SentimentServerOptions = {}): Promise<SentimentServer> {
  const host = options.host ?? '127.0.0.1'
  const model = options.model ?? createSentimentModel()
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH
  const graceMs = options.graceMs ?? 5000
  const started = Date.now()
  const stats: SentimentServerStats = {requests: 0, texts: 0, errors: 0}
  let closing = false

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    if (closing) res.setHeader('Connection', 'close')
    const path = pathOf(req.url)
    const methods = ROUTES[path]
    if (!methods) throw new HttpError(404, 'NOT_FOUND', `No such path: ${path}. Use POST /sentiment, POST /v1/sentiment or GET /healthz.`)
    if (!methods.includes(req.method ?? '')) {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use ${methods.join(' or ')}.`, {Allow: methods.join(', ')})
    }
    if (path === '/healthz') {
      send(res, 200, 'application/json', JSON.stringify({status: 'ok', model: model.name, kind: model.kind, version: model.version, uptimeSeconds: Math.round((Date.now() - started) / 1000), requests: stats.requests}), req.method === 'HEAD')
      return 0
    }
    const body = await readBody(req, maxBodyBytes)
    if (path === '/sentiment') {
      send(res, 200, 'text/plain; charset=utf-8', model.classify(body.toString(charsetOf(req))).label)
      return 1
    }
    const texts = parseV1(body, maxBatch)
    const results = texts.texts.map((text) => model.classify(text))
    const payload = texts.batch ? {model: model.name, version: model.version, results} : {model: model.name, version: model.version, ...results[0]}
    send(res, 200, 'application/json', JSON.stringify(payload))
    return texts.texts.length
  }

  const server = createServer((req, res) => {
    const t0 = performance.now()
    handle(req, res)
      .then((texts) => finish(texts))
      .catch((error: unknown) => {
        const e = error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', 'The sentiment service failed on this request.')
        if (e.status === 413) res.setHeader('Connection', 'close')
        for (const [name, value] of Object.entries(e.headers)) res.setHeader(name, value)
        if (!res.headersSent) send(res, e.status, 'application/json', JSON.stringify({error: {code: e.code, message: e.message}}))
        stats.errors += 1
        finish(0)
      })
    const finish = (texts: number): void => {
      stats.requests += 1
      stats.texts += texts
      const report = (): void =>
        options.onRequest?.({
          time: new Date().toISOString(),
          remote: req.socket.remoteAddress ?? '-',
          method: req.method ?? '-',
          path: pathOf(req.url),
          status: res.statusCode,
          bytes: Number(res.getHeader('Content-Length') ?? 0),
          durationMs: Math.round((performance.now() - t0) * 100) / 100,
          texts,
        })
      if (res.writableFinished) report()
      else res.once('close', report)
    }
  })
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000

  await listen(server, host, options.port ?? 8001)
  const {port} = server.address() as AddressInfo
  const hostInUrl = host.includes(':') ? `[${host}]` : host
  const origin = `http://${hostInUrl}:${port}`

  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve))
  let closePromise: Promise<void> | undefined
  const close = (): Promise<void> => {
    closePromise ??= new Promise<void>((resolve) => {
      closing = true
      const force = setTimeout(() => server.closeAllConnections(), graceMs)
      server.close(() => {
        clearTimeout(force)
        options.signal?.removeEventListener('abort', onAbort)
        resolve()
        resolveClosed()
      })
      server.closeIdleConnections()
    })
    return closePromise
  }
  const onAbort = (): void => void close()
  if (options.signal?.aborted) await close()
  else options.signal?.addEventListener('abort', onAbort, {once: true})

  return {url: `${origin}/sentiment`, origin, host, port, model: model.name, version: model.version, stats: () => ({...stats}), close, closed}
}

/** One access-log line: combined-log style, or a JSON object with `--json`. */
export function formatAccessLog(entry: AccessLogEntry, json = false): string {
  if (json) return JSON.stringify({event: 'request', ...entry})
  return `${entry.remote} - - [${entry.time}] "${entry.method} ${entry.path}" ${entry.status} ${entry.bytes} ${entry.durationMs}ms texts=${entry.texts}`
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/'
  const q = raw.indexOf('?')
  return q < 0 ? raw : raw.slice(0, q)
}

/** The body's charset: Latin-1 when the request says so (the original Java client's default), else UTF-8. */
function charsetOf(req: IncomingMessage): BufferEncoding {
  const charset = /charset=["']?([\w-]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase()
  return charset === 'iso-8859-1' || charset === 'latin1' || charset === 'us-ascii' ? 'latin1' : 'utf8'
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headOnly = false): void {
  const bytes = Buffer.from(body, 'utf8')
  res.statusCode = status
  res.setHeader('Content-Type', contentType)
  res.setHeader('Content-Length', bytes.length)
  res.end(headOnly ? undefined : bytes)
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = (): HttpError => new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`)
  const declared = Number(req.headers['content-length'] ?? Number.NaN)
  if (declared > limit) {
    req.resume()
    return Promise.reject(tooLarge())
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.resume()
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks, size)))
    req.once('error', reject)
  })
}

function parseV1(body: Buffer, maxBatch: number): {batch: boolean; texts: string[]} {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'The body is not valid JSON; send {"text": "..."} or {"texts": ["...", ...]}.')
  }
  const object = typeof value === 'object' && value !== null ? (value as {text?: unknown; texts?: unknown}) : {}
  if (typeof object.text === 'string') return {batch: false, texts: [object.text]}
  if (Array.isArray(object.texts) && object.texts.every((t) => typeof t === 'string')) {
    if (object.texts.length > maxBatch) throw new HttpError(413, 'BATCH_TOO_LARGE', `At most ${maxBatch} texts per request.`)
    return {batch: true, texts: object.texts as string[]}
  }
  throw new HttpError(400, 'BAD_REQUEST', 'Send {"text": "..."} or {"texts": ["...", ...]} with strings.')
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(new SstreamError('PORT_IN_USE', `Port ${port} on ${host} is already in use.`, {nextSteps: ['Stop the other server, or pick another port with --port.'], cause: error}))
      } else {
        reject(new SstreamError('SENTIMENT_ERROR', `Can't listen on ${host}:${port}: ${error.message}.`, {nextSteps: ['Check --host and --port.'], cause: error}))
      }
    }
    server.once('error', onError)
    server.listen({host, port, backlog: 1024}, () => {
      server.off('error', onError)
      resolve()
    })
  })
}
