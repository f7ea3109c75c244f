import {describe, expect, it} from 'vitest'

import {SaslAuthenticationError, scramExchange} from '../../../src/core/kafka/protocol/sasl.js'

// RFC 7677 section 3: the SCRAM-SHA-256 example exchange (user "user", password "pencil").
const NONCE = 'rOprNGfwEbeRWgbNEkqO'
const SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'
const CLIENT_FINAL = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
const SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='

const credentials = {mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil'} as const

describe('SCRAM client exchange', () => {
  it("produces RFC 7677's messages and accepts the server's signature", () => {
    const exchange = scramExchange(credentials, NONCE)
    expect(exchange.next().value?.toString()).toBe(`n,,n=user,r=${NONCE}`)
    expect(exchange.next(Buffer.from(SERVER_FIRST)).value?.toString()).toBe(CLIENT_FINAL)
    expect(exchange.next(Buffer.from(SERVER_FINAL)).done).toBe(true)
  })

  it('rejects a server signature made with another password', () => {
    const exchange = scramExchange(credentials, NONCE)
    exchange.next()
    exchange.next(Buffer.from(SERVER_FIRST))
    expect(() => exchange.next(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='))).toThrow(SaslAuthenticationError)
  })

  it("rejects a server nonce that does not extend the client's, and reports a server error", () => {
    const forged = scramExchange(credentials, NONCE)
    forged.next()
    expect(() => forged.next(Buffer.from('r=other,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'))).toThrow(/invalid SCRAM challenge/)
    const refused = scramExchange(credentials, NONCE)
    refused.next()
    refused.next(Buffer.from(SERVER_FIRST))
    expect(() => refused.next(Buffer.from('e=invalid-proof'))).toThrow(/invalid-proof/)
  })

  it('escapes "," and "=" in user names', () => {
    const exchange = scramExchange({...credentials, username: 'a,b=c'}, NONCE)
    expect(exchange.next().value?.toString()).toBe(`n,,n=a=2Cb=3Dc,r=${NONCE}`)
  })
})
