/**
 * Secured listeners for a local broker: a private CA and a broker certificate made with openssl (PEM files,
 * which Kafka reads directly), and the broker settings for SSL (mutual TLS), SASL_PLAINTEXT and SASL_SSL
 * listeners with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. SCRAM users are created when the storage is
 * formatted (`kafka-storage format --add-scram`). Used by `sstream stack up --security sasl-ssl` and by the tests.
 */
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {SstreamError} from '../errors.js'
import {findExecutable, runProgram} from './process.js'

export interface TlsFiles {
  /** The CA certificate clients trust (--tls-ca). */
  caFile: string
  caKeyFile: string
  /** The broker's private key and certificate chain in one PEM file (Kafka's PEM keystore). */
  brokerKeystoreFile: string
  /** The same certificate and key apart (for other servers on the host: Redis, MariaDB). */
  serverCertFile: string
  serverKeyFile: string
  /** A client certificate and key signed by the CA, for mutual TLS. */
  clientCertFile: string
  clientKeyFile: string
}

export interface SecureUser {
  username: string
  password: string
}

export interface SecureListenerPorts {
  /** SSL with client certificates required (mutual TLS). */
  ssl?: number
  saslPlaintext?: number
  saslSsl: number
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const bin = await findExecutable('openssl')
  if (!bin) throw new SstreamError('STACK_ERROR', 'openssl is not installed; it makes the certificates of the secured listeners.', {nextSteps: ['Install it (e.g. `apt-get install openssl`).']})
  const result = await runProgram(bin, args, {cwd})
  if (result.code !== 0) throw new SstreamError('STACK_ERROR', `openssl ${args[0]} failed: ${(result.stdout + result.stderr).trim().split('\n').slice(-3).join(' ')}`)
}

/** Where createTlsFiles puts each file in `dir`. */
function tlsFilesIn(dir: string): TlsFiles {
  return {
    caFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca.key'),
    brokerKeystoreFile: join(dir, 'broker-keystore.pem'),
    serverCertFile: join(dir, 'broker.pem'),
    serverKeyFile: join(dir, 'broker.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
  }
}

/** Makes a CA, a broker certificate for `hosts` (DNS names and IP addresses) and a client certificate, in `dir`. */
export async function createTlsFiles(dir: string, hosts: string[] = ['localhost', '127.0.0.1']): Promise<TlsFiles> {
  await mkdir(dir, {recursive: true, mode: 0o700})
  const files = tlsFilesIn(dir)
  const days = '3650'
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', '/CN=sstream local CA'], dir)
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',')
  await writeFile(join(dir, 'broker.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`)
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n')
  for (const [name, subject] of [
    ['broker', `/CN=${hosts[0]}`],
    ['client', '/CN=sstream-client'],
  ] as const) {
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir)
    await openssl(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', days, '-extfile', `${name}.ext`],
      dir,
    )
  }
  const brokerKey = await readFile(join(dir, 'broker.key'), 'utf8')
  const brokerCert = await readFile(join(dir, 'broker.pem'), 'utf8')
  await writeFile(files.brokerKeystoreFile, `${brokerKey.trim()}\n${brokerCert.trim()}\n`, {mode: 0o600})
  return files
}

/**
 * Rewrites a broker's server.properties (rendered from resources/kafka/server.properties) so that it also
 * listens with SSL (mutual TLS), SASL_PLAINTEXT (PLAIN only) and SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) on
 * the given ports, with `user` known to PLAIN.
 * SCRAM users are added at format time (scramFormatArgs).
 */
export function secureBrokerProperties(properties: string, host: string, ports: SecureListenerPorts, tls: TlsFiles, user: SecureUser): string {
  const extra: Array<[string, number | undefined]> = [
    ['SSL', ports.ssl],
    ['SASL_PLAINTEXT', ports.saslPlaintext],
    ['SASL_SSL', ports.saslSsl],
  ]
  const listeners = extra.filter(([, port]) => port !== undefined).map(([name, port]) => `${name}://${host}:${port}`)
  const saslListeners = extra.filter(([name, port]) => port !== undefined && name.startsWith('SASL')).map(([name]) => name.toLowerCase())
  const jaasEscape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
  const lines = properties
    .split('\n')
    .map((line) => {
      if (line.startsWith('listeners=')) return `${line},${listeners.join(',')}`
      if (line.startsWith('advertised.listeners=')) return `${line},${listeners.join(',')}`
      if (line.startsWith('listener.security.protocol.map=')) return `${line},SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL`
      return line
    })
  lines.push(
    '',
    '# Secured listeners (sstream stack up --security sasl-ssl)',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${tls.brokerKeystoreFile}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${tls.caFile}`,
    'listener.name.ssl.ssl.client.auth=required',
  )
  // SASL_PLAINTEXT offers PLAIN only: a listener that lacks a mechanism, as many clusters do.
  if (ports.saslPlaintext !== undefined) lines.push('listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN')
  for (const listener of saslListeners) {
    lines.push(
      `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${user.username}="${jaasEscape(user.password)}";`,
      `listener.name.${listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
      `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** The StorageTool arguments that create `user` for both SCRAM mechanisms. */
export function scramFormatArgs(user: SecureUser): string[] {
  return ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${user.username},password=${user.password}]`])
}

/** What `sstream stack up --security sasl-ssl` sets up next to the local broker, and how to connect. */
export interface LocalSecureListener {
  /** host:port of the SASL_SSL listener. */
  brokers: string
  caFile: string
  username: string
  /** The file that holds the password (mode 0600); the password itself is never printed. */
  passwordFile: string
}

export const LOCAL_SECURE_USER = 'sstream'

/** The local stack's CA, certificates and SCRAM password under its home, made once. */
export async function ensureLocalSecurity(home: string, host: string): Promise<{tls: TlsFiles; user: SecureUser; passwordFile: string}> {
  const dir = join(home, 'tls')
  const made = tlsFilesIn(dir)
  const tls: TlsFiles = existsSync(made.brokerKeystoreFile) ? made : await createTlsFiles(dir, [...new Set([host, 'localhost', '127.0.0.1'])])
  const passwordFile = join(home, 'sasl-password')
  if (!existsSync(passwordFile)) await writeFile(passwordFile, `${randomBytes(16).toString('hex')}\n`, {mode: 0o600})
  const password = (await readFile(passwordFile, 'utf8')).split('\n')[0]
  return {tls, user: {username: LOCAL_SECURE_USER, password}, passwordFile}
}

/**
 * Creates (or updates) the SCRAM credentials of `user` on a running broker with Kafka's own ConfigCommand,
 * through its PLAINTEXT listener.
 */
export async function addScramUser(java: string, classpath: string[], bootstrap: string, user: SecureUser): Promise<void> {
  // One mechanism per request: Kafka refuses to alter one user's credentials twice in a request.
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const result = await runProgram(java, [
      ...classpath,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      bootstrap,
      '--alter',
      '--add-config',
      `${mechanism}=[password=${user.password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      user.username,
    ])
    if (result.code !== 0) {
      const output = (result.stdout + result.stderr).replaceAll(user.password, '****')
      throw new SstreamError('STACK_ERROR', `Creating the SCRAM user ${user.username} failed: ${output.trim().split('\n').slice(-3).join(' ')}`)
    }
  }
}
