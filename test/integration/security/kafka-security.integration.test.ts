/**
 * Kafka security against a real broker with secured listeners (one broker for the whole file): every
 * mechanism through both clients (kafkajs for admin and reading, sstream's own producer for the generators),
 * mutual TLS, and each failure of SPEC §9 as a clear, coded error naming the broker, within 10 s.
 */
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {inspect} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readConfig, type SstreamConfig} from '../../../src/core/config/index.js'
import {SstreamError} from '../../../src/core/errors.js'
import {runGenerator} from '../../../src/core/generators/index.js'
import {createGeneratorProducer, KafkaAdmin, readTopic} from '../../../src/core/kafka/index.js'
import {uniqueName} from '../../helpers/names.js'
import {startSecureBroker, type SecureBroker} from './secure-broker.js'

/** The functional bound of SPEC §9: a clear error within 10 s. */
const ERROR_BOUND_MS = 10_000

let broker: SecureBroker

function config(settings: Record<string, string>, env: NodeJS.ProcessEnv = {}): SstreamConfig {
  return readConfig(settings, env, {file: {contexts: {}}})
}

async function createTopic(): Promise<string> {
  const topic = uniqueName('t-secure')
  const admin = await KafkaAdmin.connect([broker.plaintext])
  try {
    await admin.ensureTopics([{topic, partitions: 3, replicationFactor: 1}])
  } finally {
    await admin.close()
  }
  return topic
}

/** Runs a start-up step expected to fail; returns the error and how long it took. */
async function failure(step: () => Promise<unknown>): Promise<{error: SstreamError; ms: number}> {
  const started = Date.now()
  try {
    await step()
  } catch (error) {
    const ms = Date.now() - started
    expect(error).toBeInstanceOf(SstreamError)
    const e = error as SstreamError
    // No secret in what a user sees.
    expect(`${e.message} ${e.nextSteps.join(' ')} ${JSON.stringify(e)}`).not.toContain(broker.user.password)
    return {error: e, ms}
  }
  throw new Error('the step succeeded')
}

/** Both clients: kafkajs (admin) and the generators' own producer. */
function bothClients(cfg: SstreamConfig, topic: string): Array<[string, () => Promise<unknown>]> {
  return [
    ['kafkajs admin', () => KafkaAdmin.connect(cfg.kafkaBrokers, {security: cfg.kafkaSecurity}).then((a) => a.close())],
    ['own producer', () => createGeneratorProducer({brokers: cfg.kafkaBrokers, security: cfg.kafkaSecurity, topic}).then((p) => p.close())],
  ]
}

