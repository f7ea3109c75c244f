/**
 * A command told to use a topic that does not exist fails with TOPIC_MISSING, and its next step is a
 * command that creates that very topic: `sstream setup kafka --topic NAME` for a topic of the user's own
 * (setup kafka alone creates only sstream's nine), which then lets the command run.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {KafkaAdmin} from '../../src/core/kafka/index.js'
import {lastJson, runCli} from '../helpers/cli.js'
import {uniqueName} from '../helpers/names.js'
import {testConfig} from '../helpers/services.js'

const created: string[] = []

afterAll(async () => {
  if (created.length === 0) return
  const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
  try {
    await admin.deleteTopics(created)
  } finally {
    await admin.close()
  }
})

interface CliError {
  error: {code: string; message: string; nextSteps: string[]}
}

describe('a topic of your own that does not exist yet', () => {
  it('gen, tail and run name the command that creates it, and that command works', async () => {
    const topic = uniqueName('own-orders')
    const deadLetters = uniqueName('own-dlq')
    const failures = await Promise.all([
      runCli(['gen', 'orders', '--topic', topic, '--count', '1', '--json']),
      runCli(['tail', topic, '--json']),
      runCli(['run', 'alerts', '--input-topic', topic, '--group-id', uniqueName('own'), '--until-idle', '--json']),
    ])
    for (const failure of failures) {
      expect(failure.code, failure.stderr).toBe(1)
      const {error} = lastJson<CliError>(failure.stdout)
      expect(error.code).toBe('TOPIC_MISSING')
      expect(error.message).toContain(topic)
      expect(error.nextSteps.join(' ')).toContain(`\`sstream setup kafka --topic ${topic}\``)
    }

    const setup = await runCli(['setup', 'kafka', '--topic', topic, '--topic', deadLetters, '--json'])
    created.push(topic, deadLetters)
    expect(setup.code, setup.stderr).toBe(0)
    const result = lastJson<{created: number; topics: Array<{topic: string; status: string}>}>(setup.stdout)
    expect(result.topics.map((t) => [t.topic, t.status])).toEqual([
      [topic, 'created'],
      [deadLetters, 'created'],
    ])

    const gen = await runCli(['gen', 'orders', '--topic', topic, '--count', '3', '--json'])
    expect(gen.code, gen.stderr).toBe(0)
    expect(lastJson<{sent: number}>(gen.stdout).sent).toBe(3)
    // A second run creates nothing.
    const again = await runCli(['setup', 'kafka', '--topic', topic, '--json'])
    expect(lastJson<{existing: number}>(again.stdout).existing).toBe(1)
  })
})
