/**
 * The client of the sentiment service, for the predictions pipeline and the demo. `classify(texts)` sends
 * the texts in batches of `batchSize` to `POST /v1/sentiment` with at most `concurrency` requests in flight
 * and answers the labels in input order. Against a service that only has the original contract (the
 * original Java server: `POST /sentiment`, one text per request) it falls back to that, one text per request.
 *
 * When the service is down (connection refused or reset, timeout, 502/503/504/429), classify never gives up
 * and never makes a label up: one request probes the service with exponential backoff while the others wait,
 * every failed probe is reported to `onOutage`, and the first success to `onRecovered`; then all go on. Only
 * the AbortSignal ends the wait (an INTERRUPTED error). With `waitWhileDown: false` the caller retries instead:
 * a request that finds the service down fails at once with SENTIMENT_UNREACHABLE. A service that answers but
 * refuses a request (other 4xx/5xx) is a SENTIMENT_ERROR.
 */
import {Agent as HttpAgent, request as httpRequest} from 'node:http'
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https'

import {redactUrl} from '../address.js'
import {backoffDelay, sleep} from '../async.js'
import {SstreamError, errorMessage} from '../errors.js'
import {isSentimentLabel, LABELS, type SentimentLabel} from './labels.js'
import type {ClassProbabilities} from './model.js'

export interface SentimentClientOptions {
  /** The service: its /sentiment URL (SSTREAM_SENTIMENT_URL) or its origin. */
  url: string
  /** Most requests in flight; default 64. */
  concurrency?: number
  /** Texts per /v1/sentiment request; default 64. */
  batchSize?: number
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number
  /** Backoff while the service is down: from initialMs (default 100) doubling up to maxMs (default 5000). */
  backoff?: {initialMs?: number; maxMs?: number}
  signal?: AbortSignal
  /**
   * Whether classify waits out an outage (default true). With false, a request that finds the service down
   * fails at once with SENTIMENT_UNREACHABLE, for a caller that retries on its own (the stream engine).
   */
  waitWhileDown?: boolean
  onOutage?: (event: SentimentOutageEvent) => void
  onRecovered?: (event: SentimentRecoveredEvent) => void
}

export interface SentimentOutageEvent {
  url: string
  /** Why the last attempt failed, e.g. "connect ECONNREFUSED 127.0.0.1:8001". */
  error: string
  /** Failed attempts in this outage so far. */
  attempt: number
  retryInMs: number
  downForMs: number
}

export interface SentimentRecoveredEvent {
  url: string
  downForMs: number
  attempts: number
}

export interface SentimentResult {
  label: SentimentLabel
  /** The model's score; null from a service that only answers the original contract. */
  score: number | null
  /** The five class probabilities, when the service's model has them (the trained model does). */
  probabilities?: ClassProbabilities
}

/** A text the service refuses for its content (e.g. 413: too large): the service's status and words. */
export interface SentimentRejection {
  rejected: string
  status: number
}

export type SentimentOutcome = SentimentResult | SentimentRejection

export function isSentimentRejection(outcome: SentimentOutcome): outcome is SentimentRejection {
  return 'rejected' in outcome
}

/** HTTP statuses that refuse what was sent (the texts), not the request as such. */
const CONTENT_REFUSALS = new Set([400, 413, 414, 422])

export interface SentimentClient {
  /** The label of each text, in order; a text the service refuses for its content gets a SentimentRejection. */
  classify(texts: readonly string[]): Promise<SentimentOutcome[]>
  /** 'v1' (batches) until the service turns out to have only the original contract ('legacy'). */
  readonly protocol: 'v1' | 'legacy'
  /** Closes the kept-alive connections. */
  close(): void
}

export interface SentimentEndpoints {
  legacy: string
  v1: string
  health: string
}

