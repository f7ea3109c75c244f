import {once} from 'node:events'

import type {Producer} from 'kafkajs'
import {afterAll, describe, expect, it} from 'vitest'

import {createEventFactory, runGenerator, syntheticClock} from '../../../src/core/generators/index.js'
import {createKafka, KafkaAdmin, partitionForKey, readTopic, type TopicRecord} from '../../../src/core/kafka/index.js'
import {lastJson, spawnCli} from '../../helpers/cli.js'
import {startPrivateBroker, type PrivateBroker} from './private-broker.js'

let broker: PrivateBroker | undefined
afterAll(async () => broker?.destroy())

/** The private broker (started once for the file) with a fresh 3-partition topic. */
async function brokerWithTopic(topic: string): Promise<PrivateBroker> {
  broker ??= await startPrivateBroker()
  const admin = await KafkaAdmin.connect(broker.brokers)
  await admin.ensureTopics([{topic, partitions: 3, replicationFactor: 1}])
  await admin.close()
  return broker
}

/** How many records the topic holds (its partitions' end offsets summed). */
async function recordsIn(b: PrivateBroker, topic: string): Promise<number> {
  const admin = await KafkaAdmin.connect(b.brokers)
  try {
    return (await admin.topicOffsets(topic)).partitions.reduce((sum, p) => sum + Number(p.high), 0)
  } finally {
    await admin.close()
  }
}

/**
 * Waits until the topic holds more than `than` records: the command has started, connected and is writing
 * (its start-up takes seconds on a busy machine; a broker killed before it connected tests nothing).
 */
