/**
 * kafkajs's request queue with sstream's check of waiting requests (src/core/kafka/kafkajs/request-queue.ts):
 * no timer while nothing waits (kafkajs 2.2.4's own queue re-arms a 1 ms timer forever after an answer), and
 * requests held back by the in-flight limit or a broker's throttle are still sent. kafkajs's class itself, with
 * fake timers and requests that record when they are sent.
 */
import {createRequire} from 'node:module'

import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {installKafkajsPatches} from '../../../src/core/kafka/kafkajs/index.js'
import {requestQueueCheckInstalled} from '../../../src/core/kafka/kafkajs/request-queue.js'
import {kafkajsOriginal} from '../../helpers/kafkajs-original.js'

installKafkajsPatches()

const require = createRequire(import.meta.url)

interface Queue {
  push(request: {entry: RequestEntry; expectResponse: boolean; sendRequest(): void}): void
  fulfillRequest(response: {correlationId: number; payload: Buffer; size: number}): void
  maybeThrottle(ms: number): void
  checkPendingRequests(): void
  destroy(): void
  pending: unknown[]
}
interface RequestEntry {
  correlationId: number
  apiKey: number
  apiName: string
  apiVersion: number
  resolve(answer: unknown): void
  reject(error: unknown): void
}
type QueueClass = new (options: Record<string, unknown>) => Queue

const logger = {debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined}
const patched = require('kafkajs/src/network/requestQueue/index.js') as QueueClass
const original = kafkajsOriginal<QueueClass>('kafkajs/src/network/requestQueue/index.js')

function queueOf(Class: QueueClass, maxInFlightRequests: number | null = null): {queue: Queue; sent: number[]; checks: () => number; request(id: number): void} {
  const queue = new Class({maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'localhost:1', logger})
  const sent: number[] = []
  let checks = 0
  const check = queue.checkPendingRequests.bind(queue)
  queue.checkPendingRequests = () => {
    checks += 1
    check()
  }
  const request = (id: number): void =>
    queue.push({
      entry: {correlationId: id, apiKey: 18, apiName: 'ApiVersions', apiVersion: 2, resolve: () => undefined, reject: () => undefined},
      expectResponse: true,
      sendRequest: () => sent.push(id),
    })
  return {queue, sent, checks: () => checks, request}
}

describe('the request queue check (request-queue.ts)', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('is in force for the connections kafkajs makes', () => {
    expect(requestQueueCheckInstalled()).toBe(true)
  })

  it('arms no timer after an answer when nothing waits, where kafkajs 2.2.4 checks every millisecond for ever', () => {
    for (const [Class, expected] of [[original, 'looping'], [patched, 'quiet']] as const) {
      const {queue, checks, request} = queueOf(Class)
      request(1)
      queue.fulfillRequest({correlationId: 1, payload: Buffer.alloc(0), size: 0})
      const afterAnswer = checks()
      vi.advanceTimersByTime(1000)
      const timerChecks = checks() - afterAnswer
      queue.destroy()
      vi.clearAllTimers()
      if (expected === 'looping') expect(timerChecks).toBeGreaterThan(100)
      else expect(timerChecks).toBe(0)
    }
  })

  it('sends requests held back by the in-flight limit as answers come', () => {
    const {queue, sent, request} = queueOf(patched, 1)
    request(1)
    request(2)
    request(3)
    expect(sent).toEqual([1])
    queue.fulfillRequest({correlationId: 1, payload: Buffer.alloc(0), size: 0})
    expect(sent).toEqual([1, 2])
    queue.fulfillRequest({correlationId: 2, payload: Buffer.alloc(0), size: 0})
    expect(sent).toEqual([1, 2, 3])
    queue.destroy()
  })

  it('sends requests held back by a throttle when it ends, with no answer to wake it', () => {
    const {queue, sent, request} = queueOf(patched)
    queue.maybeThrottle(50)
    request(1)
    request(2)
    expect(sent).toEqual([])
    vi.advanceTimersByTime(49)
    expect(sent).toEqual([])
    vi.advanceTimersByTime(11)
    expect(sent).toEqual([1, 2])
    expect(queue.pending).toHaveLength(0)
    queue.destroy()
  })

  it('sends a request queued behind a throttle that has just ended (a marginal delay) after the 10 ms interval', () => {
    const {queue, sent, request} = queueOf(patched)
    queue.maybeThrottle(1)
    request(1)
    expect(sent).toEqual([])
    // The throttle is over before the check is armed: kafkajs's interval, not a check that never comes.
    vi.advanceTimersByTime(10)
    expect(sent).toEqual([1])
    queue.destroy()
  })
})
