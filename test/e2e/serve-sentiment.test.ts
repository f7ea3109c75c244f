import type {ChildProcess} from 'node:child_process'

import {afterEach, describe, expect, it} from 'vitest'

import {createLexiconModel, createSentimentModel} from '../../src/core/sentiment/index.js'
import {lastJson, runCli, spawnCli} from '../helpers/cli.js'
import {httpCall} from '../integration/sentiment/http-helpers.js'
import {freePort} from '../helpers/processes.js'

const model = createSentimentModel()
const children: ChildProcess[] = []

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawnCli(['serve', 'sentiment', ...args], {env})
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return {child, stdout: () => stdout, stderr: () => stderr, exited}
}

describe('sstream serve sentiment', () => {
  it('serves the original contract and the JSON API, logs JSON access lines, and stops on SIGTERM with a summary', async () => {
    const run = start(['--port', '0', '--json'])
    await expect.poll(() => run.stdout(), {timeout: 30_000}).toContain('"event":"listening"')
    const listening = JSON.parse(run.stdout().split('\n')[0]) as {event: string; url: string; model: string}
    expect(listening).toMatchObject({event: 'listening', model: model.name, version: model.version})
    expect(listening.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sentiment$/)

    const text = 'This movie is a waste of time.'
    const legacy = await httpCall(listening.url, {body: text, contentType: 'text/plain'})
    expect([legacy.status, legacy.body]).toEqual([200, model.classify(text).label])
    const v1 = await httpCall(listening.url.replace('/sentiment', '/v1/sentiment'), {body: JSON.stringify({texts: [text, '']}), contentType: 'application/json'})
    expect(JSON.parse(v1.body)).toEqual({model: model.name, version: model.version, results: [model.classify(text), model.classify('')]})
    expect(Object.keys(JSON.parse(v1.body).results[0].probabilities)).toEqual(['Very Negative', 'Negative', 'Neutral', 'Positive', 'Very Positive'])
    expect((await httpCall(listening.url.replace('/sentiment', '/nope'), {method: 'GET'})).status).toBe(404)

    await expect.poll(() => run.stderr().trim().split('\n').filter((l) => l.startsWith('{')).length).toBe(3)
    const logs = run.stderr().trim().split('\n').map((l) => JSON.parse(l) as {event: string; path: string; status: number})
    expect(logs.map((l) => [l.event, l.path, l.status])).toEqual([
      ['request', '/sentiment', 200],
      ['request', '/v1/sentiment', 200],
      ['request', '/nope', 404],
    ])

    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    // NDJSON as every long-running command: each line one typed event, the summary last.
    const lines = run.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.map((l) => l.type)).toEqual(['listening', 'summary'])
    expect(lines.at(-1)).toMatchObject({url: listening.url, model: model.name, requests: 3, texts: 3, errors: 1})
  })

  it('serves the lexicon model with --model lexicon, and healthz names the model and its version', async () => {
    const lexicon = createLexiconModel()
    const run = start(['--port', '0', '--json', '--model', 'lexicon'])
    await expect.poll(() => run.stdout(), {timeout: 30_000}).toContain('"event":"listening"')
    const {url} = JSON.parse(run.stdout().split('\n')[0]) as {url: string}
    const health = JSON.parse((await httpCall(url.replace('/sentiment', '/healthz'), {method: 'GET'})).body) as Record<string, unknown>
    expect(health).toMatchObject({status: 'ok', model: lexicon.name, kind: 'lexicon', version: lexicon.version})
    const text = 'The CGI looks unfinished and the story is borrowed from a dozen better films.'
    expect((await httpCall(url, {body: text, contentType: 'text/plain'})).body).toBe(lexicon.classify(text).label)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  })

  it('serves Prometheus metrics of its requests with --metrics-port', async () => {
    const run = start(['--port', '0', '--json', '--model', 'lexicon', '--metrics-port', '0'])
    await expect.poll(() => run.stdout(), {timeout: 30_000}).toContain('"event":"listening"')
    const events = run.stdout().trim().split('\n').map((l) => JSON.parse(l) as {event: string; url: string})
    // The event README documents for --metrics-port on every command: {"type":"metrics","url":…}.
    const metricsUrl = events.find((e) => (e as {type?: string}).type === 'metrics')!.url
    const url = events.find((e) => e.event === 'listening')!.url
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    await httpCall(url, {body: 'A fine day.', contentType: 'text/plain'})
    await httpCall(url.replace('/sentiment', '/v1/sentiment'), {body: JSON.stringify({texts: ['Good.', 'Bad.']}), contentType: 'application/json'})
    await httpCall(url.replace('/sentiment', '/nope'), {method: 'GET'})
    const text = (await httpCall(metricsUrl, {method: 'GET'})).body
    expect(text).toContain('sstream_sentiment_requests_total{model="lexicon",path="/sentiment",status="200"} 1')
    expect(text).toContain('sstream_sentiment_requests_total{model="lexicon",path="/v1/sentiment",status="200"} 1')
    expect(text).toContain('sstream_sentiment_requests_total{model="lexicon",path="other",status="404"} 1')
    expect(text).toContain('sstream_sentiment_texts_total{model="lexicon"} 3')
    expect(text).toMatch(/sstream_sentiment_request_seconds_count\{model="lexicon",path="\/sentiment"\} 1/)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  })

  it('listens on the address of SSTREAM_SENTIMENT_URL by default and writes plain access lines', async () => {
    const port = await freePort()
    const run = start([], {SSTREAM_SENTIMENT_URL: `http://127.0.0.1:${port}/sentiment`})
    await expect.poll(() => run.stderr(), {timeout: 30_000}).toContain(`on http://127.0.0.1:${port}/sentiment`)
    const answer = await httpCall(`http://127.0.0.1:${port}/sentiment`, {body: ''})
    expect([answer.status, answer.body]).toEqual([200, 'Neutral'])
    await expect.poll(() => run.stderr()).toMatch(/127\.0\.0\.1 - - \[[^\]]+\] "POST \/sentiment" 200 7 [\d.]+ms texts=1/)
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
    expect(run.stderr()).toContain('Stopped after 1 request: 1 texts classified, 0 refused.')
  })

  it('refuses --metrics-port equal to the port it serves on, before listening on either', async () => {
    const port = String(await freePort())
    for (const args of [['--port', port], ['--sentiment-url', `http://127.0.0.1:${port}/sentiment`]]) {
      const run = await runCli(['serve', 'sentiment', ...args, '--metrics-port', port, '--json'])
      expect(run.code, run.stdout).toBe(2)
      expect(lastJson<{error: {code: string; message: string}}>(run.stdout).error).toMatchObject({code: 'USAGE', message: expect.stringContaining(`--metrics-port ${port} is the port the service itself listens on`)})
      expect(run.stdout).not.toContain('"event":"metrics"')
    }
  })

  it('exits 1 with PORT_IN_USE when the port is taken', async () => {
    const run = start(['--port', '0', '--json'])
    await expect.poll(() => run.stdout(), {timeout: 30_000}).toContain('"event":"listening"')
    const {url} = JSON.parse(run.stdout().split('\n')[0]) as {url: string}
    const port = new URL(url).port
    const second = await runCli(['serve', 'sentiment', '--port', port, '--json'])
    expect(second.code).toBe(1)
    expect(lastJson<{error: {code: string; nextSteps: string[]}}>(second.stdout).error).toMatchObject({code: 'PORT_IN_USE'})
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  })
})
