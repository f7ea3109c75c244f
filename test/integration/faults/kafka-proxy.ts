/**
 * A TCP proxy in front of a private broker that advertises the proxy's port, so that every connection of a
 * client goes through it. It can lose the answer to a transaction's commit: the EndTxn request (commit) is
 * passed on to the broker, which commits, and the client's connection is then cut before the answer comes
 * back — the client sees an error for a transaction that was committed, as when a broker or a network path
 * fails at that moment.
 */
import {createServer, connect, type Server, type Socket} from 'node:net'

const END_TXN = 26

export interface KafkaProxy {
  port: number
  /** Where the broker listens (set before the first client connects). */
  target: number
  /** Loses the answer to the next `count` commits (EndTxn with the commit flag). */
  loseCommitAnswers(count: number): void
  /** Commits whose answer was lost so far. */
  readonly lostCommitAnswers: number
  close(): Promise<void>
}

export async function startKafkaProxy(port: number): Promise<KafkaProxy> {
  const sockets = new Set<Socket>()
  let toLose = 0
  let lost = 0
  const proxy: KafkaProxy = {
    port,
    target: 0,
    loseCommitAnswers: (count) => {
      toLose = count
    },
    get lostCommitAnswers() {
      return lost
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: Server = createServer((client) => {
    const broker = connect(proxy.target, 'localhost')
    for (const socket of [client, broker]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => undefined)
    }
    let cut = false
    client.on('close', () => broker.destroy())
    broker.on('close', () => client.destroy())
    broker.on('data', (chunk: Buffer) => {
      if (!cut) client.write(chunk)
    })
    // Requests are passed on whole, one frame (4-byte size, then the request) at a time.
    let pending = Buffer.alloc(0)
    client.on('data', (chunk: Buffer) => {
      if (cut) return
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(0, 4 + pending.readInt32BE(0))
        pending = pending.subarray(frame.length)
        broker.write(frame)
        if (toLose > 0 && isCommit(frame)) {
          toLose -= 1
          lost += 1
          cut = true
          // The broker has the request; its answer is dropped, then the connection goes.
          setTimeout(() => {
            client.destroy()
            broker.destroy()
          }, 500)
          return
        }
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return proxy
}

/**
 * Whether a request frame is an EndTxn that commits. Versions 0 to 2 (kafkajs's): header (api key, version,
 * correlation id, client id as an int16-length string), then transactional id (string), producer id (int64),
 * producer epoch (int16) and the commit flag (boolean).
 */
function isCommit(frame: Buffer): boolean {
  if (frame.readInt16BE(4) !== END_TXN || frame.readInt16BE(6) > 2) return false
  let at = 12
  at += 2 + Math.max(0, frame.readInt16BE(at))
  at += 2 + frame.readInt16BE(at)
  at += 8 + 2
  return frame.readInt8(at) === 1
}
