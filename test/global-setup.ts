/**
 * Global setup of the integration and end-to-end tests: the tests talk to the real Kafka, MariaDB and
 * Redis. When Kafka does not answer, the local stack is brought up here (as `sstream stack up` does), so
 * that `npm test` passes on a fresh machine. The application database and user are created as
 * `sstream setup db` does.
 */
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readConfig} from '../src/core/config/index.js'
import {setupDb} from '../src/core/mariadb/index.js'
import {parseHostPort} from '../src/core/address.js'
import {probeTcp, stackUp} from '../src/core/stack/index.js'

/** Where the one set-up of a run is kept: both integration projects name this file (vitest.config.ts). */
const SET_UP = Symbol.for('sstream.test.global-setup')

/**
 * Vitest calls the global setup of each project, one after the other, in its own process. The services are
 * set up once: a second pass would load sstream's modules again in a process where kafkajs is already loaded,
 * which the kafkajs patches' check rightly refuses.
 */
export default function setup(): Promise<void> {
  const global = globalThis as {[SET_UP]?: Promise<void>}
  global[SET_UP] ??= setUpServices()
  return global[SET_UP]
}

async function setUpServices(): Promise<void> {
  // The tests never read a developer's contexts (~/.config/sstream): an empty config home, no context.
  process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'sstream-test-config-'))
  delete process.env.SSTREAM_CONTEXT
  const config = readConfig()
  const kafka = parseHostPort(config.kafkaBrokers[0] ?? 'localhost:9092', 9092)
  const reachable = (await probeTcp(kafka)).open
  if (!reachable) process.stderr.write(`Kafka does not answer on ${kafka.host}:${kafka.port}: bringing the local stack up…\n`)
  // stackUp is idempotent: it leaves running services alone and starts what is missing.
  const up = await stackUp(config, (message) => process.stderr.write(`${message}\n`))
  if (!up.healthy) {
    const down = up.services.filter((s) => !s.healthy).map((s) => `${s.service}: ${s.detail}`)
    throw new Error(`The test services are not healthy:\n${down.join('\n')}`)
  }
  await setupDb({url: config.mariadbUrl, adminUrl: process.env.SSTREAM_MARIADB_ADMIN_URL ?? 'mariadb://root@127.0.0.1:3306'})
}
