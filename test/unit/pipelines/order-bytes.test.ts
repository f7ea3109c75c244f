import {describe, expect, it} from 'vitest'

import {decodeOrder, decodeOrderJson} from '../../../src/core/pipelines/analytics.js'
import {decodeOrderBytes} from '../../../src/core/pipelines/order-bytes.js'
import {inputRecord, type InputRecord} from '../../../src/core/stream/index.js'

const record = (value: Buffer): InputRecord => inputRecord({topic: 'orders', partition: 0, offset: 0, timestamp: 0, key: null, value})

/** decodeOrder's outcome: the order, or the reason it was refused. */
function outcome(decode: (r: InputRecord) => unknown, value: Buffer): unknown {
  try {
    return {ok: decode(record(value))}
  } catch (error) {
    return {reason: (error as {reason?: string}).reason}
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
}

describe('the orders fast path', () => {
  it('reads the generators’ exact layout', () => {
    expect(decodeOrderBytes(Buffer.from('{"orderId":1625047875,"product":"Mouse","quantity":3,"price":10.5}'))).toEqual({
      orderId: 1_625_047_875,
      product: 'Mouse',
      quantity: 3,
      price: 10.5,
    })
    expect(decodeOrderBytes(Buffer.from('{"orderId":1,"product":"Écran","quantity":-2,"price":1.4E2}'))).toEqual({orderId: 1, product: 'Écran', quantity: -2, price: 140})
  })

  it('leaves anything else to JSON.parse', () => {
    for (const text of [
      '{ "orderId":1,"product":"Mouse","quantity":3,"price":10.5}',
      '{"product":"Mouse","orderId":1,"quantity":3,"price":10.5}',
      '{"orderId":1,"product":"Mo\\"use","quantity":3,"price":10.5}',
      '{"orderId":01,"product":"Mouse","quantity":3,"price":10.5}',
      '{"orderId":1,"product":"Mouse","quantity":3,"price":10.}',
      '{"orderId":1,"product":"Mouse","quantity":3,"price":10.5} ',
      '{"orderId":1,"product":"Mouse","quantity":3,"price":10.5,"x":1}',
    ]) {
      expect(decodeOrderBytes(Buffer.from(text)), text).toBeUndefined()
    }
  })

  it('decides exactly as the JSON path on 20 000 generated and mutated values', () => {
    const random = lcg(12_345)
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
    const numbers = ['0', '3', '-7', '10.5', '140.0', '25', '1e3', '2.5E-1', '-0', '1e999', '00', '1.', '.5', '+1', '9007199254740993']
    const products = ['Mouse', 'Keyboard', 'Monitor', 'Écran', 'a"b', 'tab\there', '', 'x\\y']
    for (let n = 0; n < 20_000; n++) {
      const order = `{"orderId":${pick(numbers)},"product":"${pick(products)}","quantity":${pick(numbers)},"price":${pick(numbers)}}`
      const bytes = Buffer.from(order)
      if (random() < 0.5) {
        const at = Math.floor(random() * bytes.length)
        const mutation = random()
        const mutated =
          mutation < 0.33
            ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)])
            : mutation < 0.66
              ? Buffer.concat([bytes.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), bytes.subarray(at)])
              : Buffer.from(bytes.map((b, i) => (i === at ? Math.floor(random() * 128) : b)))
        expect(outcome(decodeOrder, mutated), mutated.toString()).toEqual(outcome(decodeOrderJson, mutated))
      } else {
        expect(outcome(decodeOrder, bytes), order).toEqual(outcome(decodeOrderJson, bytes))
      }
    }
  }, 60_000)

  it('reads every decimal price exactly as Number() reads its text', () => {
    const random = lcg(99)
    for (let n = 0; n < 50_000; n++) {
      const whole = Math.floor(random() * 10 ** Math.floor(random() * 9))
      const fraction = String(Math.floor(random() * 10 ** Math.floor(random() * 8))).padStart(Math.floor(random() * 8), '0')
      const text = `${random() < 0.1 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
      const order = decodeOrderBytes(Buffer.from(`{"orderId":1,"product":"p","quantity":2,"price":${text}}`))
      expect(Object.is(order?.price, Number(text)), text).toBe(true)
    }
  }, 60_000)

  it('reads an order in the middle of a larger buffer, and nothing past its end', () => {
    const inside = Buffer.from('xx{"orderId":7,"product":"Mouse","quantity":3,"price":10.5}{"orderId":8')
    expect(decodeOrderBytes(inside, 2, inside.length - 12)).toEqual({orderId: 7, product: 'Mouse', quantity: 3, price: 10.5})
    // Cut inside the price: the bytes after the end must not complete it.
    const cut = Buffer.from('{"orderId":7,"product":"Mouse","quantity":3,"price":10.5}')
    expect(decodeOrderBytes(cut, 0, cut.length - 3)).toBeUndefined()
    // A record's value as a view into the fetched bytes.
    const record = inputRecord({topic: 'orders', partition: 0, offset: 0, timestamp: 0, key: null, value: inside.subarray(2, inside.length - 12)})
    expect(decodeOrder(record)).toEqual({orderId: 7, product: 'Mouse', quantity: 3, price: 10.5})
  })
})
