/**
 * The sentiment client tells a text the service refuses (a 4xx for that text: a rejection of that record)
 * from a service that fails whatever the texts (unreachable, 5xx: an outage), against real HTTP servers.
 */
import {createServer, type Server} from 'node:http'

import {afterEach, describe, expect, it} from 'vitest'

import {SstreamError} from '../../../src/core/errors.js'
import {createSentimentClient, createSentimentModel, isSentimentRejection, startSentimentServer, type SentimentClient, type SentimentServer} from '../../../src/core/sentiment/index.js'
import {freePort} from '../../helpers/processes.js'

const model = createSentimentModel()
const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

function track<T extends SentimentClient | SentimentServer>(thing: T): T {
  closers.push(() => thing.close())
  return thing
}

describe('the sentiment client, content rejections', () => {
  it('splits a batch the service refuses (413) down to the texts it refuses, and labels all the others', async () => {
    const server = track(await startSentimentServer({port: 0, maxBodyBytes: 4000}))
    const client = track(createSentimentClient({url: server.url, concurrency: 4, batchSize: 32, waitWhileDown: false}))
    const texts = Array.from({length: 100}, (_, i) => (i % 37 === 5 ? 'A long, long review. '.repeat(300) : `Review ${i}: ${i % 2 === 0 ? 'a wonderful, moving film' : 'dull and far too long'}.`))
    const results = await client.classify(texts)
    expect(results).toHaveLength(100)
    results.forEach((result, i) => {
      if (i % 37 === 5) {
        expect(isSentimentRejection(result), `text ${i}`).toBe(true)
        expect(result).toMatchObject({status: 413, rejected: expect.stringMatching(/refuses the text \(HTTP 413\)/)})
      } else {
        expect(result, `text ${i}`).toEqual(model.classify(texts[i]))
      }
    })
  })

  it('takes a 4xx for a single text on the original contract as that text’s rejection', async () => {
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        if (req.url === '/v1/sentiment') res.writeHead(404).end()
        else if (body.includes('refuse me')) res.writeHead(422, {'Content-Type': 'text/plain'}).end('cannot read this text')
        else res.writeHead(200).end(model.classify(body).label)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => server.close(resolve)))
    const {port} = server.address() as {port: number}
    const client = track(createSentimentClient({url: `http://127.0.0.1:${port}/sentiment`, waitWhileDown: false}))
    const results = await client.classify(['a fine film', 'refuse me', 'a bad film'])
    expect(results[1]).toEqual({status: 422, rejected: expect.stringContaining('cannot read this text')})
    expect(results[0]).toEqual({label: model.classify('a fine film').label, score: null})
    expect(results[2]).toEqual({label: model.classify('a bad film').label, score: null})
  })
})

describe('the sentiment client, outages side by side', () => {
  it('an unreachable service and a 500 for every request fail whatever the texts (thrown, not rejected)', async () => {
    const port = await freePort()
    const down = track(createSentimentClient({url: `http://127.0.0.1:${port}/sentiment`, waitWhileDown: false}))
    // Named by the URL the user gave, with the endpoint the request went to beside it.
    await expect(down.classify(['a fine film'])).rejects.toMatchObject({
      code: 'SENTIMENT_UNREACHABLE',
      message: expect.stringMatching(new RegExp(`^Can't reach the sentiment service at http://127\\.0\\.0\\.1:${port}/sentiment \\(.*; POST http://127\\.0\\.0\\.1:${port}/v1/sentiment\\)\\.$`)),
    })

    const failing: Server = createServer((_req, res) => res.writeHead(500, {'Content-Type': 'application/json'}).end('{"error":{"message":"model crashed"}}'))
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => failing.close(resolve)))
    const failingPort = (failing.address() as {port: number}).port
    const client = track(createSentimentClient({url: `http://127.0.0.1:${failingPort}/sentiment`, waitWhileDown: false}))
    const error = await client.classify(['a fine film', 'a bad film']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SstreamError)
    expect((error as SstreamError).code).toBe('SENTIMENT_ERROR')
  })
})
