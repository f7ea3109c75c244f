/**
 * Whether a port speaks TLS: what tells a client that uses the wrong protocol for a listener (TLS to a plaintext
 * port, or plaintext to a TLS port) from one that cannot reach it, which the clients alone cannot tell apart.
 */
import {connect as connectTcp, isIP} from 'node:net'
import {connect as connectTls} from 'node:tls'

/** Whether a port answers a TLS handshake ('tls'), accepts TCP but no TLS ('plain'), or refuses connections. */
export function probeTls(host: string, port: number, timeoutMs = 2000): Promise<'tls' | 'plain' | 'refused'> {
  return new Promise((resolve) => {
    const tcp = connectTcp({host, port})
    let connected = false
    // No TCP connection in time says nothing about the protocol; a connection without a handshake does.
    const timer = setTimeout(() => done(connected ? 'plain' : 'refused'), timeoutMs)
    let settled = false
    function done(result: 'tls' | 'plain' | 'refused'): void {
      if (settled) return
      settled = true
      clearTimeout(timer)
      tcp.destroy()
      resolve(result)
    }
    tcp.once('error', () => done('refused'))
    tcp.once('connect', () => {
      connected = true
      tcp.removeAllListeners('error')
      tcp.on('error', () => done('plain'))
      // A server name is a host name: an IP address as one is a deprecation warning on stderr (RFC 6066).
      const socket = connectTls({socket: tcp, rejectUnauthorized: false, ...(isIP(host) === 0 ? {servername: host} : {})})
      socket.once('secureConnect', () => {
        socket.destroy()
        done('tls')
      })
      socket.once('error', () => done('plain'))
      socket.once('close', () => done('plain'))
    })
  })
}
