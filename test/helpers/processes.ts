/** Small helpers for the tests that start private servers (brokers, clusters, Redis, MariaDB, HTTP). */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {createServer} from 'node:net'

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Runs a Java tool to its end (a Kafka storage format, a keytool step); fails naming its main class. */
export async function runJava(java: string, args: string[]): Promise<void> {
  const child = spawn(java, args, {stdio: 'ignore'})
  const [code] = (await once(child, 'close')) as [number | null]
  if (code !== 0) throw new Error(`java ${args.find((a) => a.startsWith('kafka.')) ?? args.at(-1)} exited ${code}`)
}
