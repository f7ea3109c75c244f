import {inspect} from 'node:util'

import {describe, expect, it} from 'vitest'

import {kafkaClientSettings} from '../../../src/core/kafka/settings.js'
import {holdsSecret, maskSetting, readConfig, settingSource, type ContextsFile} from '../../../src/core/config/index.js'

const FILE: ContextsFile = {
  currentContext: 'prod',
  contexts: {
    prod: {
      brokers: 'p1:9093,p2:9093',
      'security-protocol': 'SASL_SSL',
      'sasl-mechanism': 'SCRAM-SHA-512',
      'sasl-username': 'alice',
      'sasl-password-env': 'PROD_PASSWORD',
      'redis-url': 'rediss://:secret@redis.example.com:6380',
    },
    staging: {brokers: 's1:9092', 'mariadb-url': 'mariadb://u:p@db:3306/streaming'},
    stored: {brokers: 'x:1', 'security-protocol': 'SASL_PLAINTEXT', 'sasl-mechanism': 'PLAIN', 'sasl-username': 'bob', 'sasl-password': 'hunter2'},
  },
}

describe('configuration precedence: flags > environment > context > defaults', () => {
  const env = {PROD_PASSWORD: 'pw-from-var'}

  it('takes the current context over the defaults', () => {
    const config = readConfig({}, env, {file: FILE})
    expect(config.context).toBe('prod')
    expect(config.kafkaBrokers).toEqual(['p1:9093', 'p2:9093'])
    expect(config.redisUrl).toBe('rediss://:secret@redis.example.com:6380')
    expect(config.mariadbUrl).toBe('mariadb://streaming:streaming@127.0.0.1:3306/streaming')
    expect(config.kafkaSecurity).toMatchObject({protocol: 'SASL_SSL', sasl: {mechanism: 'SCRAM-SHA-512', username: 'alice'}, tls: {}})
    expect(config.kafkaSecurity.sasl?.password).toBe('pw-from-var')
  })

  it('takes the environment over the context, and flags over both', () => {
    const withEnv = {...env, SSTREAM_KAFKA_BROKERS: 'e:1', SSTREAM_KAFKA_SASL_USERNAME: 'env-user'}
    expect(readConfig({}, withEnv, {file: FILE}).kafkaBrokers).toEqual(['e:1'])
    expect(readConfig({}, withEnv, {file: FILE}).kafkaSecurity.sasl?.username).toBe('env-user')
    expect(readConfig({kafkaBrokers: 'f:1'}, withEnv, {file: FILE}).kafkaBrokers).toEqual(['f:1'])
    expect(settingSource('kafkaBrokers', {kafkaBrokers: 'f:1'}, withEnv, {file: FILE})).toBe('flag')
    expect(settingSource('kafkaBrokers', {}, withEnv, {file: FILE})).toBe('env')
    expect(settingSource('redisUrl', {}, withEnv, {file: FILE})).toBe('context')
    expect(settingSource('sentimentUrl', {}, withEnv, {file: FILE})).toBe('default')
  })

  it('selects a context by --context, then SSTREAM_CONTEXT, then the current one', () => {
    expect(readConfig({}, {SSTREAM_CONTEXT: 'staging'}, {file: FILE}).kafkaBrokers).toEqual(['s1:9092'])
    expect(readConfig({}, {SSTREAM_CONTEXT: 'staging'}, {file: FILE, context: 'stored'}).kafkaBrokers).toEqual(['x:1'])
    expect(() => readConfig({}, {}, {file: FILE, context: 'nope'})).toThrow(/no context named nope/)
    expect(readConfig({}, {}, {file: {contexts: {}}}).context).toBeUndefined()
  })

  it('takes the password source of the highest layer that names one', () => {
    expect(readConfig({}, {}, {file: FILE, context: 'stored'}).kafkaSecurity.sasl?.password).toBe('hunter2')
    expect(readConfig({}, {SSTREAM_KAFKA_SASL_PASSWORD: 'from-env'}, {file: FILE, context: 'stored'}).kafkaSecurity.sasl?.password).toBe('from-env')
    expect(readConfig({saslPasswordEnv: 'MINE'}, {MINE: 'from-flag', SSTREAM_KAFKA_SASL_PASSWORD: 'from-env'}, {file: FILE, context: 'stored'}).kafkaSecurity.sasl?.password).toBe(
      'from-flag',
    )
  })

  it('says which setting named a password variable that is not set', () => {
    expect(() => readConfig({}, {}, {file: FILE})).toThrow("The SASL password variable PROD_PASSWORD (named by the context's sasl-password-env) is not set.")
    expect(() => readConfig({saslPasswordEnv: 'MINE'}, {}, {file: FILE})).toThrow('The SASL password variable MINE (named by --sasl-password-env) is not set.')
    expect(() => readConfig({}, {SSTREAM_KAFKA_SASL_PASSWORD_ENV: 'THEIRS'}, {file: FILE})).toThrow(
      'The SASL password variable THEIRS (named by SSTREAM_KAFKA_SASL_PASSWORD_ENV) is not set.',
    )
  })

  it('infers the protocol from SASL and TLS settings, and refuses contradictions', () => {
    const none = {file: {contexts: {}}}
    expect(readConfig({saslMechanism: 'PLAIN', saslUsername: 'u'}, {SSTREAM_KAFKA_SASL_PASSWORD: 'p'}, none).kafkaSecurity.protocol).toBe('SASL_PLAINTEXT')
    expect(readConfig({tlsServerName: 'kafka.example.com'}, {}, none).kafkaSecurity).toEqual({protocol: 'SSL', tls: {serverName: 'kafka.example.com'}})
    expect(() => readConfig({securityProtocol: 'PLAINTEXT', saslMechanism: 'PLAIN'}, {}, none)).toThrow(/SASL settings are given/)
    expect(() => readConfig({securityProtocol: 'SASL_SSL'}, {}, none)).toThrow(/needs a SASL mechanism/)
    expect(() => readConfig({securityProtocol: 'TLS'}, {}, none)).toThrow(/Unknown Kafka security protocol/)
  })

  it('a protocol named in a higher layer leaves the lower layers’ TLS and SASL settings unused, and names where it came from on a contradiction', () => {
    const secured: ContextsFile = {
      currentContext: 'secured',
      contexts: {secured: {brokers: 'k:9093', 'security-protocol': 'SASL_SSL', 'sasl-mechanism': 'PLAIN', 'sasl-username': 'u', 'sasl-password': 'p', 'tls-server-name': 'kafka.example.com'}},
    }
    expect(readConfig({}, {}, {file: secured}).kafkaSecurity).toMatchObject({protocol: 'SASL_SSL', tls: {serverName: 'kafka.example.com'}, sasl: {username: 'u'}})
    const saslPlaintext = readConfig({}, {SSTREAM_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT'}, {file: secured}).kafkaSecurity
    expect(saslPlaintext).toMatchObject({protocol: 'SASL_PLAINTEXT', sasl: {mechanism: 'PLAIN', username: 'u'}})
    expect(saslPlaintext.tls).toBeUndefined()
    expect(readConfig({securityProtocol: 'SSL'}, {}, {file: secured}).kafkaSecurity).toEqual({protocol: 'SSL', tls: {serverName: 'kafka.example.com'}})
    expect(readConfig({securityProtocol: 'PLAINTEXT'}, {}, {file: secured}).kafkaSecurity).toEqual({protocol: 'PLAINTEXT'})
    // A setting of a higher layer than the protocol is the user's word against it: an error naming both.
    expect(() => readConfig({saslUsername: 'v'}, {SSTREAM_KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT'}, {file: secured})).toThrow(
      'SASL settings are given but the security protocol is PLAINTEXT (SSTREAM_KAFKA_SECURITY_PROTOCOL).',
    )
    expect(() => readConfig({tlsServerName: 'k'}, {}, {file: {currentContext: 'p', contexts: {p: {'security-protocol': 'SASL_PLAINTEXT'}}}})).toThrow(
      "TLS settings are given but the security protocol is SASL_PLAINTEXT (the context's security-protocol).",
    )
  })

  it('never shows a password: not enumerable on the configuration, masked in contexts', () => {
    const config = readConfig({}, env, {file: FILE})
    expect(JSON.stringify(config)).not.toContain('pw-from-var')
    expect(inspect(config, {depth: 10})).not.toContain('pw-from-var')
    expect(maskSetting('sasl-password', 'hunter2')).toBe('****')
    expect(maskSetting('redis-url', 'rediss://:secret@redis.example.com:6380')).toBe('rediss://:****@redis.example.com:6380')
    expect(maskSetting('brokers', 'p1:9093')).toBe('p1:9093')
    expect(holdsSecret(FILE.contexts.prod)).toBe(true)
    expect(holdsSecret({brokers: 'a:1', 'sasl-password-env': 'X'})).toBe(false)
  })

  it('builds both clients’ settings in one place', () => {
    const settings = kafkaClientSettings(readConfig({}, env, {file: FILE}).kafkaSecurity)
    expect(settings.tls).toEqual({rejectUnauthorized: true})
    expect(settings.sasl).toEqual({mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'pw-from-var'})
    expect(settings.kafkajsSasl).toEqual({mechanism: 'scram-sha-512', username: 'alice', password: 'pw-from-var'})
    expect(kafkaClientSettings({protocol: 'PLAINTEXT'})).toEqual({})
  })
})