/** The service's three URLs, from its /sentiment URL or its origin (a path prefix before /sentiment is kept). */
export function sentimentEndpoints(url: string): SentimentEndpoints {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SstreamError('USAGE', `"${redactUrl(url)}" is not a URL.`, {nextSteps: ['Pass the service as --sentiment-url http://HOST:PORT/sentiment.']})
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SstreamError('USAGE', `The sentiment service URL must be http or https, not ${parsed.protocol}`, {nextSteps: ['Pass --sentiment-url http://HOST:PORT/sentiment.']})
  }
  let base = parsed.pathname.replace(/\/+$/, '')
  if (base.endsWith('/sentiment')) base = base.slice(0, -'/sentiment'.length)
  if (base.endsWith('/v1')) base = base.slice(0, -'/v1'.length)
  const root = `${parsed.origin}${base}`
  return {legacy: `${root}/sentiment`, v1: `${root}/v1/sentiment`, health: `${root}/healthz`}
}

interface HttpAnswer {
  status: number
  body: string
}

/** A failure without an HTTP answer, or an answer that means "try again later". */
class Unavailable extends Error {}

export function createSentimentClient(options: SentimentClientOptions): SentimentClient {
  const endpoints = sentimentEndpoints(options.url)
  const concurrency = Math.max(1, options.concurrency ?? 64)
  const batchSize = Math.max(1, options.batchSize ?? 64)
  const timeoutMs = options.timeoutMs ?? 10_000
  const https = endpoints.v1.startsWith('https:')
  const agent = https ? new HttpsAgent({keepAlive: true, maxSockets: concurrency}) : new HttpAgent({keepAlive: true, maxSockets: concurrency})
  const slots = new Semaphore(concurrency)
  const gate = new OutageGate(endpoints.v1, options)
  let protocol: 'v1' | 'legacy' = 'v1'

  const post = (url: string, body: string, contentType: string): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const send = https ? httpsRequest : httpRequest
      const req = send(url, {method: 'POST', agent, signal: options.signal, headers: {'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body)}}, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.once('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}))
        res.once('error', (e) => reject(new Unavailable(errorMessage(e))))
      })
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      req.once('error', (e) => reject(new Unavailable(errorMessage(e))))
      req.end(body)
    })

  /** One HTTP request, retried through outages. */
  const call = async (url: string, body: string, contentType: string): Promise<HttpAnswer> => {
    const me = Symbol('request')
    try {
      for (;;) {
        await gate.enter(me, options.signal)
        await slots.acquire(options.signal)
        let failure: Unavailable
        try {
          const answer = await post(url, body, contentType)
          if (answer.status === 429 || answer.status === 502 || answer.status === 503 || answer.status === 504) {
            throw new Unavailable(`HTTP ${answer.status}`)
          }
          gate.succeeded()
          return answer
        } catch (error) {
          if (!(error instanceof Unavailable)) throw error
          failure = error
        } finally {
          slots.release()
        }
        if (options.signal?.aborted) throw interrupted()
        if (options.waitWhileDown === false) throw unreachable(options.url, url, failure.message)
        await gate.failed(me, failure.message, options.signal)
      }
    } finally {
      gate.abandon(me)
    }
  }

  const classifyLegacy = async (text: string): Promise<SentimentOutcome> => {
    const answer = await call(endpoints.legacy, text, 'text/plain; charset=utf-8')
    if (CONTENT_REFUSALS.has(answer.status)) return rejection(endpoints.legacy, answer)
    const label = answer.body.trim()
    if (answer.status !== 200 || !isSentimentLabel(label)) throw refused(endpoints.legacy, answer)
    return {label, score: null}
  }

  const classifyBatch = async (texts: string[]): Promise<SentimentOutcome[]> => {
    if (protocol === 'v1') {
      const answer = await call(endpoints.v1, JSON.stringify({texts}), 'application/json')
      if (answer.status === 200) return parseResults(answer, texts.length, endpoints.v1)
      if (CONTENT_REFUSALS.has(answer.status)) {
        if (texts.length === 1) return [rejection(endpoints.v1, answer)]
        // One of the texts (or their sum) is refused: halves, down to the texts the service refuses.
        const middle = Math.ceil(texts.length / 2)
        const [first, second] = await Promise.all([classifyBatch(texts.slice(0, middle)), classifyBatch(texts.slice(middle))])
        return [...first, ...second]
      }
      if (answer.status !== 404) throw refused(endpoints.v1, answer)
      protocol = 'legacy'
    }
    return Promise.all(texts.map((text) => classifyLegacy(text)))
  }

  return {
    get protocol() {
      return protocol
    },
    async classify(texts) {
      const batches: string[][] = []
      for (let i = 0; i < texts.length; i += batchSize) batches.push(texts.slice(i, i + batchSize))
      return (await Promise.all(batches.map((batch) => classifyBatch(batch)))).flat()
    },
    close() {
      agent.destroy()
    },
  }
}

