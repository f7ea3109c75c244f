/**
 * A minimal Kafka wire connection: request framing, correlation ids, pipelined responses and request
 * timeouts, plus readers and writers for the protocol's primitive types. Used by the generators' producer,
 * whose hot path kafkajs's per-record encoding cannot keep up with.
 */
import {isIP, connect, type Socket} from 'node:net'
import {connect as connectTls, type ConnectionOptions} from 'node:tls'

import type {Endpoint} from '../../address.js'
import {authenticate, type SaslCredentials} from './sasl.js'

/** A socket-level failure; isKafkaConnectionError() recognises it by its message. */
export class KafkaConnectionError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(`Connection error: ${message}`, options)
    this.name = 'KafkaConnectionError'
  }
}

interface Pending {
  resolve(body: Buffer): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

/** A broker's host and port (parse `host:port` with parseHostPort of src/core/address.ts). */
export type BrokerAddress = Endpoint

export interface BrokerConnectionOptions {
  clientId?: string
  timeoutMs?: number
  /** TLS settings (CA, client certificate and key, server name); plaintext when absent. */
  tls?: ConnectionOptions
  /** SASL credentials; no authentication when absent. */
  sasl?: SaslCredentials
}

export class BrokerConnection {
  private correlationId = 0
  private readonly pending = new Map<number, Pending>()
  private chunks: Buffer[] = []
  private buffered = 0
  private failure: Error | undefined

  private constructor(
    private readonly socket: Socket,
    private readonly clientId: Buffer,
    readonly address: BrokerAddress,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error) => this.fail(new KafkaConnectionError(`${address.host}:${address.port}: ${error.message}`, {cause: error})))
    socket.on('close', () => this.fail(new KafkaConnectionError(`Closed connection to ${address.host}:${address.port}`)))
  }

  /**
   * Opens a connection: TCP, or TLS when `tls` is given (the server name defaults to the broker's host name),
   * then the SASL exchange when `sasl` is given. The whole of it is bounded by `timeoutMs`.
   */
  static async connect(address: BrokerAddress, options: BrokerConnectionOptions = {}): Promise<BrokerConnection> {
    const {clientId = 'sstream', timeoutMs = 3000, tls, sasl} = options
    const connection = await new Promise<BrokerConnection>((resolve, reject) => {
      const socket = tls
        ? connectTls({host: address.host, port: address.port, ...(isIP(address.host) ? {} : {servername: address.host}), ...tls})
        : connect({host: address.host, port: address.port})
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new KafkaConnectionError(`Connection timeout to ${address.host}:${address.port} after ${timeoutMs} ms`))
      }, timeoutMs)
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.removeAllListeners('error')
        resolve(new BrokerConnection(socket, Buffer.from(clientId, 'utf8'), address))
      })
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(Object.assign(new KafkaConnectionError(`${address.host}:${address.port}: ${error.message}`, {cause: error}), {code: error.code}))
      })
    })
    if (!sasl) return connection
    try {
      await authenticate((apiKey, apiVersion, body) => connection.request(apiKey, apiVersion, body, timeoutMs), sasl)
      return connection
    } catch (error) {
      connection.close()
      throw error
    }
  }

  get closed(): boolean {
    return this.failure !== undefined
  }

  /** Sends one request (header v1) and resolves with the response body after the correlation id. */
  request(apiKey: number, apiVersion: number, body: readonly Buffer[], timeoutMs: number): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure)
    const correlationId = (this.correlationId = (this.correlationId + 1) & 0x7fffffff)
    const header = Buffer.allocUnsafe(4 + 2 + 2 + 4 + 2 + this.clientId.length)
    const bodyLength = body.reduce((sum, part) => sum + part.length, 0)
    header.writeInt32BE(header.length - 4 + bodyLength, 0)
    header.writeInt16BE(apiKey, 4)
    header.writeInt16BE(apiVersion, 6)
    header.writeInt32BE(correlationId, 8)
    header.writeInt16BE(this.clientId.length, 12)
    this.clientId.copy(header, 14)
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Responses arrive in order: a lost one leaves the connection unusable.
        this.fail(new KafkaConnectionError(`Request timed out after ${timeoutMs} ms at ${this.address.host}:${this.address.port}`))
      }, timeoutMs)
      this.pending.set(correlationId, {resolve, reject, timer})
      this.socket.cork()
      this.socket.write(header)
      for (const part of body) this.socket.write(part)
      this.socket.uncork()
    })
  }

  close(): void {
    this.fail(new KafkaConnectionError(`Closed connection to ${this.address.host}:${this.address.port}`))
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error
    this.socket.destroy()
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer)
      pending.reject(this.failure)
      this.pending.delete(id)
    }
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    while (this.buffered >= 4) {
      if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks)]
      const size = this.chunks[0].readInt32BE(0)
      if (this.buffered < 4 + size) return
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks)
      const frame = all.subarray(4, 4 + size)
      const rest = all.subarray(4 + size)
      this.chunks = rest.length > 0 ? [rest] : []
      this.buffered = rest.length
      const pending = this.pending.get(frame.readInt32BE(0))
      if (!pending) continue
      this.pending.delete(frame.readInt32BE(0))
      clearTimeout(pending.timer)
      pending.resolve(frame.subarray(4))
    }
  }
}

/** Reads the protocol's primitive types from a response body. */
export class WireReader {
  offset = 0
  constructor(private readonly buf: Buffer) {}

  int8(): number {
    return this.buf.readInt8((this.offset += 1) - 1)
  }

  int16(): number {
    return this.buf.readInt16BE((this.offset += 2) - 2)
  }

  int32(): number {
    return this.buf.readInt32BE((this.offset += 4) - 4)
  }

  int64(): bigint {
    return this.buf.readBigInt64BE((this.offset += 8) - 8)
  }

  boolean(): boolean {
    return this.int8() !== 0
  }

  nullableString(): string | null {
    const length = this.int16()
    if (length < 0) return null
    const text = this.buf.toString('utf8', this.offset, this.offset + length)
    this.offset += length
    return text
  }

  string(): string {
    return this.nullableString() ?? ''
  }

  bytes(length: number): Buffer {
    const bytes = this.buf.subarray(this.offset, this.offset + length)
    this.offset += length
    return bytes
  }

  array<T>(item: () => T): T[] {
    const length = this.int32()
    const items: T[] = []
    for (let i = 0; i < length; i++) items.push(item())
    return items
  }
}

/** Writes the protocol's primitive types into a growing buffer. */
export class WireWriter {
  private buf = Buffer.allocUnsafe(256)
  private offset = 0

  int8(value: number): this {
    this.ensure(1)
    this.offset = this.buf.writeInt8(value, this.offset)
    return this
  }

  int16(value: number): this {
    this.ensure(2)
    this.offset = this.buf.writeInt16BE(value, this.offset)
    return this
  }

  int32(value: number): this {
    this.ensure(4)
    this.offset = this.buf.writeInt32BE(value, this.offset)
    return this
  }

  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0)
  }

  nullableString(value: string | null): this {
    if (value === null) return this.int16(-1)
    const length = Buffer.byteLength(value, 'utf8')
    this.int16(length)
    this.ensure(length)
    this.offset += this.buf.write(value, this.offset, 'utf8')
    return this
  }

  string(value: string): this {
    return this.nullableString(value)
  }

  toBuffer(): Buffer {
    return this.buf.subarray(0, this.offset)
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.offset + bytes))
    this.buf.copy(grown, 0, 0, this.offset)
    this.buf = grown
  }
}
