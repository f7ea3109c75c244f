/**
 * Network addresses as people write them, parsed once: `host:port` (a Kafka broker, a listen address) and
 * service URLs. An IPv6 host is written in brackets (`[::1]:9092`); a bare IPv6 address takes the default port.
 */

/** Kafka's port when a broker address names none. */
export const DEFAULT_KAFKA_PORT = 9092

export interface Endpoint {
  host: string
  port: number
}

/** `host:port`, `[v6]:port`, or a host alone (with `defaultPort`); surrounding blanks are ignored. */
export function parseHostPort(address: string, defaultPort: number): Endpoint {
  const text = address.trim()
  const m = /^\[(.+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text)
  if (m) return {host: m[1], port: Number(m[2])}
  return {host: text.replace(/^\[|\]$/g, ''), port: defaultPort}
}

/** The host and port of a service URL (`redis://…`, `mariadb://…`), with `defaultPort` when it names none. */
export function endpointOfUrl(url: string, defaultPort: number): Endpoint {
  const parsed = new URL(url)
  return {host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : defaultPort}
}