/** Checks that the service answers, within the timeout; a clear SENTIMENT_UNREACHABLE error otherwise. */
export async function probeSentimentService(url: string, {timeoutMs = 5000} = {}): Promise<{model?: string; kind?: string; version?: string}> {
  const {health} = sentimentEndpoints(url)
  try {
    const res = await fetch(health, {signal: AbortSignal.timeout(timeoutMs)})
    const body = (await res.json().catch(() => ({}))) as {model?: unknown; kind?: unknown; version?: unknown}
    return {
      ...(typeof body.model === 'string' ? {model: body.model} : {}),
      ...(typeof body.kind === 'string' ? {kind: body.kind} : {}),
      ...(typeof body.version === 'string' ? {version: body.version} : {}),
    }
  } catch (error) {
    const reason = errorMessage((error as {cause?: unknown}).cause ?? error)
    throw new SstreamError('SENTIMENT_UNREACHABLE', `Can't reach the sentiment service at ${url} (${reason}).`, {
      nextSteps: ['Start it with `sstream serve sentiment`.', 'Or run the model in-process with `--local`.'],
      cause: error,
    })
  }
}

function parseResults(answer: HttpAnswer, expected: number, url: string): SentimentResult[] {
  let results: unknown
  try {
    results = (JSON.parse(answer.body) as {results?: unknown}).results
  } catch {
    results = undefined
  }
  const valid =
    Array.isArray(results) &&
    results.length === expected &&
    results.every((r: {label?: unknown; score?: unknown}) => typeof r?.label === 'string' && isSentimentLabel(r.label))
  if (!valid) throw new SstreamError('SENTIMENT_ERROR', `The sentiment service at ${url} answered something that is not ${expected} labels.`)
  return (results as Array<{label: SentimentLabel; score?: unknown; probabilities?: unknown}>).map((r) => {
    const probabilities = probabilitiesOf(r.probabilities)
    return {label: r.label, score: typeof r.score === 'number' ? r.score : null, ...(probabilities ? {probabilities} : {})}
  })
}

function probabilitiesOf(value: unknown): ClassProbabilities | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const record = value as Record<string, unknown>
  return LABELS.every((l) => typeof record[l] === 'number') ? (record as ClassProbabilities) : undefined
}

/** The service's words in an error answer (its JSON error message, or the start of its text). */
function answerMessage(answer: HttpAnswer): string {
  let message = answer.body.slice(0, 200)
  try {
    message = (JSON.parse(answer.body) as {error?: {message?: string}}).error?.message ?? message
  } catch {
    // not JSON: keep the text
  }
  return message
}

function rejection(url: string, answer: HttpAnswer): SentimentRejection {
  return {rejected: `The sentiment service at ${url} refuses the text (HTTP ${answer.status}): ${answerMessage(answer)}`, status: answer.status}
}