async function waitForWrites(b: PrivateBroker, topic: string, than: number): Promise<void> {
  const deadline = Date.now() + 90_000
  while ((await recordsIn(b, topic)) <= than) {
    if (Date.now() > deadline) throw new Error(`no record reached ${topic} within 90 s`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('a generator across broker restarts', () => {
  it('retries through a crash and a clean restart, then has written every record exactly once, in order', async () => {
    const topic = 'restart-orders'
    const b = await brokerWithTopic(topic)

    const count = 80_000
    // Reproducible records, with event times of today: Kafka forgets the idempotence state of a producer
    // whose last record timestamp is older than producer.id.expiration.ms (a day) when it restarts.
    const start = Math.floor(Date.now() / 1000) * 1000
    let sent = 0
    const running = runGenerator({
      generator: 'orders',
      brokers: b.brokers,
      topic,
      rate: 10_000,
      count,
      seed: 5,
      startTime: start,
      timeStepMs: 1,
      progressIntervalMs: 50,
      onProgress: (p) => (sent = p.sent),
    })
    const restartAt = async (threshold: number, signal: NodeJS.Signals): Promise<number> => {
      const deadline = Date.now() + 120_000
      while (sent < threshold && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      await b.stop(signal)
      const atStop = sent
      await new Promise((r) => setTimeout(r, 1000))
      await b.start()
      return atStop
    }
    // A crash (kill -9), then a clean shutdown, both while records are flowing.
    const crashedAt = await restartAt(10_000, 'SIGKILL')
    const stoppedAt = await restartAt(crashedAt + 20_000, 'SIGTERM')
    const result = await running

    expect(crashedAt).toBeGreaterThanOrEqual(10_000)
    expect(stoppedAt).toBeLessThan(count)
    expect(result.sent).toBe(count)
    expect(result.errors).toBeGreaterThan(0)

    const records: TopicRecord[] = []
    await readTopic({brokers: b.brokers, topic, fromBeginning: true, exitAtEnd: true, onRecord: (r) => records.push(r)})
    expect(records).toHaveLength(count)
    expect(new Set(records.map((r) => r.key)).size).toBe(count)
    // No loss, no duplicate, no reordering within a partition.
    const expected = createEventFactory('orders', {seed: 5, clock: syntheticClock(start, 1)}).take(count)
    for (const partition of [0, 1, 2]) {
      const want = expected.filter((r) => partitionForKey(Buffer.from(r.key), 3) === partition).map((r) => r.key)
      const got = records
        .filter((r) => r.partition === partition)
        .sort((x, y) => Number(BigInt(x.offset) - BigInt(y.offset)))
        .map((r) => r.key)
      expect(got).toEqual(want)
    }
  })
})

describe('sstream gen while the broker is away', () => {
  it('says when Kafka stops acknowledging records and when it does again, with no terminal, and still sends them all', async () => {
    const topic = 'stalled-views'
    const b = await brokerWithTopic(topic)

    const count = 16_000
    const already = await recordsIn(b, topic)
    const gen = spawnCollecting(['gen', 'views', '--brokers', b.brokers.join(','), '--topic', topic, '--rate', '1000', '--count', String(count), '--seed', '8'])
    await waitForWrites(b, topic, already)
    // Away for longer than the notice time (10 s), well within the delivery timeout (2 min).
    await b.stop('SIGKILL')
    const deadline = Date.now() + 60_000
    while (!/acknowledged no record/.test(gen.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    const noticed = gen.stderr()
    await b.start()
    const [code] = await gen.closed
    const stderr = gen.stderr()

    expect(noticed, `stderr: ${stderr}`).toMatch(/Kafka has acknowledged no record for \d+ s \([\d,]+ waiting, [\d,]+ retried errors?\); still trying, for up to 120 s per record\./)
    expect(noticed).not.toMatch(/acknowledges records again/)
    expect(stderr).toMatch(/Kafka acknowledges records again \(none for \d+ s\)\./)
    expect(code, stderr).toBe(0)
    expect(gen.stdout()).toMatch(new RegExp(`Sent ${count.toLocaleString('en-US')} views records`))

    let read = 0
    await readTopic({brokers: b.brokers, topic, fromBeginning: true, exitAtEnd: true, onRecord: () => void (read += 1)})
    expect(read).toBe(already + count)
  })
})

type CliEvent = {type: string; key?: string; records?: number; stoppedBy?: string; state?: string; critical?: number}

/** A command run with --json: its NDJSON events, the keys it has shown (`keyOf`), and a wait for keys to show. */
/** A command run in the background: its process, its exit, and what it has written so far. */
function spawnCollecting(args: string[]) {
  const child = spawnCli(args)
  let stdout = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const closed = once(child, 'close') as Promise<[number | null]>
  return {child, closed, stdout: () => stdout, stderr: () => stderr}
}

function jsonCli(args: string[], keyOf: (event: CliEvent) => string | undefined) {
  const {child, closed, stdout, stderr} = spawnCollecting(args)
  const events = (): CliEvent[] =>
    stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as CliEvent)
  const shown = (): string[] => events().flatMap((e) => (keyOf(e) ? [keyOf(e)!] : []))
  const waitShown = async (keys: string[]): Promise<void> => {
    const deadline = Date.now() + 90_000
    while (!keys.every((k) => shown().includes(k)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(keys.filter((k) => !shown().includes(k)), `stderr: ${stderr()}`).toEqual([])
  }
  return {child, closed, events, shown, waitShown, stderr}
}

/**
 * After `first`, the command is frozen (SIGSTOP) while the broker is killed and started again and `meanwhile`
 * is written: when it runs again its connections are gone and its consumer starts again, with no committed
 * offset to go on from. It must then show `meanwhile`, and `after` written next. Ends it with Ctrl-C and
 * returns its exit code.
 */
async function acrossACrash(
  cli: ReturnType<typeof jsonCli>,
  b: PrivateBroker,
  producer: Producer,
  send: (keys: string[]) => Promise<void>,
  first: () => Promise<void>,
): Promise<{code: number | null; meanwhile: string[]; after: string[]}> {
  const pid = cli.child.pid!
  const meanwhile = Array.from({length: 10}, (_, i) => `meanwhile-${i}`)
  const after = Array.from({length: 10}, (_, i) => `after-${i}`)
  try {
    await first()
    process.kill(pid, 'SIGSTOP')
    await b.stop('SIGKILL')
    await b.start()
    await producer.disconnect()
    await producer.connect()
    await send(meanwhile)
    process.kill(pid, 'SIGCONT')
    await cli.waitShown(meanwhile)
    await send(after)
    await cli.waitShown(after)
  } finally {
    process.kill(pid, 'SIGCONT')
    cli.child.kill('SIGINT')
    await producer.disconnect()
  }
  const [code] = await cli.closed
  return {code, meanwhile, after}
}

describe('sstream tail across a broker crash', () => {
  it('reads on where it stopped, with none of the records written meanwhile skipped or printed twice, and Ctrl-C ends with its summary, cleanly', async () => {
    const topic = 'tail-across-crash'
    const b = await brokerWithTopic(topic)
    const producer = createKafka({brokers: b.brokers, clientId: 'sstream-test'}).producer()
    await producer.connect()
    const send = async (keys: string[]): Promise<void> => {
      await producer.send({topic, messages: keys.map((key) => ({key, value: `value of ${key}`}))})
    }

    const cli = jsonCli(['tail', topic, '--json', '--brokers', b.brokers.join(',')], (e) => (e.type === 'record' ? e.key : undefined))
    const {code} = await acrossACrash(cli, b, producer, send, async () => {
      // Tail reads from the end: records until it has printed one, so that it is surely reading.
      for (let i = 0; cli.shown().length === 0 && i < 300; i++) {
        await send([`warm-${i}`])
        await new Promise((r) => setTimeout(r, 300))
      }
      const before = Array.from({length: 10}, (_, i) => `before-${i}`)
      await send(before)
      await cli.waitShown(before)
    })

    // Ends as a Ctrl-C without an outage does: every connection closed, no stop deadline reached.
    expect(code, cli.stderr()).toBe(130)
    expect(cli.stderr()).not.toMatch(/Stopping now/)
    const keys = cli.shown()
    expect(new Set(keys).size).toBe(keys.length)
    const last = cli.events().at(-1)
    expect(last).toMatchObject({type: 'summary', stoppedBy: 'signal', records: keys.length})
    // An outage it noticed is followed by the news that it reads again.
    const states = cli.events().flatMap((e) => (e.type === 'status' ? [e.state] : []))
    if (states.includes('down')) expect(states.at(-1)).toBe('ok')
  })
})

describe('sstream watch alerts across a broker crash', () => {
  it('counts every alert once: none written meanwhile missing, none read again from the beginning, and Ctrl-C ends it cleanly', async () => {
    const critical = 'watch-crash-critical'
    const highVolume = 'watch-crash-highvolume'
    const b = await brokerWithTopic(critical)
    const admin = await KafkaAdmin.connect(b.brokers)
    await admin.ensureTopics([{topic: highVolume, partitions: 3, replicationFactor: 1}])
    await admin.close()
    const producer = createKafka({brokers: b.brokers, clientId: 'sstream-test'}).producer()
    await producer.connect()
    const send = async (keys: string[]): Promise<void> => {
      await producer.send({topic: critical, messages: keys.map((key) => ({key, value: '"2026-01-02 03:04:05.6","300","This is a CRITICAL alert "'}))})
    }
    const before = Array.from({length: 10}, (_, i) => `before-${i}`)
    await send(before)

    const cli = jsonCli(['watch', 'alerts', '--critical-topic', critical, '--high-volume-topic', highVolume, '--json', '--brokers', b.brokers.join(',')], (e) =>
      e.type === 'critical' ? e.key : undefined,
    )
    const {code, meanwhile, after} = await acrossACrash(cli, b, producer, send, () => cli.waitShown(before))

    expect(code, cli.stderr()).toBe(130)
    expect(cli.stderr()).not.toMatch(/Stopping now/)
    expect(cli.shown().sort()).toEqual([...before, ...meanwhile, ...after].sort())
    expect(cli.events().at(-1)).toMatchObject({type: 'summary', critical: 30})
  })
})

describe('sstream gen interrupted while the broker is away', () => {
  it('gives up the records Kafka does not acknowledge and ends with its summary, exit code 130', async () => {
    const topic = 'interrupted-orders'
    const b = await brokerWithTopic(topic)
    const already = await recordsIn(b, topic)
    const gen = spawnCollecting(['gen', 'orders', '--brokers', b.brokers.join(','), '--topic', topic, '--rate', '50', '--json'])
    await waitForWrites(b, topic, already)
    await b.stop('SIGKILL')
    try {
      // Records pile up unacknowledged; Ctrl-C then cannot flush them, and must not wait 2 min for them.
      await new Promise((r) => setTimeout(r, 3000))
      gen.child.kill('SIGINT')
      const [code] = await gen.closed
      expect(code, gen.stderr()).toBe(130)
      expect(gen.stderr()).not.toMatch(/Stopping now/)
      const result = lastJson<{sent: number; interrupted: boolean; unacknowledged?: number}>(gen.stdout())
      expect(result).toMatchObject({interrupted: true})
      expect(result.sent).toBeGreaterThan(0)
      expect(result.unacknowledged).toBeGreaterThan(0)
    } finally {
      await b.start()
    }
  })
})
