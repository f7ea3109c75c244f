/** Small helpers for the tests that start private servers (brokers, clusters, Redis, MariaDB, HTTP). */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {createServer} from 'node:net'

/**
 * Ports for private servers are taken below Linux's ephemeral range (32768–60999), where every outgoing
 * connection of the parallel tests takes its local port: a port the kernel handed out as free a moment ago
 * can be some client's by the time a broker binds it.
 */
const PRIVATE_PORTS = {low: 20_000, high: 32_000}

function bindable(port: number): Promise<ReturnType<typeof createServer> | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

/** `count` consecutive ports that were all free a moment ago on 127.0.0.1 (a broker takes port, port + 1, …). */
export async function freePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const first = PRIVATE_PORTS.low + Math.floor(Math.random() * (PRIVATE_PORTS.high - PRIVATE_PORTS.low - count))
    const ports = Array.from({length: count}, (_, i) => first + i)
    const servers = await Promise.all(ports.map((port) => bindable(port)))
    await Promise.all(servers.map((server) => (server ? new Promise((resolve) => server.close(resolve)) : undefined)))
    if (servers.every(Boolean)) return ports
  }
  throw new Error(`no ${count} consecutive free ports between ${PRIVATE_PORTS.low} and ${PRIVATE_PORTS.high}`)
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port
}

/** Runs a Java tool to its end (a Kafka storage format, a keytool step); fails naming its main class. */
export async function runJava(java: string, args: string[]): Promise<void> {
  const child = spawn(java, args, {stdio: 'ignore'})
  const [code] = (await once(child, 'close')) as [number | null]
  if (code !== 0) throw new Error(`java ${args.find((a) => a.startsWith('kafka.')) ?? args.at(-1)} exited ${code}`)
}
