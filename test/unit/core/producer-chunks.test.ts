/**
 * chunkMessages: a transaction's messages in requests of bounded messages and bytes. It counts a chunk's bytes
 * from upper bounds while they fit; the chunks must be exactly those of counting every message's bytes.
 */
import fc from 'fast-check'
import type {Message} from 'kafkajs'
import {describe, expect, it} from 'vitest'

import {chunkMessages} from '../../../src/core/kafka/producer.js'

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
