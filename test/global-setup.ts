/**
 * Global setup of the integration and end-to-end tests: the tests talk to the real Kafka, MariaDB and
 * Redis. When Kafka does not answer, the local stack is brought up here (as `sstream stack up` does), so
 * that `npm test` passes on a fresh machine. The application database and user are created as
 * `sstream setup db` does.
 */
import {readConfig} from '../src/core/config/index.js'
import {setupDb} from '../src/core/mariadb/index.js'
import {parseHostPort, probeTcp, stackUp} from '../src/core/stack/index.js'

export default async function setup(): Promise<void> {
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
