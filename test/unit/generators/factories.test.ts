import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {
  ALERT_CODES,
  ALERT_LEVELS,
  createEventFactory,
  GENERATOR_SPECS,
  loadReviewCorpus,
  parseReviewCorpus,
  PLAYERS,
  syntheticClock,
  VIEW_TOPICS,
  VIEW_USERS,
} from '../../../src/core/generators/index.js'
import {resourcePath} from '../../../src/core/paths.js'
import {checkAlert, checkCounter, checkOrder, checkReview, checkScore, checkView, type CheckedRecord} from './formats.js'

const START = Date.UTC(2024, 0, 1, 8, 0, 0, 0) + 250
const corpus = parseReviewCorpus(readFileSync(resourcePath('reviews', 'movie-reviews.txt'), 'utf8'))

function make(generator: 'orders' | 'alerts' | 'scores' | 'reviews' | 'views', count: number, seed = 11, step = 37): CheckedRecord[] {
  return createEventFactory(generator, {seed, clock: syntheticClock(START, step), corpus}).take(count)
}

describe('orders', () => {
  it('writes the original JSON, with fixed prices, quantities 1–4 and orderIds counting up from the start second', () => {
    const records = make('orders', 2000)
    const orders = records.map(checkOrder)
    checkCounter(records, Math.floor(START / 1000))
    expect(new Set(orders.map((o) => o.product))).toEqual(new Set(['Keyboard', 'Mouse', 'Monitor']))
    expect(new Set(orders.map((o) => o.quantity))).toEqual(new Set([1, 2, 3, 4]))
    expect(records[0].value).toMatch(/^\{"orderId":1704096000,"product":"(Keyboard|Mouse|Monitor)","quantity":[1-4],"price":(25\.0|10\.5|140\.0)\}$/)
    records.forEach((r, i) => expect(r.timestamp).toBe(START + Math.round(i * 37)))
  })
})

describe('alerts', () => {
  it('writes the quoted CSV with the trailing space, keys from the start second + 1', () => {
    const records = make('alerts', 2000)
    const alerts = records.map(checkAlert)
    checkCounter(records, Math.floor(START / 1000) + 1)
    expect(new Set(alerts.map((a) => a.level))).toEqual(new Set(ALERT_LEVELS))
    expect(new Set(alerts.map((a) => a.code))).toEqual(new Set(ALERT_CODES))
    expect(records[0].value.endsWith(` alert "`)).toBe(true)
  })
})

describe('scores', () => {
  it('keys a score of 1–10 by player', () => {
    const scores = make('scores', 2000).map(checkScore)
    expect(new Set(scores.map((s) => s.player))).toEqual(new Set(PLAYERS))
    expect(new Set(scores.map((s) => s.score))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
  })
})

describe('views', () => {
  it('writes the quoted CSV with unquoted minutes, keys from the start second + 1', () => {
    const records = make('views', 2000)
    const views = records.map(checkView)
    checkCounter(records, Math.floor(START / 1000) + 1)
    expect(new Set(views.map((v) => v.user))).toEqual(new Set(VIEW_USERS))
    expect(new Set(views.map((v) => v.topic))).toEqual(new Set(VIEW_TOPICS))
    expect(new Set(views.map((v) => v.minutes))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
  })
})

describe('reviews', () => {
  it('sends corpus reviews keyed by epoch seconds, unique even when many fall in one second', () => {
    const set = new Set(corpus)
    const records = make('reviews', 500, 3, 100)
    const ids = records.map((r) => checkReview(r, set).id)
    expect(new Set(ids).size).toBe(ids.length)
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1])
    expect(ids[0]).toBe(Math.floor(START / 1000))
    // One a second: the key is the second itself.
    const slow = make('reviews', 20, 3, 1000)
    slow.forEach((r, i) => expect(r.key).toBe(String(Math.floor(START / 1000) + i)))
  })

  it('ships a corpus of at least 200 different reviews, one per line', async () => {
    const shipped = await loadReviewCorpus()
    expect(shipped.length).toBeGreaterThanOrEqual(200)
    expect(new Set(shipped).size).toBe(shipped.length)
    for (const review of shipped) expect(review).toBe(review.trim())
    expect(shipped.filter((review) => /[.!?] \S/.test(review)).length).toBeGreaterThan(20)
  })
})

