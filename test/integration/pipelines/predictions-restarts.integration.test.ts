import type {ChildProcess} from 'node:child_process'

import {afterAll, describe, expect, it} from 'vitest'

import {startSentimentServer} from '../../../src/core/sentiment/index.js'
import {spawnCli} from '../../helpers/cli.js'
import {TestServices} from '../../helpers/services.js'
import {readCommitted, waitFor} from '../stream/fixtures.js'
import {checkLabels, makeReviews, produceReviewsPaced} from './predictions-data.js'

const services = new TestServices()
const children: ChildProcess[] = []

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await services.cleanup()
})

describe('sstream run predictions across crashes', () => {
  it('labels every review exactly once after 3 SIGKILLs and restarts while reviews keep arriving', async () => {
    const [input, output, deadLetters] = await services.topics(['reviews', 'labels', 'dlq'])
    const groupId = services.groupId('predictions')
    const reviews = await makeReviews(30_000)
    // Reviews arrive for about 50 s, through the crashes and restarts.
    const producing = produceReviewsPaced(input, reviews, 600)
    const server = await startSentimentServer({port: 0})
    services.defer(() => server.close())
    const args = (...more: string[]): string[] => [
      'run', 'predictions', '--json',
      '--input-topic', input, '--output-topic', output, '--deadletter-topic', deadLetters, '--group-id', groupId,
      '--sentiment-url', server.url,
      ...more,
    ]
    const start = (...more: string[]): {child: ChildProcess; results: () => number; exited: Promise<number | null>} => {
      const child = spawnCli(args(...more))
      children.push(child)
      let results = 0
      child.stdout?.on('data', (d: Buffer) => (results += d.toString().split('"type":"result"').length - 1))
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
      return {child, results: () => results, exited}
    }

    let killedAfter = 0
    for (let kill = 1; kill <= 3; kill++) {
      const run = start()
      // Kill once this run has committed labels, at a varying moment of its next batches.
      await waitFor(run.results, (n) => n > 0, {timeoutMs: 90_000, what: `labels from run ${kill}`})
      await new Promise((resolve) => setTimeout(resolve, 300 * kill))
      run.child.kill('SIGKILL')
      await run.exited
      killedAfter += run.results()
    }
    const before = (await readCommitted(output)).length
    expect(before).toBeGreaterThan(0)
    expect(before).toBeLessThan(reviews.length)
    expect(killedAfter).toBeLessThan(reviews.length)

    await producing
    const last = start('--until-idle', '--idle-timeout', '2s')
    expect(await last.exited).toBe(0)
    expect(await checkLabels(reviews, input, output)).toEqual({problems: [], labelled: reviews.length})
  })
})
