import {describe, expect, it} from 'vitest'

import {parseBrokers, readConfig} from '../../../src/core/config/index.js'
import {resolveTopicName, TOPICS} from '../../../src/core/names.js'
import {colorEnabled, resolveOutputMode} from '../../../src/core/output/index.js'

const NO_FILE = {file: {contexts: {}}}

describe('readConfig', () => {
  it('defaults to the local stack', () => {
    expect(readConfig({}, {}, NO_FILE)).toEqual({
      kafkaBrokers: ['localhost:9092'],
      kafkaSecurity: {protocol: 'PLAINTEXT'},
      mariadbUrl: 'mariadb://streaming:streaming@127.0.0.1:3306/streaming',
      redisUrl: 'redis://127.0.0.1:6379',
      sentimentUrl: 'http://127.0.0.1:8001/sentiment',
    })
  })

  it('takes the environment over defaults and flags over the environment', () => {
    const env = {SSTREAM_KAFKA_BROKERS: 'a:1,b:2', SSTREAM_REDIS_URL: 'redis://r:1'}
    expect(readConfig({}, env, NO_FILE).kafkaBrokers).toEqual(['a:1', 'b:2'])
    expect(readConfig({redisUrl: 'redis://flag:2'}, env, NO_FILE).redisUrl).toBe('redis://flag:2')
    expect(readConfig({}, env, NO_FILE).redisUrl).toBe('redis://r:1')
  })

  it('splits and trims broker lists', () => {
    expect(parseBrokers(' k1:9092 , k2:9092,,')).toEqual(['k1:9092', 'k2:9092'])
  })

  it('gives a host alone port 9092, and refuses an address that is no host:port', () => {
    expect(parseBrokers('kafka1,kafka2:19092,[::1]')).toEqual(['kafka1:9092', 'kafka2:19092', '[::1]:9092'])
    for (const bad of ['k1:abc', 'k1:0', 'k1:65536', 'PLAINTEXT://k1:9092', 'k1 k2:9092', 'k1:9092:1']) {
      expect(() => parseBrokers(bad), bad).toThrow(expect.objectContaining({code: 'USAGE', message: `${bad} is not a Kafka broker address.`}))
    }
  })
})

describe('topic names', () => {
  it('resolves short names to sstream topics and leaves others alone', () => {
    expect(resolveTopicName('alerts.critical')).toBe(TOPICS.alertsCritical)
    expect(resolveTopicName('streaming.orders.input')).toBe(TOPICS.ordersInput)
    expect(resolveTopicName('my-topic')).toBe('my-topic')
  })
})

describe('output modes', () => {
  it('picks json, then interactive only on a real terminal', () => {
    expect(resolveOutputMode({json: true, isTTY: true, env: {}})).toBe('json')
    expect(resolveOutputMode({isTTY: true, env: {}})).toBe('interactive')
    expect(resolveOutputMode({isTTY: false, env: {}})).toBe('plain')
    expect(resolveOutputMode({isTTY: true, env: {TERM: 'dumb'}})).toBe('plain')
    expect(resolveOutputMode({isTTY: true, env: {CI: 'true'}})).toBe('plain')
  })

  it('honours NO_COLOR and --no-color', () => {
    expect(colorEnabled({isTTY: true, env: {}})).toBe(true)
    expect(colorEnabled({isTTY: true, env: {NO_COLOR: '1'}})).toBe(false)
    expect(colorEnabled({isTTY: true, noColor: true, env: {}})).toBe(false)
    expect(colorEnabled({isTTY: false, env: {}})).toBe(false)
  })
})
