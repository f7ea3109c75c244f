/**
 * SASL for sstream's own Kafka connections (the generators' producer): the SaslHandshake / SaslAuthenticate
 * exchange with PLAIN (RFC 4616) and SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677). kafkajs does the same
 * for every other client; both take their settings from kafkaClientSettings (settings.ts).
 */
import {createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual} from 'node:crypto'

import {WireReader, WireWriter} from './wire.js'

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'

export interface SaslCredentials {
  mechanism: SaslMechanism
  username: string
  password: string
}

/** The broker refused the login (wrong user or password, a mechanism it does not offer). */
export class SaslAuthenticationError extends Error {
  constructor(
    message: string,
    readonly reason: 'credentials' | 'mechanism' | 'not-sasl',
    readonly enabledMechanisms: string[] = [],
  ) {
    super(message)
    this.name = 'SaslAuthenticationError'
  }
}

export const SASL_API = {handshake: 17, authenticate: 36} as const

/** Kafka's answer to a SASL handshake on a listener without SASL. */
const ILLEGAL_SASL_STATE = 34

/** Something that sends one request and answers with the response body (BrokerConnection.request). */
export type SaslTransport = (apiKey: number, apiVersion: number, body: readonly Buffer[]) => Promise<Buffer>

/** Authenticates a fresh connection: SaslHandshake v1, then SaslAuthenticate v1 rounds until the mechanism is done. */
export async function authenticate(send: SaslTransport, credentials: SaslCredentials): Promise<void> {
  const handshake = new WireReader(await send(SASL_API.handshake, 1, [new WireWriter().string(credentials.mechanism).toBuffer()]))
  const error = handshake.int16()
  const mechanisms = handshake.array(() => handshake.string())
  // ILLEGAL_SASL_STATE: the listener does not use SASL at all (a PLAINTEXT or SSL listener).
  if (error === ILLEGAL_SASL_STATE) throw new SaslAuthenticationError('the listener does not use SASL (ILLEGAL_SASL_STATE)', 'not-sasl')
  if (error !== 0) {
    throw new SaslAuthenticationError(
      `the broker does not offer SASL mechanism ${credentials.mechanism} (it offers ${mechanisms.join(', ') || 'none'})`,
      'mechanism',
      mechanisms,
    )
  }
  const exchange = credentials.mechanism === 'PLAIN' ? plainExchange(credentials) : scramExchange(credentials)
  let step = exchange.next()
  while (!step.done) {
    const response = await authenticateRound(send, step.value)
    step = exchange.next(response)
  }
}

async function authenticateRound(send: SaslTransport, bytes: Buffer): Promise<Buffer> {
  const body = new WireWriter().int32(bytes.length).toBuffer()
  const r = new WireReader(await send(SASL_API.authenticate, 1, [body, bytes]))
  const error = r.int16()
  const message = r.nullableString()
  const length = r.int32()
  const authBytes = length < 0 ? Buffer.alloc(0) : r.bytes(length)
  if (error !== 0) throw new SaslAuthenticationError(message ?? `authentication failed (error ${error})`, 'credentials')
  return authBytes
}

function* plainExchange({username, password}: SaslCredentials): Generator<Buffer, void, Buffer> {
  yield Buffer.from(`\u0000${username}\u0000${password}`, 'utf8')
}

const SCRAM_HASH = {'SCRAM-SHA-256': {hash: 'sha256', bytes: 32}, 'SCRAM-SHA-512': {hash: 'sha512', bytes: 64}} as const

/** The client side of a SCRAM exchange: client-first, client-final, then the server's signature is checked. */
export function* scramExchange(
  {mechanism, username, password}: SaslCredentials,
  nonce = randomBytes(24).toString('base64'),
): Generator<Buffer, void, Buffer> {
  const {hash, bytes} = SCRAM_HASH[mechanism as keyof typeof SCRAM_HASH]
  const clientFirstBare = `n=${saslName(username)},r=${nonce}`
  const serverFirst = (yield Buffer.from(`n,,${clientFirstBare}`, 'utf8')).toString('utf8')
  const attributes = parseAttributes(serverFirst)
  const serverNonce = attributes.get('r') ?? ''
  const salt = Buffer.from(attributes.get('s') ?? '', 'base64')
  const iterations = Number(attributes.get('i'))
  if (!serverNonce.startsWith(nonce) || salt.length === 0 || !Number.isInteger(iterations) || iterations < 1) {
    throw new SaslAuthenticationError('the broker sent an invalid SCRAM challenge', 'credentials')
  }
  const saltedPassword = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, bytes, hash)
  const clientKey = hmac(hash, saltedPassword, 'Client Key')
  const storedKey = createHash(hash).update(clientKey).digest()
  const clientFinalWithoutProof = `c=biws,r=${serverNonce}`
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`
  const clientSignature = hmac(hash, storedKey, authMessage)
  const proof = Buffer.alloc(clientKey.length)
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ clientSignature[i]
  const serverFinal = parseAttributes((yield Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8')).toString('utf8'))
  if (serverFinal.has('e')) throw new SaslAuthenticationError(`SCRAM authentication failed: ${serverFinal.get('e')}`, 'credentials')
  const expected = hmac(hash, hmac(hash, saltedPassword, 'Server Key'), authMessage)
  const signature = Buffer.from(serverFinal.get('v') ?? '', 'base64')
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new SaslAuthenticationError("the broker's SCRAM signature does not match: it does not know this password", 'credentials')
  }
}

function hmac(hash: string, key: Buffer, text: string): Buffer {
  return createHmac(hash, key).update(text, 'utf8').digest()
}

/** RFC 5802's saslname: ',' and '=' escaped. */
function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>()
  for (const part of message.split(',')) {
    const at = part.indexOf('=')
    if (at > 0) attributes.set(part.slice(0, at), part.slice(at + 1))
  }
  return attributes
}
