import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {loadEvaluationSet} from '../../../src/core/sentiment/dataset.js'
import {
  createSentimentClient,
  createSentimentModel,
  isSentimentRejection,
  probeSentimentService,
  startSentimentServer,
  type SentimentClient,
  type SentimentOutageEvent,
  type SentimentRecoveredEvent,
  type SentimentServer,
} from '../../../src/core/sentiment/index.js'
import {freePort} from '../../helpers/processes.js'

const model = createSentimentModel()
const reviews = (await loadEvaluationSet('test')).map((r) => r.text)

const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

function track<T extends SentimentClient | SentimentServer>(thing: T): T {
  closers.push(() => thing.close())
  return thing
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

/** A stand-in service that answers like sstream's after a delay, and records how many requests were in flight at once. */
async function slowService(delayMs: number, {legacyOnly = false} = {}): Promise<{url: string; maxInFlight: () => number; requests: () => number}> {
  let inFlight = 0
  let max = 0
  let count = 0
  const server: Server = createServer(async (req, res) => {
    inFlight += 1
    count += 1
    max = Math.max(max, inFlight)
    const body = await readBody(req)
    await new Promise((r) => setTimeout(r, delayMs))
    inFlight -= 1
    if (req.url === '/v1/sentiment' && !legacyOnly) {
      const {texts} = JSON.parse(body) as {texts: string[]}
      res.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify({results: texts.map((t) => model.classify(t))}))
    } else if (req.url?.startsWith('/sentiment')) {
      res.writeHead(200, {'Content-Type': 'text/html'}).end(model.classify(body).label)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((r) => server.close(r)))
  const {port} = server.address() as {port: number}
  return {url: `http://127.0.0.1:${port}/sentiment`, maxInFlight: () => max, requests: () => count}
}

describe('the sentiment client', () => {
  it('classifies through /v1/sentiment in batches, in input order, with the labels of the model', async () => {
    const server = track(await startSentimentServer({port: 0}))
    const client = track(createSentimentClient({url: server.url, concurrency: 4, batchSize: 25}))
    const texts = reviews.slice(0, 300)
    const results = await client.classify(texts)
    expect(results).toEqual(texts.map((t) => model.classify(t)))
    expect(client.protocol).toBe('v1')
    expect(server.stats()).toMatchObject({requests: 12, texts: 300})
  })

  it('keeps at most `concurrency` requests in flight', async () => {
    const service = await slowService(20)
    const client = track(createSentimentClient({url: service.url, concurrency: 3, batchSize: 5}))
    const texts = reviews.slice(0, 100)
    const [a, b] = await Promise.all([client.classify(texts.slice(0, 50)), client.classify(texts.slice(50))])
    expect([...a, ...b].map((r) => ('label' in r ? r.label : r.rejected))).toEqual(texts.map((t) => model.classify(t).label))
    expect(service.requests()).toBe(20)
    expect(service.maxInFlight()).toBe(3)
  })

  it('falls back to the original contract, one text per request, when /v1/sentiment does not exist', async () => {
    const service = await slowService(1, {legacyOnly: true})
    const client = track(createSentimentClient({url: service.url, concurrency: 8}))
    const texts = reviews.slice(0, 30)
    const results = await client.classify(texts)
    expect(client.protocol).toBe('legacy')
    expect(results).toEqual(texts.map((t) => ({label: model.classify(t).label, score: null})))
  })

  it('waits for a service that starts late, reporting the outage, and answers every text with a real label', async () => {
    const port = await freePort()
    const outages: SentimentOutageEvent[] = []
    const recoveries: SentimentRecoveredEvent[] = []
    const client = track(
      createSentimentClient({
        url: `http://127.0.0.1:${port}/sentiment`,
        concurrency: 8,
        batchSize: 10,
        backoff: {initialMs: 50, maxMs: 400},
        onOutage: (e) => outages.push(e),
        onRecovered: (e) => recoveries.push(e),
      }),
    )
    const texts = reviews.slice(0, 200)
    const pending = client.classify(texts)
    // The service is down: the client must be probing it with backoff, and reporting each failed probe.
    await expect.poll(() => outages.length, {timeout: 10_000}).toBeGreaterThanOrEqual(3)
    expect(outages[0]).toMatchObject({attempt: 1, url: `http://127.0.0.1:${port}/v1/sentiment`})
    expect(outages[0].error).toMatch(/ECONNREFUSED/)
    expect(outages.map((o) => o.attempt)).toEqual(outages.map((_, i) => i + 1))
    const server = track(await startSentimentServer({port}))
    const results = await pending
    expect(results).toEqual(texts.map((t) => model.classify(t)))
    expect(results.some((r) => !('label' in r) || (r.label as string) === 'Error')).toBe(false)
    expect(recoveries).toHaveLength(1)
    expect(recoveries[0].attempts).toBe(outages.length)
    expect(server.stats().texts).toBe(200)
  })

  it('pauses through a restart of the service mid-run and completes with no gap', async () => {
    const port = await freePort()
    let server = await startSentimentServer({port})
    const outages: SentimentOutageEvent[] = []
    const client = track(createSentimentClient({url: server.url, concurrency: 4, batchSize: 5, backoff: {initialMs: 20, maxMs: 200}, onOutage: (e) => outages.push(e)}))
    expect(await client.classify(reviews.slice(0, 10))).toEqual(reviews.slice(0, 10).map((t) => model.classify(t)))
    await server.close()
    const pending = client.classify(reviews.slice(10, 110))
    await expect.poll(() => outages.length, {timeout: 10_000}).toBeGreaterThanOrEqual(2)
    server = track(await startSentimentServer({port}))
    expect(await pending).toEqual(reviews.slice(10, 110).map((t) => model.classify(t)))
  })

  it('stops waiting with INTERRUPTED when aborted while the service is down', async () => {
    const port = await freePort()
    const controller = new AbortController()
    const outages: SentimentOutageEvent[] = []
    const client = track(createSentimentClient({url: `http://127.0.0.1:${port}`, signal: controller.signal, backoff: {initialMs: 20, maxMs: 100}, onOutage: (e) => outages.push(e)}))
    const pending = client.classify(reviews.slice(0, 50))
    await expect.poll(() => outages.length).toBeGreaterThanOrEqual(1)
    controller.abort()
    await expect(pending).rejects.toMatchObject({code: 'INTERRUPTED'})
  })

  it('answers a text the service refuses for its content (413) with a rejection, labels the others, without an outage', async () => {
    const server = track(await startSentimentServer({port: 0, maxBodyBytes: 200}))
    const outages: SentimentOutageEvent[] = []
    const client = track(createSentimentClient({url: server.url, batchSize: 50, onOutage: (e) => outages.push(e)}))
    const texts = ['a fine film', 'x'.repeat(400), 'a dull film']
    const outcomes = await client.classify(texts)
    expect(outcomes).toHaveLength(3)
    expect(isSentimentRejection(outcomes[0]!)).toBe(false)
    expect(outcomes[1]).toMatchObject({status: 413, rejected: expect.stringMatching(/refuses the text \(HTTP 413\)/)})
    expect(isSentimentRejection(outcomes[2]!)).toBe(false)
    expect(outages).toEqual([])
  })

  it('reports a refusal that is not about the content as SENTIMENT_ERROR, without retrying', async () => {
    let requests = 0
    const refusing = createServer((request, response) => {
      requests++
      request.resume()
      response.writeHead(401, {'content-type': 'text/plain'}).end('no entry')
    })
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
    try {
      const {port} = refusing.address() as AddressInfo
      const outages: SentimentOutageEvent[] = []
      const client = track(createSentimentClient({url: `http://127.0.0.1:${port}/sentiment`, batchSize: 50, onOutage: (e) => outages.push(e)}))
      await expect(client.classify(reviews.slice(0, 5))).rejects.toMatchObject({code: 'SENTIMENT_ERROR', message: expect.stringMatching(/401/)})
      expect(requests).toBe(1)
      expect(outages).toEqual([])
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()))
    }
  })
})

describe('probeSentimentService', () => {
  it('names the model of a reachable service', async () => {
    const server = track(await startSentimentServer({port: 0}))
    expect(await probeSentimentService(server.url)).toEqual({model: model.name, kind: model.kind, version: model.version})
  })

  it('fails with SENTIMENT_UNREACHABLE and the next step when nothing listens', async () => {
    const port = await freePort()
    const started = Date.now()
    await expect(probeSentimentService(`http://127.0.0.1:${port}/sentiment`, {timeoutMs: 2000})).rejects.toMatchObject({
      code: 'SENTIMENT_UNREACHABLE',
      nextSteps: expect.arrayContaining([expect.stringMatching(/sstream serve sentiment/)]),
    })
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
