import {Agent} from 'node:http'
import {connect} from 'node:net'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {loadEvaluationSet} from '../../../src/core/sentiment/dataset.js'
import {createSentimentModel, LABELS, startSentimentServer, type AccessLogEntry, type SentimentServer} from '../../../src/core/sentiment/index.js'
import {httpCall, rawExchange} from './http-helpers.js'

const model = createSentimentModel()
const MAX_BODY = 4096

describe('the sentiment service over real HTTP', () => {
  let server: SentimentServer
  const log: AccessLogEntry[] = []
  let reviews: string[]

  beforeAll(async () => {
    server = await startSentimentServer({host: '127.0.0.1', port: 0, maxBodyBytes: MAX_BODY, maxBatch: 50, onRequest: (e) => log.push(e)})
    reviews = (await loadEvaluationSet('test')).map((r) => r.text)
  })
  afterAll(async () => {
    await server?.close()
  })

  describe('the original contract: POST /sentiment', () => {
    it('answers 200 and the bare label, byte for byte, for a text/plain body', async () => {
      const text = 'I loved the movie. Each and every thing in the movie done fantastically.'
      const expected = model.classify(text).label
      const res = await rawExchange(
        server.port,
        `POST /sentiment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`,
      )
      expect(res.statusLine).toBe('HTTP/1.1 200 OK')
      expect(res.body.equals(Buffer.from(expected, 'latin1'))).toBe(true)
      expect(res.headers['content-length']).toBe(String(expected.length))
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
    })

    it('gives every review the label the model gives it directly, all five labels included', async () => {
      const seen = new Set<string>()
      for (const text of reviews.slice(0, 300).filter((_, i) => i % 3 === 0)) {
        const res = await httpCall(`${server.origin}/sentiment`, {body: text, contentType: 'text/plain'})
        expect(res.status).toBe(200)
        expect(res.body).toBe(model.classify(text).label)
        seen.add(res.body)
      }
      expect([...seen].sort()).toEqual([...LABELS].sort())
    })

    it('labels an empty body Neutral', async () => {
      const res = await rawExchange(server.port, 'POST /sentiment HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      expect(res.statusLine).toBe('HTTP/1.1 200 OK')
      expect(res.body.toString()).toBe('Neutral')
    })

    it('reads a chunked body, a body without Content-Type, UTF-8 and Latin-1', async () => {
      const chunked = await rawExchange(
        server.port,
        'POST /sentiment HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\nAwful.\r\n7\r\n Awful.\r\n0\r\n\r\n',
      )
      expect(chunked.body.toString()).toBe(model.classify('Awful. Awful.').label)
      const utf8 = await httpCall(`${server.origin}/sentiment`, {body: 'Un film très réussi, a wonderful film.'})
      expect(utf8.body).toBe(model.classify('Un film très réussi, a wonderful film.').label)
      const latin1 = Buffer.from('Café scenes are terrible. Awful film.', 'latin1')
      const res = await httpCall(`${server.origin}/sentiment`, {body: latin1, contentType: 'text/plain; charset=ISO-8859-1'})
      expect(res.body).toBe(model.classify('Café scenes are terrible. Awful film.').label)
    })

    it('keeps connections alive between requests', async () => {
      const agent = new Agent({keepAlive: true, maxSockets: 1})
      try {
        const first = await httpCall(`${server.origin}/sentiment`, {body: 'Great.', agent})
        const second = await httpCall(`${server.origin}/sentiment`, {body: 'Terrible.', agent})
        expect(first.headers.connection).toBe('keep-alive')
        expect([first.reusedSocket, second.reusedSocket]).toEqual([false, true])
        expect(second.body).toBe(model.classify('Terrible.').label)
      } finally {
        agent.destroy()
      }
    })

    it('answers 1 000 concurrent requests correctly', async () => {
      const agent = new Agent({keepAlive: true, maxSockets: 1000})
      try {
        const texts = Array.from({length: 1000}, (_, i) => `${reviews[i % reviews.length]} (${i})`)
        const answers = await Promise.all(texts.map((body) => httpCall(`${server.origin}/sentiment`, {body, contentType: 'text/plain', agent})))
        expect(answers.filter((a) => a.status !== 200)).toEqual([])
        const wrong = answers.map((a, i) => (a.body === model.classify(texts[i]).label ? -1 : i)).filter((i) => i >= 0)
        expect(wrong).toEqual([])
      } finally {
        agent.destroy()
      }
    })
  })

  describe('the JSON API: POST /v1/sentiment', () => {
    it('classifies one text with its score and the five class probabilities', async () => {
      const res = await httpCall(`${server.origin}/v1/sentiment`, {body: JSON.stringify({text: 'A wonderful, moving film.'}), contentType: 'application/json'})
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/json')
      expect(JSON.parse(res.body)).toEqual({model: model.name, version: model.version, ...model.classify('A wonderful, moving film.')})
      expect(Object.keys(JSON.parse(res.body).probabilities)).toEqual([...LABELS])
    })

    it('classifies a batch in order', async () => {
      const texts = [...reviews.slice(0, 40), '']
      const res = await httpCall(`${server.origin}/v1/sentiment`, {body: JSON.stringify({texts}), contentType: 'application/json'})
      expect(res.status).toBe(200)
      const {results} = JSON.parse(res.body) as {results: Array<{label: string; score: number}>}
      expect(results).toEqual(texts.map((t) => model.classify(t)))
      expect(results.at(-1)).toMatchObject({label: 'Neutral', score: 0})
    })

    it('refuses bad JSON, wrong shapes and too large batches', async () => {
      const post = (body: string): Promise<{status: number; code: string}> =>
        httpCall(`${server.origin}/v1/sentiment`, {body, contentType: 'application/json'}).then((r) => ({status: r.status, code: (JSON.parse(r.body) as {error: {code: string}}).error.code}))
      expect(await post('{"text": ')).toEqual({status: 400, code: 'BAD_JSON'})
      expect(await post('{"texts": [1, 2]}')).toEqual({status: 400, code: 'BAD_REQUEST'})
      expect(await post('["a"]')).toEqual({status: 400, code: 'BAD_REQUEST'})
      expect(await post(JSON.stringify({texts: Array.from({length: 51}, () => 'x')}))).toEqual({status: 413, code: 'BATCH_TOO_LARGE'})
    })
  })

  describe('errors and health', () => {
    it('answers 404 for unknown paths and 405 with Allow for wrong methods', async () => {
      expect((await httpCall(`${server.origin}/nope`, {method: 'GET'})).status).toBe(404)
      expect((await httpCall(`${server.origin}/sentiment/extra`, {body: 'x'})).status).toBe(404)
      const get = await httpCall(`${server.origin}/sentiment`, {method: 'GET'})
      expect([get.status, get.headers.allow]).toEqual([405, 'POST'])
      const del = await httpCall(`${server.origin}/v1/sentiment`, {method: 'DELETE'})
      expect([del.status, del.headers.allow]).toEqual([405, 'POST'])
      const postHealth = await httpCall(`${server.origin}/healthz`, {body: ''})
      expect([postHealth.status, postHealth.headers.allow]).toEqual([405, 'GET, HEAD'])
    })

    it('answers 413 and closes the connection for a body over the limit, declared or chunked', async () => {
      const declared = await rawExchange(server.port, `POST /sentiment HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n${'a'.repeat(MAX_BODY + 1)}`)
      expect(declared.statusLine).toBe('HTTP/1.1 413 Payload Too Large')
      expect(declared.headers.connection).toBe('close')
      const chunk = 'a'.repeat(1000)
      const chunks = Array.from({length: 6}, () => `${(1000).toString(16)}\r\n${chunk}\r\n`).join('')
      const chunked = await rawExchange(server.port, `POST /v1/sentiment HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`)
      expect(chunked.statusLine).toBe('HTTP/1.1 413 Payload Too Large')
      const atLimit = await httpCall(`${server.origin}/sentiment`, {body: 'a'.repeat(MAX_BODY)})
      expect(atLimit.status).toBe(200)
    })

    it('reports health on GET and HEAD', async () => {
      const res = await httpCall(`${server.origin}/healthz`, {method: 'GET'})
      expect(res.status).toBe(200)
      expect(JSON.parse(res.body)).toMatchObject({status: 'ok', model: model.name, kind: 'trained', version: model.version})
      const head = await httpCall(`${server.origin}/healthz`, {method: 'HEAD'})
      expect([head.status, head.body]).toEqual([200, ''])
    })

    it('logs every request with method, path, status and size', async () => {
      log.length = 0
      await httpCall(`${server.origin}/sentiment`, {body: 'Great.'})
      await httpCall(`${server.origin}/missing`, {method: 'GET'})
      await expect.poll(() => log.length).toBe(2)
      expect(log[0]).toMatchObject({method: 'POST', path: '/sentiment', status: 200, bytes: model.classify('Great.').label.length, texts: 1, remote: '127.0.0.1'})
      expect(log[1]).toMatchObject({method: 'GET', path: '/missing', status: 404, texts: 0})
    })
  })
})

describe('starting and stopping the service', () => {
  it('refuses a port in use with PORT_IN_USE', async () => {
    const first = await startSentimentServer({port: 0})
    try {
      await expect(startSentimentServer({port: first.port})).rejects.toMatchObject({code: 'PORT_IN_USE'})
    } finally {
      await first.close()
    }
  })

  it('stops on the AbortSignal after answering the request in flight, then refuses connections', async () => {
    const controller = new AbortController()
    const server = await startSentimentServer({port: 0, signal: controller.signal})
    const text = 'A wonderful film.'
    const answer = new Promise<string>((resolve, reject) => {
      const socket = connect({host: '127.0.0.1', port: server.port})
      const chunks: Buffer[] = []
      socket.on('data', (c) => chunks.push(c))
      socket.once('error', reject)
      socket.once('close', () => resolve(Buffer.concat(chunks).toString()))
      // Headers and half of the body now; the rest after the stop has begun.
      socket.write(`POST /sentiment HTTP/1.1\r\nHost: x\r\nContent-Length: ${text.length}\r\n\r\n${text.slice(0, 5)}`, () => {
        controller.abort()
        setImmediate(() => socket.write(text.slice(5)))
      })
    })
    const response = await answer
    expect(response.startsWith('HTTP/1.1 200 OK')).toBe(true)
    expect(response.endsWith(`\r\n\r\n${model.classify(text).label}`)).toBe(true)
    await server.closed
    await expect(httpCall(`${server.origin}/healthz`, {method: 'GET'})).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })
})
