/**
 * chunkMessages: a transaction's messages in requests of bounded messages and bytes. It counts a chunk's bytes
 * from upper bounds while they fit; the chunks must be exactly those of counting every message's bytes. And
 * sendRequests under a topic's max.message.bytes: every request's record batch within it.
 */
import fc from 'fast-check'
import type {Message} from 'kafkajs'
import {describe, expect, it} from 'vitest'

import {chunkMessages, requestBounds, sendRequests, type ProducedMessage} from '../../../src/core/kafka/producer.js'
import {BATCH_HEADER_BYTES, sizeOfVarint} from '../../../src/core/kafka/protocol/record-batch.js'

/** The reference: every message's exact bytes (key, value, header names and values). */
function exactChunks(messages: Message[], maxMessages: number, maxBytes: number): Message[][] {
  const size = (m: Message): number => {
    const bytes = (v: unknown): number => (typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 0)
    return bytes(m.key) + bytes(m.value) + Object.entries(m.headers ?? {}).reduce((n, [name, value]) => n + Buffer.byteLength(name) + bytes(value), 0)
  }
  const chunks: Message[][] = []
  let chunk: Message[] = []
  let total = 0
  for (const m of messages) {
    if (chunk.length > 0 && (chunk.length >= maxMessages || total + size(m) > maxBytes)) {
      chunks.push(chunk)
      chunk = []
      total = 0
    }
    chunk.push(m)
    total += size(m)
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

describe('chunkMessages', () => {
  it('makes the chunks of exact byte counts, for text of 1 to 4 bytes a character, Buffers and headers', () => {
    const text = fc.stringOf(fc.constantFrom('a', 'é', '€', '\u{1F600}', '\ud800'), {maxLength: 40})
    const value = fc.oneof(text, text.map((t) => Buffer.from(t)), fc.constant(null))
    const message = fc.record({key: fc.oneof(text, fc.constant(null)), value, headers: fc.option(fc.dictionary(text, text, {maxKeys: 3}), {nil: undefined})}).map((m) => m as Message)
    fc.assert(
      fc.property(fc.array(message, {maxLength: 60}), fc.integer({min: 1, max: 20}), fc.integer({min: 1, max: 400}), (messages, maxMessages, maxBytes) => {
        expect(chunkMessages(messages, maxMessages, maxBytes)).toEqual(exactChunks(messages, maxMessages, maxBytes))
      }),
      {numRuns: 2000},
    )
  })
})

/** The bytes of one record batch holding these messages, as Kafka counts them (v2, uncompressed; timestamp deltas of up to 10 bytes). */
function batchBytes(messages: Message[]): number {
  const bytes = (v: unknown): number => (typeof v === 'string' ? Buffer.byteLength(v) : Buffer.isBuffer(v) ? v.length : 0)
  let total = BATCH_HEADER_BYTES
  messages.forEach((m, index) => {
    const field = (v: unknown): number => (v === null || v === undefined ? 1 : sizeOfVarint(bytes(v)) + bytes(v))
    const headers = Object.entries(m.headers ?? {})
    const body = 1 + 10 + sizeOfVarint(index) + field(m.key) + field(m.value) + sizeOfVarint(headers.length) + headers.reduce((n, [name, value]) => n + field(name) + field(value), 0)
    total += sizeOfVarint(body) + body
  })
  return total
}

describe('sendRequests under a topic\'s max.message.bytes', () => {
  it('keeps the usual bounds for the usual limit (1 MiB) and for a topic whose limit is not known', () => {
    expect(requestBounds(undefined)).toEqual({maxMessages: 1000, maxBytes: 512 * 1024})
    expect(requestBounds(1_048_588)).toEqual({maxMessages: 1000, maxBytes: 512 * 1024})
  })

  it('makes requests whose batch stays within the limit, whatever the messages (with up to ten headers, as a dead letter)', () => {
    const text = fc.stringOf(fc.constantFrom('a', 'é', '€', '\u{1F600}'), {maxLength: 300})
    const message = fc.record({
      topic: fc.constant('t'),
      key: fc.oneof(text, fc.constant(null)),
      value: fc.oneof(text, text.map((t) => Buffer.from(t))),
      headers: fc.option(fc.dictionary(fc.stringOf(fc.constantFrom('s', '-'), {minLength: 1, maxLength: 20}), text, {maxKeys: 10}), {nil: undefined}),
    }) as fc.Arbitrary<ProducedMessage>
    fc.assert(
      fc.property(fc.array(message, {maxLength: 400}), fc.integer({min: 2000, max: 200_000}), (messages, limit) => {
        const requests = sendRequests(messages, () => limit)
        expect(requests.flatMap((r) => r.messages)).toHaveLength(messages.length)
        for (const request of requests) {
          // A message too large for any batch goes alone (the engine dead-letters or cuts it before the transaction).
          if (request.messages.length > 1) expect(batchBytes(request.messages)).toBeLessThanOrEqual(limit)
        }
      }),
      {numRuns: 300},
    )
  })
})
