/**
 * What a run says it writes to: each output is named where it lives (its table, Redis key or topic), in the
 * start line, the stats events, the summary line and the --json summary, so that an output moved with a flag
 * (--output-topic, --critical-topic) is named as the user named it. Through the built CLI.
 */
import {afterAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'
import {TestServices} from '../helpers/services.js'
import {createTopics} from '../integration/stream/fixtures.js'

const services = new TestServices()
afterAll(() => services.cleanup())

interface Event {
  type: string
  outputs?: string[] | Record<string, number>
  recordsOut?: number
}

function events(stdout: string): Event[] {
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Event)
}

describe('sstream run: output names', () => {
  it('names the labels of run predictions by their topic (--output-topic), not "sentiment"', async () => {
    const groupId = services.groupId('outputs-predictions')
    const [input, labels, deadLetters] = await createTopics(services, ['outputs-reviews', 'outputs-labels', 'outputs-dlq'], {groups: [groupId]})
    expect((await runCli(['gen', 'reviews', '--topic', input, '--count', '20', '--rate', 'max'])).code).toBe(0)
    const common = ['run', 'predictions', '--local', '--input-topic', input, '--output-topic', labels, '--deadletter-topic', deadLetters, '--until-idle', '--idle-timeout', '1s']

    const json = await runCli([...common, '--group-id', groupId, '--json'])
    expect(json.code, json.stderr).toBe(0)
    const all = events(json.stdout)
    expect(all.find((e) => e.type === 'started')?.outputs).toEqual([labels])
    const stats = all.filter((e) => e.type === 'stats')
    expect(stats.length).toBeGreaterThan(0)
    for (const s of stats) expect(Object.keys(s.outputs ?? {})).toEqual([labels])
    expect(all.at(-1)).toMatchObject({type: 'summary', recordsOut: 20, outputs: {[labels]: 20}})

    // The plain lines: where the run writes, and what it wrote there. A second group reads the same 20 reviews.
    const plain = await runCli([...common, '--group-id', services.groupId('outputs-predictions-plain')])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stderr).toContain(`→ ${labels}. Ctrl-C stops.`)
    expect(plain.stderr).toMatch(new RegExp(`records in, 20 ${labels}, 0 dead-lettered`))
  })

  it('names the two outputs of run alerts by their topics (--critical-topic, --highvolume-topic)', async () => {
    const groupId = services.groupId('outputs-alerts')
    const [input, critical, high, deadLetters] = await createTopics(services, ['outputs-alerts', 'outputs-critical', 'outputs-high', 'outputs-dlq'], {groups: [groupId]})
    expect((await runCli(['gen', 'alerts', '--topic', input, '--count', '60', '--rate', 'max', '--seed', '3'])).code).toBe(0)
    const json = await runCli(['run', 'alerts', '--json', '--group-id', groupId, '--input-topic', input, '--critical-topic', critical, '--highvolume-topic', high, '--deadletter-topic', deadLetters, '--until-idle', '--idle-timeout', '1s'])
    expect(json.code, json.stderr).toBe(0)
    const all = events(json.stdout)
    expect(all.find((e) => e.type === 'started')?.outputs).toEqual([critical, high])
    const summary = all.at(-1)!
    expect(summary.type).toBe('summary')
    expect(Object.keys(summary.outputs as Record<string, number>).sort()).toEqual([critical, high].sort())
    const counts = summary.outputs as Record<string, number>
    expect(counts[critical]! + counts[high]!).toBe(summary.recordsOut)
    expect(counts[critical]).toBe(all.filter((e) => e.type === 'result' && (e as {message?: {topic: string}}).message?.topic === critical).length)
    for (const s of all.filter((e) => e.type === 'stats')) for (const name of Object.keys(s.outputs ?? {})) expect([critical, high]).toContain(name)
  })
})