function refused(url: string, answer: HttpAnswer): SstreamError {
  const message = answerMessage(answer)
  return new SstreamError('SENTIMENT_ERROR', `The sentiment service at ${url} answered ${answer.status}: ${message}`, {
    nextSteps: answer.status === 413 ? ['Lower the batch size, or raise the service\'s --max-body.'] : ['Check the service\'s log.'],
  })
}

/** `given`: the URL the user named (--sentiment-url); `requested`: the endpoint the failed request went to. */
function unreachable(given: string, requested: string, reason: string): SstreamError {
  const via = requested === given ? '' : `; POST ${requested}`
  return new SstreamError('SENTIMENT_UNREACHABLE', `Can't reach the sentiment service at ${given} (${reason}${via}).`, {
    nextSteps: ['Start it with `sstream serve sentiment`.', 'Or run the model in-process with `--local`.'],
  })
}

function interrupted(): SstreamError {
  return new SstreamError('INTERRUPTED', 'Stopped while waiting for the sentiment service.')
}

/** At most n holders; waiters are served in order. */
class Semaphore {
  private free: number
  private readonly queue: Array<() => void> = []

  constructor(n: number) {
    this.free = n
  }

  acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.free > 0) {
      this.free -= 1
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        const i = this.queue.indexOf(grant)
        if (i >= 0) this.queue.splice(i, 1)
        reject(interrupted())
      }
      if (signal?.aborted) return reject(interrupted())
      signal?.addEventListener('abort', onAbort, {once: true})
      this.queue.push(grant)
    })
  }

  release(): void {
    const next = this.queue.shift()
    if (next) next()
    else this.free += 1
  }
}

/**
 * The service's up/down state shared by all requests. While it is down one request (the prober) retries
 * with backoff and reports each failure; the others wait until it succeeds.
 */
class OutageGate {
  private down = false
  private since = 0
  private attempts = 0
  private prober: symbol | undefined
  private waiters: Array<() => void> = []
  private readonly initialMs: number
  private readonly maxMs: number

  constructor(
    private readonly url: string,
    private readonly options: SentimentClientOptions,
  ) {
    this.initialMs = options.backoff?.initialMs ?? 100
    this.maxMs = options.backoff?.maxMs ?? 5000
  }

  /** Resolves when `me` may send: the service is up, or `me` is the one probing it. */
  async enter(me: symbol, signal: AbortSignal | undefined): Promise<void> {
    while (this.down && this.prober !== me) {
      if (this.prober === undefined) {
        this.prober = me
        return
      }
      await this.wait(signal)
    }
  }

  /** Any answer means the service is up again. */
  succeeded(): void {
    if (!this.down) return
    const event = {url: this.url, downForMs: Date.now() - this.since, attempts: this.attempts}
    this.down = false
    this.prober = undefined
    this.wake()
    this.options.onRecovered?.(event)
  }

  /** `me` stops without an answer (interrupted): another request may probe. */
  abandon(me: symbol): void {
    if (this.prober !== me) return
    this.prober = undefined
    this.wake()
  }

  /** Records a failed attempt of `me`; the prober then sleeps the backoff, the others return to wait in enter(). */
  async failed(me: symbol, error: string, signal: AbortSignal | undefined): Promise<void> {
    if (!this.down) {
      this.down = true
      this.since = Date.now()
      this.attempts = 0
      this.prober = me
    }
    if (this.prober !== me) return
    this.attempts += 1
    const retryInMs = backoffDelay(this.attempts - 1, {initialMs: this.initialMs, maxMs: this.maxMs, jitter: 0.2})
    this.options.onOutage?.({url: this.url, error, attempt: this.attempts, retryInMs, downForMs: Date.now() - this.since})
    if (signal?.aborted) throw interrupted()
    await sleep(retryInMs, signal)
    if (signal?.aborted) throw interrupted()
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(interrupted())
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== done)
        reject(interrupted())
      }
      signal?.addEventListener('abort', onAbort, {once: true})
      this.waiters.push(done)
    })
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}
