/**
 * Network addresses as people write them, parsed once: `host:port` (a Kafka broker, a listen address) and
 * service URLs. An IPv6 host is written in brackets (`[::1]:9092`); a bare IPv6 address takes the default port.
 */
import {SstreamError} from './errors.js'

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
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SstreamError('USAGE', `"${redactUrl(url)}" is not a URL.`, {nextSteps: ['Check the URL: scheme://user:password@host:port/… (a password with / ? # @ or : in it is written percent-encoded).']})
  }
  return {host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port ? Number(parsed.port) : defaultPort}
}

/**
 * The user-information part of what is written as a URL with a password (`scheme://user:password@…`), also
 * when it does not parse: a typo in the port, or a password with an unencoded `/`, `?` or `#`, must not have
 * the password printed with the error. Up to the last `@`, which may mask more than the password, never less.
 */
const WRITTEN_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)(.*)@/is

/** The password of a URL, also of one that does not parse as such; undefined when it has none. */
export function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined
  const parsed = URL.canParse(value) ? new URL(value) : undefined
  if (parsed?.password) return parsed.password
  // Parsed with a user and no password: none. Not parsed, or parsed with the user as the host ("app:12?@db" is
  // the host app on port 12): what is written as user:password@ is a password.
  if (parsed?.username) return undefined
  return WRITTEN_PASSWORD.exec(value)?.[2] || undefined
}

/** A URL for messages and displays: its password as ****, also in a URL that does not parse. */
export function redactUrl(url: string): string {
  if (urlPassword(url) === undefined) return url
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  if (!parsed?.password) return url.replace(WRITTEN_PASSWORD, '$1****@')
  parsed.password = '****'
  return parsed.toString().replace('%2A%2A%2A%2A', '****')
}
