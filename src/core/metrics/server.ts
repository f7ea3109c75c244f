/**
 * The HTTP side of the metrics: GET /metrics in Prometheus' text format from a prom-client registry, on
 * 127.0.0.1 unless told otherwise. A port already in use is a clear error before the run starts.
 */
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

import type {Registry} from 'prom-client'

import {SstreamError} from '../errors.js'

export const DEFAULT_METRICS_HOST = '127.0.0.1'

export interface MetricsListenOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** 0 for any free port. */
  port: number
}

export interface MetricsEndpoint {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string
  close(): Promise<void>
}

export async function serveMetrics(registry: Registry, options: MetricsListenOptions): Promise<MetricsEndpoint> {
  const host = options.host ?? DEFAULT_METRICS_HOST
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(path === '/metrics' ? 405 : 404, {'content-type': 'text/plain'}).end('Metrics are at GET /metrics\n')
      return
    }
    registry.metrics().then(
      (text) => response.writeHead(200, {'content-type': registry.contentType}).end(text),
      (error: unknown) => response.writeHead(500, {'content-type': 'text/plain'}).end(`${String(error)}\n`),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const inUse = error.code === 'EADDRINUSE'
      reject(
        new SstreamError(inUse ? 'PORT_IN_USE' : 'USAGE', `Can't serve metrics on ${host}:${options.port}: ${inUse ? 'the port is already in use' : error.message}.`, {
          nextSteps: ['Choose another --metrics-port (0 picks a free one), or another --metrics-host.'],
          cause: error,
        }),
      )
    })
    server.listen(options.port, host, () => resolve())
  })
  const {port} = server.address() as AddressInfo
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
