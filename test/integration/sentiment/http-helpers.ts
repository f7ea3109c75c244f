/** Small HTTP helpers for the sentiment service tests: raw exchanges and requests through a given agent. */
import {request, type Agent} from 'node:http'
import {connect} from 'node:net'

export interface RawResponse {
  statusLine: string
  headers: Record<string, string>
  body: Buffer
  raw: Buffer
}

/** Sends bytes on a fresh TCP connection and reads until the server closes it. */
export function rawExchange(port: number, bytes: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({host: '127.0.0.1', port})
    const chunks: Buffer[] = []
    socket.on('data', (c) => chunks.push(c))
    socket.once('error', reject)
    socket.once('close', () => {
      const raw = Buffer.concat(chunks)
      const split = raw.indexOf('\r\n\r\n')
      const head = raw.subarray(0, split).toString('latin1').split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({statusLine: head[0], headers, body: raw.subarray(split + 4), raw})
    })
    socket.end(bytes)
  })
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  reusedSocket: boolean
}

export function httpCall(
  url: string,
  {method = 'POST', body, contentType, agent}: {method?: string; body?: string | Buffer; contentType?: string; agent?: Agent} = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {}
    if (contentType) headers['Content-Type'] = contentType
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body)
    const req = request(url, {method, headers, agent}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.once('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket}))
      res.once('error', reject)
    })
    req.once('error', reject)
    req.end(body)
  })
}

