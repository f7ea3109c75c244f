/**
 * A private single-node broker with secured listeners, for the security tests: PLAINTEXT (for set-up and as
 * the plaintext target of negative tests), SSL with client certificates required, SASL_PLAINTEXT and SASL_SSL
 * (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). The CA and certificates are made here with openssl, the SCRAM user
 * with the storage tool of the local stack's jars. The shared broker is never touched.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {randomBytes} from 'node:crypto'
import {mkdtemp, open, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {KafkaAdmin} from '../../../src/core/kafka/index.js'
import {resourcePath} from '../../../src/core/paths.js'
import {brokerPaths, clusterId, ensureBrokerJars} from '../../../src/core/stack/index.js'
import {createTlsFiles, scramFormatArgs, secureBrokerProperties, type SecureUser, type TlsFiles} from '../../../src/core/stack/security.js'
import {freePort, runJava} from '../../helpers/processes.js'

export interface SecureBroker {
  dir: string
  tls: TlsFiles
  user: SecureUser
  /** A file holding the user's password (for --sasl-password-file). */
  passwordFile: string
  plaintext: string
  ssl: string
  saslPlaintext: string
  saslSsl: string
  destroy(): Promise<void>
}

export async function startSecureBroker(): Promise<SecureBroker> {
  const paths = await brokerPaths()
  await ensureBrokerJars(paths)
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
  const dir = await mkdtemp(join(tmpdir(), 'sstream-secure-broker-'))
  const tls = await createTlsFiles(join(dir, 'tls'))
  const user: SecureUser = {username: 'sstream-test', password: randomBytes(12).toString('hex')}
  const passwordFile = join(dir, 'password')
  await writeFile(passwordFile, `${user.password}\n`, {mode: 0o600})
  const [port, controllerPort, ssl, saslPlaintext, saslSsl] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()])
  const values: Record<string, string> = {host: 'localhost', port: String(port), controllerPort: String(controllerPort), dataDir: join(dir, 'data')}
  const template = await readFile(resourcePath('kafka', 'server.properties'), 'utf8')
  const rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? '')
  const config = join(dir, 'server.properties')
  await writeFile(config, secureBrokerProperties(rendered, 'localhost', {ssl, saslPlaintext, saslSsl}, tls, user))
  const classpath = ['-cp', join(paths.jarsDir, '*'), `-Dlog4j2.configurationFile=${resourcePath('kafka', 'log4j2.yaml')}`]
  await runJava(java, [...classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config, '--standalone', ...scramFormatArgs(user)])

  const log = await open(join(dir, 'broker.log'), 'a')
  const child: ChildProcess = spawn(java, ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', ...classpath, 'kafka.Kafka', config], {stdio: ['ignore', log.fd, log.fd]})
  await log.close()
  const plaintext = `localhost:${port}`
  const deadline = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the secure broker exited with ${child.exitCode}; see ${join(dir, 'broker.log')}`)
    try {
      const admin = await KafkaAdmin.connect([plaintext])
      await admin.close()
      break
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 300))
    }
  }
  return {
    dir,
    tls,
    user,
    passwordFile,
    plaintext,
    ssl: `localhost:${ssl}`,
    saslPlaintext: `localhost:${saslPlaintext}`,
    saslSsl: `localhost:${saslSsl}`,
    destroy: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit')
        child.kill('SIGKILL')
        await exited
      }
      await rm(dir, {recursive: true, force: true})
    },
  }
}