describe('every generator', () => {
  const all = ['orders', 'alerts', 'scores', 'reviews', 'views'] as const

  it.each(all)('%s: the same seed and synthetic clock give the same records; another seed does not', (generator) => {
    expect(make(generator, 300, 5)).toEqual(make(generator, 300, 5))
    expect(make(generator, 300, 5).map((r) => r.value)).not.toEqual(make(generator, 300, 6).map((r) => r.value))
  })

  it.each(all)('%s: the record timestamp is the event time from the clock', (generator) => {
    make(generator, 50, 1, 1000).forEach((r, i) => expect(r.timestamp).toBe(START + i * 1000))
  })

  it('echoes records like the original console', () => {
    const record = {key: '1704096001', value: '"2024-01-01 09:00:00.25","HIGH","200","This is a HIGH alert "', timestamp: START}
    expect(GENERATOR_SPECS.orders.echo({...record, value: '{"orderId":1}'})).toBe('Kafka Orders Stream Generator : Sending Event : {"orderId":1}')
    expect(GENERATOR_SPECS.alerts.echo(record)).toBe(`Kafka Alerts Stream Generator : Sending Event : ${record.value}`)
    expect(GENERATOR_SPECS.scores.echo({key: 'Kathy', value: '7', timestamp: START})).toBe('Kafka Gaming Stream Generator : Sending Event : Kathy = 7')
    expect(GENERATOR_SPECS.reviews.echo({key: '1625047880', value: 'Great.', timestamp: START})).toBe(
      'Kafka Reviews Stream Generator : Sending Event : 1625047880 = Great.',
    )
    expect(GENERATOR_SPECS.views.echo(record)).toBe(`Kafka Views Stream Generator : Sending Event : ${record.value}`)
  })
})

describe('the format checks themselves', () => {
  // The checks above are only evidence if a value one byte off the original fails them.
  const ts = START
  const time = '2024-01-01 09:00:00.25'
  const local = (text: string): number => new Date(text.replace(' ', 'T')).getTime()
  it('reject values one byte off the original', () => {
    const order = {key: '7', value: '{"orderId":7,"product":"Mouse","quantity":3,"price":10.5}', timestamp: ts}
    expect(() => checkOrder(order)).not.toThrow()
    for (const value of [
      '{"orderId":7,"product":"Mouse","quantity":3,"price":10.50}',
      '{"orderId":7,"product":"Mouse","quantity":3,"price":25.0}',
      '{"orderId":7, "product":"Mouse","quantity":3,"price":10.5}',
      '{"orderId":7,"product":"Mouse","quantity":5,"price":10.5}',
      '{"orderId":"7","product":"Mouse","quantity":3,"price":10.5}',
    ])
      expect(() => checkOrder({...order, value})).toThrow()
    expect(() => checkOrder({...order, key: '8'})).toThrow()

    const alert = {key: '5', value: `"${time}","HIGH","200","This is a HIGH alert "`, timestamp: local(time)}
    expect(() => checkAlert(alert)).not.toThrow()
    for (const value of [
      `"${time}","HIGH","200","This is a HIGH alert"`,
      `"${time}","HIGH","200","This is a CRITICAL alert "`,
      `"${time}","HIGH",200,"This is a HIGH alert "`,
      `"2024-01-01 09:00:00.250","HIGH","200","This is a HIGH alert "`,
      `"${time}", "HIGH","200","This is a HIGH alert "`,
    ])
      expect(() => checkAlert({...alert, value})).toThrow()
    expect(() => checkAlert({...alert, timestamp: alert.timestamp + 1})).toThrow()

    const view = {key: '5', value: `"${time}","Mike","CI_CD",7`, timestamp: local(time)}
    expect(() => checkView(view)).not.toThrow()
    for (const value of [`"${time}","Mike","CI_CD","7"`, `"${time}","Mike","CI_CD",11`, `"${time}","mike","CI_CD",7`, `"${time}","Mike","CI_CD",7 `])
      expect(() => checkView({...view, value})).toThrow()

    expect(() => checkScore({key: 'Kathy', value: '7', timestamp: ts})).not.toThrow()
    for (const [key, value] of [['Kathy', '0'], ['Kathy', '07'], ['Kate', '7'], ['Kathy', '7.0']])
      expect(() => checkScore({key, value, timestamp: ts})).toThrow()
  })
})
