/**
 * `serve sentiment`'s Prometheus metrics, built from its access-log entries: requests by path and status,
 * texts classified, and a histogram of request latency. prom-client loads only with --metrics-port.
 */
import type * as Prom from 'prom-client'

import type {AccessLogEntry} from '../sentiment/index.js'
import {LATENCY_BUCKETS_SECONDS} from './pipeline-metrics.js'
import {serveMetrics, type MetricsEndpoint, type MetricsListenOptions} from './server.js'

export interface SentimentMetrics extends MetricsEndpoint {
  observe(entry: AccessLogEntry): void
}

const PATHS = new Set(['/sentiment', '/v1/sentiment', '/healthz'])

export async function startSentimentMetrics(options: MetricsListenOptions & {model: string}): Promise<SentimentMetrics> {
  const prom = await import('prom-client')
  const registry = new prom.Registry()
  const observe = sentimentMetricsRecorder(prom, registry, options.model)
  const endpoint = await serveMetrics(registry, options)
  return {...endpoint, observe}
}

/** The metric families and how an access-log entry updates them (separate from the HTTP side). */
export function sentimentMetricsRecorder(prom: typeof Prom, registry: Prom.Registry, model: string): (entry: AccessLogEntry) => void {
  const registers = [registry]
  const requests = new prom.Counter({name: 'sstream_sentiment_requests_total', help: 'HTTP requests answered, per path and status', labelNames: ['model', 'path', 'status'], registers})
  const texts = new prom.Counter({name: 'sstream_sentiment_texts_total', help: 'Texts classified', labelNames: ['model'], registers})
  const latency = new prom.Histogram({name: 'sstream_sentiment_request_seconds', help: 'Time to answer a request', labelNames: ['model', 'path'], buckets: LATENCY_BUCKETS_SECONDS, registers})
  prom.collectDefaultMetrics({register: registry})
  return (entry) => {
    const path = PATHS.has(entry.path) ? entry.path : 'other'
    requests.inc({model, path, status: String(entry.status)})
    if (entry.texts > 0) texts.inc({model}, entry.texts)
    latency.observe({model, path}, entry.durationMs / 1000)
  }
}
