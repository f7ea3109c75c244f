/**
 * A processor stopped (SIGTERM) while its first join waits for a member slow to rejoin leaves the group: it
 * exits at once with its summary, the group keeps only the members that run, and a later `--until-idle` run
 * reads the whole input. Before, the process was cut short at the exit deadline with its JoinGroup pending;
 * the coordinator kept it as a member, gave it partitions, and nobody read them until its session timed out.
 */
import type {Kafka} from 'kafkajs'
import {afterAll, describe, expect, it} from 'vitest'

import {TestServices} from '../../helpers/services.js'
import {expectedAlerts, keyValues, seedAlerts} from './alerts-data.js'
import {createTopics, kafkaClient, produce, readCommitted} from './fixtures.js'
import {startProcessor, type Processor} from './processor.js'

const services = new TestServices()

/**
 * Topics and 3,000 alerts for a group, the `run alerts` arguments on them, and the check that a last
 * `--until-idle` run read them all and the outputs hold each result once.
 */
async function alertsOfGroup(name: string, seed: number) {
  const groupId = services.groupId(name)
  const [input, critical, high, deadLetters] = await createTopics(services, ['alerts', 'critical', 'high', 'dlq'], {groups: [groupId]})
  const records = seedAlerts({count: 3000, seed, start: new Date(2024, 5, 1, 9, 0, 0).getTime(), stepMs: 1500})
  const expected = expectedAlerts(records)
  await produce(input, records)
  const args = ['run', 'alerts', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', high, '--deadletter-topic', deadLetters]
  const expectAllOnce = async (last: Processor): Promise<void> => {
    expect((await last.exited).code, last.stderr()).toBe(0)
    expect(last.events.find((e) => e.type === 'summary')).toMatchObject({stoppedBy: 'until-idle', recordsIn: records.length})
    expect(keyValues(await readCommitted(critical))).toEqual(expected.critical)
    expect(keyValues(await readCommitted(high))).toEqual(expected.highVolume)
  }
  return {groupId, input, args, expectAllOnce}
}

/**
 * A member that is slow to rejoin: it holds its first batch, heartbeating, until released. The coordinator
 * waits for it (up to its rebalance timeout) before any join of the group completes.
 */
async function slowMember(kafka: Kafka, groupId: string, input: string) {
  const consumer = kafka.consumer({groupId, sessionTimeout: 10_000, rebalanceTimeout: 60_000})
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  services.defer(async () => {
    release()
    await consumer.disconnect()
  })
  await consumer.connect()
  await consumer.subscribe({topics: [input], fromBeginning: true})
  let holding!: () => void
  const held = new Promise<void>((resolve) => (holding = resolve))
  let rebalancing!: () => void
  const rebalanceSeen = new Promise<void>((resolve) => (rebalancing = resolve))
  let first = true
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({heartbeat}) => {
      if (!first) return
      first = false
      holding()
      const beat = setInterval(() => heartbeat().catch(() => rebalancing()), 500)
      await released
      clearInterval(beat)
    },
  })
  return {consumer, held, rebalanceSeen, release}
}

afterAll(async () => {
  await services.cleanup()
})

describe('a processor stopped while it joins its group', () => {
  it('leaves the group at once, with its summary, and takes no partitions from the next run', async () => {
    const {groupId, input, args, expectAllOnce} = await alertsOfGroup('stop-joining', 8)

    const kafka = kafkaClient()
    const slow = await slowMember(kafka, groupId, input)
    await slow.held

    const joining = startProcessor(args)
    services.defer(async () => joining.kill('SIGKILL'))
    await joining.waitForEvent((e) => e.type === 'started')
    // Its JoinGroup has reached the coordinator: the group is rebalancing, waiting for the slow member.
    await slow.rebalanceSeen
    joining.kill('SIGTERM')
    const exit = await joining.exited
    expect(exit.code, joining.stderr()).toBe(130)
    expect(joining.stderr()).not.toContain('did not close in time')
    expect(joining.events.find((e) => e.type === 'summary')).toMatchObject({stoppedBy: 'signal', recordsIn: 0})

    // Only the slow member is left in the group: the stopped one withdrew its join.
    const admin = kafka.admin()
    await admin.connect()
    const {groups} = await admin.describeGroups([groupId])
    await admin.disconnect()
    expect(groups[0].members.map((m) => m.clientId)).toEqual(['sstream-test'])

    slow.release()
    await slow.consumer.disconnect()
    const last = startProcessor([...args, '--idle-timeout', '2s', '--until-idle'])
    services.defer(async () => last.kill('SIGKILL'))
    await expectAllOnce(last)
  })

  it('killed while it joins, it holds partitions until its session ends: an --until-idle run that joined beside it waits for them', async () => {
    const {groupId, input, args, expectAllOnce} = await alertsOfGroup('kill-joining', 9)

    const kafka = kafkaClient()
    const admin = kafka.admin()
    await admin.connect()
    services.defer(() => admin.disconnect())
    const members = async (count: number): Promise<void> => {
      const deadline = Date.now() + 30_000
      for (;;) {
        const {groups} = await admin.describeGroups([groupId])
        if (groups[0].members.length === count) return
        if (Date.now() > deadline) throw new Error(`the group has ${groups[0].members.length} members, not ${count}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const slow = await slowMember(kafka, groupId, input)
    await slow.held

    // Killed once the coordinator has counted its join in: the round will give it partitions nobody reads.
    const ghost = startProcessor(args)
    services.defer(async () => ghost.kill('SIGKILL'))
    await ghost.waitForEvent((e) => e.type === 'started')
    await members(2)
    ghost.kill('SIGKILL')
    await ghost.exited

    const last = startProcessor([...args, '--idle-timeout', '2s', '--until-idle'])
    services.defer(async () => last.kill('SIGKILL'))
    await last.waitForEvent((e) => e.type === 'started')
    await members(3)
    // The round completes with the slow member, the killed one and the last run; the slow one then leaves.
    slow.release()
    await last.waitForEvent((e) => e.type === 'assigned')
    await slow.consumer.disconnect()

    await expectAllOnce(last)
  })
})