describe('Kafka over TLS and SASL', () => {
  beforeAll(async () => {
    broker = await startSecureBroker()
  })

  afterAll(async () => {
    await broker?.destroy()
  })

  const saslSsl = (mechanism: string, extra: Record<string, string> = {}): SstreamConfig =>
    config({
      kafkaBrokers: broker.saslSsl,
      securityProtocol: 'SASL_SSL',
      saslMechanism: mechanism,
      saslUsername: broker.user.username,
      saslPasswordFile: broker.passwordFile,
      tlsCa: broker.tls.caFile,
      ...extra,
    })

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])('SASL_SSL with %s: the generator writes, the reader reads and the admin counts the same records', async (mechanism) => {
    const topic = await createTopic()
    const cfg = saslSsl(mechanism)
    const generated = await runGenerator({generator: 'orders', brokers: cfg.kafkaBrokers, security: cfg.kafkaSecurity, topic, rate: 'max', count: 1500, seed: 7})
    expect(generated.sent).toBe(1500)
    const keys: string[] = []
    await readTopic({brokers: cfg.kafkaBrokers, security: cfg.kafkaSecurity, topic, fromBeginning: true, exitAtEnd: true, onRecord: (r) => keys.push(r.key ?? '')})
    expect(keys).toHaveLength(1500)
    expect(new Set(keys).size).toBe(1500)
    const admin = await KafkaAdmin.connect(cfg.kafkaBrokers, {security: cfg.kafkaSecurity})
    try {
      expect((await admin.topicOffsets(topic)).records).toBe(1500)
    } finally {
      await admin.close()
    }
  })

  it('SSL with a client certificate (mutual TLS) and SASL_PLAINTEXT with PLAIN, the password from a variable', async () => {
    const topic = await createTopic()
    const mtls = config({kafkaBrokers: broker.ssl, tlsCa: broker.tls.caFile, tlsCert: broker.tls.clientCertFile, tlsKey: broker.tls.clientKeyFile})
    expect(mtls.kafkaSecurity.protocol).toBe('SSL')
    const plain = config(
      {kafkaBrokers: broker.saslPlaintext, saslMechanism: 'PLAIN', saslUsername: broker.user.username, saslPasswordEnv: 'TEST_KAFKA_PASSWORD'},
      {TEST_KAFKA_PASSWORD: broker.user.password},
    )
    expect(plain.kafkaSecurity.protocol).toBe('SASL_PLAINTEXT')
    for (const cfg of [mtls, plain]) {
      const result = await runGenerator({generator: 'scores', brokers: cfg.kafkaBrokers, security: cfg.kafkaSecurity, topic, rate: 'max', count: 200})
      expect(result.sent).toBe(200)
    }
    let records = 0
    await readTopic({brokers: mtls.kafkaBrokers, security: mtls.kafkaSecurity, topic, fromBeginning: true, exitAtEnd: true, onRecord: () => records++})
    expect(records).toBe(400)
  })

  it('a listener that requires mutual TLS, without a client certificate: KAFKA_TLS naming the alert and what to give, from both clients within 10 s', async () => {
    const topic = await createTopic()
    const cfg = config({kafkaBrokers: broker.ssl, tlsCa: broker.tls.caFile})
    for (const [client, step] of bothClients(cfg, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`no client certificate (${client}): ${error.code} in ${ms} ms: ${error.message}\n`)
      expect(error.code, client).toBe('KAFKA_TLS')
      expect(error.message, client).toBe(`Kafka at ${broker.ssl} ended the TLS handshake with the alert "bad certificate" (TLS alert 42): the listener wants a client certificate it trusts (mutual TLS).`)
      expect(error.nextSteps.join(' '), client).toContain('--tls-cert and --tls-key')
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
  })

  it('keeps the password out of the resolved configuration when it is printed or serialised', () => {
    const cfg = saslSsl('SCRAM-SHA-512')
    expect(cfg.kafkaSecurity.sasl?.password).toBe(broker.user.password)
    expect(JSON.stringify(cfg)).not.toContain(broker.user.password)
    expect(inspect(cfg, {depth: 10})).not.toContain(broker.user.password)
  })

  it('a wrong password: KAFKA_AUTH naming the broker, from both clients, within 10 s', async () => {
    const topic = await createTopic()
    // The variable holds a wrong password (readConfig reads the variable from the env it is given).
    const wrong = readConfig(
      {kafkaBrokers: broker.saslSsl, securityProtocol: 'SASL_SSL', saslMechanism: 'SCRAM-SHA-512', saslUsername: broker.user.username, saslPasswordEnv: 'WRONG', tlsCa: broker.tls.caFile},
      {WRONG: 'not-the-password'},
      {file: {contexts: {}}},
    )
    for (const [client, step] of bothClients(wrong, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`wrong password (${client}): ${error.code} in ${ms} ms\n`)
      expect(error.code, client).toBe('KAFKA_AUTH')
      expect(error.message, client).toContain(broker.saslSsl)
      expect(error.nextSteps.join(' '), client).toContain('password')
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
  })

  it('a mechanism the listener does not offer: KAFKA_AUTH from both clients within 10 s; an unknown one: a usage error', async () => {
    const topic = await createTopic()
    const cfg = config({kafkaBrokers: broker.saslPlaintext, securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'SCRAM-SHA-256', saslUsername: broker.user.username, saslPasswordFile: broker.passwordFile})
    for (const [client, step] of bothClients(cfg, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`mechanism not offered (${client}): ${error.code} in ${ms} ms: ${error.message}\n`)
      expect(error.code, client).toBe('KAFKA_AUTH')
      expect(error.message, client).toContain(broker.saslPlaintext)
      expect(error.message, client).toMatch(/mechanism/i)
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
    const {error} = await failure(async () => config({kafkaBrokers: broker.saslSsl, saslMechanism: 'GSSAPI', saslUsername: 'u', saslPasswordFile: broker.passwordFile}))
    expect(error.code).toBe('USAGE')
    expect(error.message).toContain('Unknown SASL mechanism GSSAPI')
    expect(error.nextSteps.join(' ')).toContain('SCRAM-SHA-512')
  })

  it('SASL on a listener without SASL: KAFKA_AUTH saying the port does not use SASL, from both clients within 10 s', async () => {
    const topic = await createTopic()
    const cfg = config({kafkaBrokers: broker.plaintext, securityProtocol: 'SASL_PLAINTEXT', saslMechanism: 'PLAIN', saslUsername: broker.user.username, saslPasswordFile: broker.passwordFile})
    for (const [client, step] of bothClients(cfg, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`SASL on a plaintext listener (${client}): ${error.code} in ${ms} ms: ${error.message}\n`)
      expect(error.code, client).toBe('KAFKA_AUTH')
      expect(error.message, client).toContain(broker.plaintext)
      expect(error.message, client).toContain('does not use SASL')
      expect(error.nextSteps.join(' '), client).toContain('SASL_PLAINTEXT / SASL_SSL listener')
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
  })

  it('TLS files that are not what their setting says: CONFIG_ERROR naming the file, before any connection', async () => {
    const topic = await createTopic()
    const {caFile, clientCertFile, clientKeyFile, serverKeyFile} = broker.tls
    const mtls = {kafkaBrokers: broker.ssl, tlsCa: caFile, tlsCert: clientCertFile, tlsKey: clientKeyFile}
    const cases: Array<[string, Record<string, string>, string, RegExp]> = [
      ['a certificate as the key', {...mtls, tlsKey: caFile}, caFile, /--tls-key file .* holds no PEM private key/],
      ['a key as the certificate', {...mtls, tlsCert: clientKeyFile}, clientKeyFile, /--tls-cert file .* holds no PEM certificate/],
      ['the password file as the CA', {...mtls, tlsCa: broker.passwordFile}, broker.passwordFile, /--tls-ca file .* holds no PEM certificate/],
      ["another certificate's key", {...mtls, tlsKey: serverKeyFile}, serverKeyFile, /do not belong together/],
    ]
    for (const [what, settings, file, message] of cases) {
      for (const client of [0, 1]) {
        // The settings are resolved inside the step, as a command does before it connects.
        const {error} = await failure(() => bothClients(config(settings), topic)[client][1]())
        process.stderr.write(`${what} (${client}): ${error.code}: ${error.message}\n`)
        expect(error.code, `${what}, ${client}`).toBe('CONFIG_ERROR')
        expect(error.message, `${what}, ${client}`).toMatch(message)
        expect(error.message, `${what}, ${client}`).toContain(file)
      }
    }
  })

  it('a password file: its first line whatever the line end (LF, CRLF, CR), and an empty one refused before connecting', async () => {
    const topic = await createTopic()
    const withFile = (passwordFile: string): SstreamConfig => saslSsl('SCRAM-SHA-256', {saslPasswordFile: passwordFile})
    for (const [name, text] of [['crlf', `${broker.user.password}\r\n`], ['cr', `${broker.user.password}\r`], ['no-line-end', broker.user.password]] as const) {
      const file = join(broker.dir, `password-${name}`)
      await writeFile(file, text, {mode: 0o600})
      const cfg = withFile(file)
      const result = await runGenerator({generator: 'scores', brokers: cfg.kafkaBrokers, security: cfg.kafkaSecurity, topic, rate: 'max', count: 10})
      expect(result.sent, name).toBe(10)
      const admin = await KafkaAdmin.connect(cfg.kafkaBrokers, {security: cfg.kafkaSecurity})
      await admin.close()
    }
    for (const [name, text] of [['empty', ''], ['blank-first-line', `\n${broker.user.password}\n`]] as const) {
      const file = join(broker.dir, `password-${name}`)
      await writeFile(file, text, {mode: 0o600})
      const {error} = await failure(async () => {
        const cfg = withFile(file)
        await KafkaAdmin.connect(cfg.kafkaBrokers, {security: cfg.kafkaSecurity}).then((a) => a.close())
      })
      expect(error.code, name).toBe('CONFIG_ERROR')
      expect(error.message, name).toContain(`The SASL password file ${file} is empty`)
    }
  })

  it('an untrusted certificate (no --tls-ca): KAFKA_TLS from both clients within 10 s', async () => {
    const topic = await createTopic()
    const cfg = config({kafkaBrokers: broker.saslSsl, securityProtocol: 'SASL_SSL', saslMechanism: 'PLAIN', saslUsername: broker.user.username, saslPasswordFile: broker.passwordFile})
    for (const [client, step] of bothClients(cfg, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`untrusted certificate (${client}): ${error.code} in ${ms} ms\n`)
      expect(error.code, client).toBe('KAFKA_TLS')
      expect(error.message, client).toContain(broker.saslSsl)
      expect(error.message, client).toMatch(/certificate/)
      expect(error.nextSteps.join(' '), client).toContain('--tls-ca')
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
  })

  it('a server name the certificate does not hold: KAFKA_TLS naming the mismatch and --tls-server-name, from both clients within 10 s', async () => {
    const topic = await createTopic()
    const cfg = saslSsl('SCRAM-SHA-512', {tlsServerName: 'kafka.elsewhere.example'})
    for (const [client, step] of bothClients(cfg, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`server name mismatch (${client}): ${error.code} in ${ms} ms: ${error.message}\n`)
      expect(error.code, client).toBe('KAFKA_TLS')
      expect(error.message, client).toContain(broker.saslSsl)
      expect(error.message, client).toContain('certificate for another name')
      expect(error.message, client).toContain('kafka.elsewhere.example')
      expect(error.nextSteps.join(' '), client).toContain('--tls-server-name')
      expect(error.nextSteps.join(' '), client).not.toContain('--tls-ca')
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
  })

  it('TLS to a plaintext port: KAFKA_TLS saying the port does not speak TLS, from both clients within 10 s', async () => {
    const topic = await createTopic()
    const cfg = config({kafkaBrokers: broker.plaintext, securityProtocol: 'SSL', tlsCa: broker.tls.caFile})
    for (const [client, step] of bothClients(cfg, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`TLS to a plaintext port (${client}): ${error.code} in ${ms} ms\n`)
      expect(error.code, client).toBe('KAFKA_TLS')
      expect(error.message, client).toContain(broker.plaintext)
      expect(error.message, client).toContain('does not speak TLS')
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
  })

  it('plaintext to a TLS port: KAFKA_TLS saying the port expects TLS, from both clients within 10 s', async () => {
    const topic = await createTopic()
    const cfg = config({kafkaBrokers: broker.ssl})
    for (const [client, step] of bothClients(cfg, topic)) {
      const {error, ms} = await failure(step)
      process.stderr.write(`plaintext to a TLS port (${client}): ${error.code} in ${ms} ms\n`)
      expect(error.code, client).toBe('KAFKA_TLS')
      expect(error.message, client).toContain(broker.ssl)
      expect(error.message, client).toContain('expects TLS')
      expect(error.nextSteps.join(' '), client).toContain('--security-protocol SSL')
      expect(ms, client).toBeLessThan(ERROR_BOUND_MS)
    }
  })
})
