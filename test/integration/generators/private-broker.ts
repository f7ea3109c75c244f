/**
 * A private single-node Kafka broker for tests that stop and restart a broker: its own ports, its own data
 * directory, the jars of the local stack (fetched once by `sstream stack up`'s Maven step). The shared broker
 * on 9092 is never touched.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {once} from 'node:events'
import {mkdtemp, open, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {KafkaAdmin} from '../../../src/core/kafka/index.js'
import {resourcePath} from '../../../src/core/paths.js'
import {brokerPaths, clusterId, ensureBrokerJars} from '../../../src/core/stack/index.js'
import {freePort, runJava} from '../../helpers/processes.js'

export interface PrivateBroker {
  brokers: string[]
  /** Stops the broker process (SIGKILL: a crash; SIGTERM: a clean shutdown). */
  stop(signal?: NodeJS.Signals): Promise<void>
  /** Starts it again on the same ports and data, and waits until it serves requests. */
  start(): Promise<void>
  /** Stops it and removes its data. */
  destroy(): Promise<void>
}

/**
 * `advertise`: the broker tells clients to connect to 127.0.0.1 on the port this returns for its own (a proxy
 * in front of it, started before the broker); the broker's own port still serves the start-up check.
 */
export async function startPrivateBroker(options: {advertise?: (port: number) => Promise<number>} = {}): Promise<PrivateBroker> {
  const paths = await brokerPaths()
  await ensureBrokerJars(paths)
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
  const dir = await mkdtemp(join(tmpdir(), 'sstream-private-broker-'))
  const port = await freePort()
  const controllerPort = await freePort()
  const values: Record<string, string> = {host: 'localhost', port: String(port), controllerPort: String(controllerPort), dataDir: join(dir, 'data')}
  const template = await readFile(resourcePath('kafka', 'server.properties'), 'utf8')
  const config = join(dir, 'server.properties')
  let properties = template.replace(/\$\{(\w+)\}/g, (_, name: string) => values[name] ?? '')
  if (options.advertise) properties = properties.replace(/^advertised\.listeners=.*$/m, `advertised.listeners=PLAINTEXT://127.0.0.1:${await options.advertise(port)}`)
  await writeFile(config, properties)
  const classpath = ['-cp', join(paths.jarsDir, '*'), `-Dlog4j2.configurationFile=${resourcePath('kafka', 'log4j2.yaml')}`]
  await runJava(java, [...classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config, '--standalone'])

  const brokers = [`localhost:${port}`]
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    const log = await open(join(dir, 'broker.log'), 'a')
    child = spawn(java, ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', ...classpath, 'kafka.Kafka', config], {stdio: ['ignore', log.fd, log.fd]})
    await log.close()
    const deadline = Date.now() + 90_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the private broker exited with ${child.exitCode}; see ${join(dir, 'broker.log')}`)
      try {
        const admin = await KafkaAdmin.connect(brokers)
        await admin.close()
        return
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((r) => setTimeout(r, 300))
      }
    }
  }
  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = child
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = once(running, 'exit')
    running.kill(signal)
    await exited
  }
  await start()
  return {
    brokers,
    stop,
    start,
    destroy: async () => {
      await stop('SIGKILL')
      await rm(dir, {recursive: true, force: true})
    },
  }
}
