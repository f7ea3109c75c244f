/**
 * Orders (the original KafkaOrdersDataGenerator): key = orderId, value =
 * `{"orderId":N,"product":P,"quantity":Q,"price":X}`. orderId starts at the clock's epoch second.
 */
import {wallClock} from './clock.js'
import {ORDER_PRODUCTS, ORDER_QUANTITY} from './domains.js'
import {createRandom} from './random.js'
import type {EventFactory, FactoryOptions, GeneratedRecord} from './types.js'

export function createOrderFactory(options: FactoryOptions = {}): EventFactory {
  const random = options.random ?? createRandom(options.seed)
  const clock = options.clock ?? wallClock()
  let orderId = Math.floor(clock.startMs / 1000)
  const middles = ORDER_PRODUCTS.map((p) => `,"product":"${p.product}","quantity":`)
  const tails = ORDER_PRODUCTS.map((p) => `,"price":${p.priceText}}`)
  const quantities = ORDER_QUANTITY.max - ORDER_QUANTITY.min + 1
  const next = (): GeneratedRecord => {
    const product = random.int(ORDER_PRODUCTS.length)
    const quantity = ORDER_QUANTITY.min + random.int(quantities)
    const key = String(orderId++)
    return {key, value: `{"orderId":${key}${middles[product]}${quantity}${tails[product]}`, timestamp: clock.next()}
  }
  return {generator: 'orders', next, take: (count) => Array.from({length: count}, next)}
}
