import {describe, expect, it} from 'vitest'

import {DEFAULT_KAFKA_PORT, endpointOfUrl, parseHostPort} from '../../../src/core/address.js'

describe('parseHostPort', () => {
  it('reads host:port, a bracketed IPv6 host, and a host alone with the default port', () => {
    expect(parseHostPort('localhost:9092', DEFAULT_KAFKA_PORT)).toEqual({host: 'localhost', port: 9092})
    expect(parseHostPort(' broker-1:19092 ', DEFAULT_KAFKA_PORT)).toEqual({host: 'broker-1', port: 19092})
    expect(parseHostPort('[::1]:9093', DEFAULT_KAFKA_PORT)).toEqual({host: '::1', port: 9093})
    expect(parseHostPort('[::1]', 9092)).toEqual({host: '::1', port: 9092})
    expect(parseHostPort('kafka', 9092)).toEqual({host: 'kafka', port: 9092})
  })

  it('takes a bare IPv6 address as a host, not as host and port', () => {
    expect(parseHostPort('::1', 9092)).toEqual({host: '::1', port: 9092})
  })
})

describe('endpointOfUrl', () => {
  it('reads the host and port of a service URL, with the default port when it names none', () => {
    expect(endpointOfUrl('redis://127.0.0.1:6380', 6379)).toEqual({host: '127.0.0.1', port: 6380})
    expect(endpointOfUrl('mariadb://u:p@[::1]/db', 3306)).toEqual({host: '::1', port: 3306})
  })
})
