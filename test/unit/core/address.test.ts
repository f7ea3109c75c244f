import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {DEFAULT_KAFKA_PORT, endpointOfUrl, parseHostPort, redactUrl, urlPassword} from '../../../src/core/address.js'

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

describe('redactUrl', () => {
  it('masks the password of a URL, and of one that does not parse (a typo in the port, an unencoded / ? #)', () => {
    expect(redactUrl('rediss://app:s3cret@redis.example.com:6380')).toBe('rediss://app:****@redis.example.com:6380')
    expect(redactUrl('mariadb://app:s3cret@db.example.com:33o6/streaming')).toBe('mariadb://app:****@db.example.com:33o6/streaming')
    expect(redactUrl('redis://app:s3/cret@redis.example.com:6379')).toBe('redis://app:****@redis.example.com:6379')
    // Parses as the host "app" on port 12: what is written as a password still is one.
    expect(redactUrl('mariadb://app:12?x@db:3306/s')).toBe('mariadb://app:****@db:3306/s')
    expect(urlPassword('mariadb://app:12?x@db:3306/s')).toBe('12?x')
  })

  it('leaves a URL without a password as it is', () => {
    for (const url of ['redis://127.0.0.1:6379', 'mariadb://streaming@127.0.0.1:3306/streaming', 'http://127.0.0.1:8001/sentiment', 'not a url']) {
      expect(redactUrl(url)).toBe(url)
      expect(urlPassword(url)).toBeUndefined()
    }
  })

  it('never shows the password, whatever it holds and however the rest is written', () => {
    const scheme = fc.constantFrom('redis', 'rediss', 'mariadb', 'mysql', 'http')
    const rest = fc.constantFrom('db.example.com:3306/streaming', '127.0.0.1:6379', 'h:33o6/x', '[::1]:6380', 'h', 'h:1/a?b=c')
    const password = fc.string({minLength: 1, maxLength: 20, unit: 'binary-ascii'}).map((p) => `Zq${p}Xj`)
    fc.assert(
      fc.property(scheme, fc.constantFrom('', 'app', 'user.name'), password, rest, (s, user, pw, tail) => {
        const shown = redactUrl(`${s}://${user}:${pw}@${tail}`)
        expect(shown).not.toContain(pw)
        expect(shown).not.toContain(encodeURIComponent(pw))
      }),
    )
  })
})
