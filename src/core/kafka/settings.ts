/**
 * The one place that turns sstream's resolved Kafka security (src/core/config) into client settings: the
 * kafkajs `ssl` / `sasl` options, and the TLS options and SASL credentials of sstream's own connections
 * (wire.ts, used by the generators' producer). Both clients therefore always agree.
 */
import type {ConnectionOptions} from 'node:tls'

import type {SASLOptions} from 'kafkajs'

import type {KafkaSecurity} from '../config/index.js'
import type {SaslCredentials} from './protocol/sasl.js'

export interface KafkaClientSettings {
  /** TLS options for node:tls (undefined: plaintext). */
  tls?: ConnectionOptions
  /** SASL credentials for sstream's own connections (undefined: no authentication). */
  sasl?: SaslCredentials
  /** The same credentials in kafkajs's shape. */
  kafkajsSasl?: SASLOptions
}

export function kafkaClientSettings(security: KafkaSecurity | undefined): KafkaClientSettings {
  if (!security) return {}
  const settings: KafkaClientSettings = {}
  if (security.tls) {
    const {ca, cert, key, serverName} = security.tls
    settings.tls = {
      rejectUnauthorized: true,
      ...(ca ? {ca: [ca]} : {}),
      ...(cert ? {cert} : {}),
      ...(key ? {key} : {}),
      ...(serverName ? {servername: serverName} : {}),
    }
  }
  if (security.sasl) {
    const {mechanism, username, password} = security.sasl
    settings.sasl = {mechanism, username, password}
    const lower = mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512'
    settings.kafkajsSasl = {mechanism: lower, username, password} as SASLOptions
  }
  return settings
}
