/**
 * `watch alerts`: the two output topics of the alerts pipeline, read committed (only what the processor's
 * transactions committed): CRITICAL alerts and high-volume windows, with counts by level and by code.
 * The watch reads with a throw-away consumer group of its own, deleted when it stops.
 */
import {randomBytes} from 'node:crypto'

import {SstreamError} from '../errors.js'
import type {KafkaSecurity} from '../config/index.js'
import {createKafka, KafkaAdmin, messageKey, RUNNING_RETRY, toKafkaError} from '../kafka/index.js'
import {createTopicsCommand, TOPICS} from '../names.js'
import {initialViewState, reduceView} from '../tui/store.js'
import type {AlertItem, ViewEvent, ViewState} from '../tui/model.js'
import type {WatchCommonOptions} from './board.js'
import {alertEvent} from '../tui/adapt.js'
import {PauseGate, settlesWithin, sleep} from '../async.js'

/** How long the stop may take to leave the group and disconnect: a client still trying a broker that is gone is left behind. */
const STOP_BUDGET_MS = 4000

export interface WatchAlertsOptions extends Omit<WatchCommonOptions, 'intervalMs'> {
  brokers: string[]
  /** Kafka TLS and SASL (plaintext when absent). */
  security?: KafkaSecurity
  /** Default streaming.alerts.critical. */
  criticalTopic?: string
  /** Default streaming.alerts.highvolume. */
  highVolumeTopic?: string
  /** Where to start: the whole topics (default) or only new alerts. */
  from?: 'earliest' | 'latest'
  /** With `once`: how long the topics must stay quiet after the last record before the snapshot is complete. */
  idleMs?: number
}

export interface WatchAlertsResult {
  view: 'alerts'
  topics: {critical: string; highVolume: string}
  critical: number
  highVolume: number
  byLevel: Record<string, number>
  byCode: Record<string, {critical: number; highVolume: number}>
  /** The latest alerts (the last 200), oldest first. */
  alerts: Array<Omit<AlertItem, 'seq'>>
  /** Records of the two topics that are no alert record in any output format (not shown). */
  unreadable: number
}

export async function watchAlerts(options: WatchAlertsOptions): Promise<WatchAlertsResult> {
  const {brokers, once = false, signal, gate = new PauseGate(), clock = Date.now, from = 'earliest', idleMs = 4000} = options
  const criticalTopic = options.criticalTopic ?? TOPICS.alertsCritical
  const highVolumeTopic = options.highVolumeTopic ?? TOPICS.alertsHighVolume
  let state: ViewState = initialViewState('alerts', `${brokers.join(',')} ${criticalTopic} ${highVolumeTopic}`)
  const emit = (event: ViewEvent): void => {
    state = reduceView(state, event)
    options.onEvent?.(event)
  }

  // Start-up: a clear error within seconds when Kafka or a topic is missing; the end offsets for --once.
  const admin = await KafkaAdmin.connect(brokers, {security: options.security})
  const ends = new Map<string, bigint>()
  // Where each partition starts. The watch commits nothing, so a kafkajs consumer that restarts after a
  // crash (a broker gone, a leader moving) would start again from the beginning (every alert counted twice)
  // or at the new end (the alerts written meanwhile never shown): each join seeks to the next offset not read.
  const next = new Map<string, {topic: string; partition: number; offset: bigint}>()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = [criticalTopic, highVolumeTopic].filter((t) => !existing.has(t))
    if (missing.length > 0) {
      throw new SstreamError('TOPIC_MISSING', `Kafka at ${brokers.join(',')} has no topic ${missing.join(' or ')}.`, {
        nextSteps: [`Create ${missing.length === 1 ? 'it' : 'them'} with ${createTopicsCommand(missing)},`, 'or name other topics with --critical-topic and --high-volume-topic.'],
      })
    }
    for (const topic of [criticalTopic, highVolumeTopic]) {
      for (const p of (await admin.topicOffsets(topic)).partitions) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${topic}:${p.partition}`, BigInt(p.high))
        next.set(`${topic}:${p.partition}`, {topic, partition: p.partition, offset: BigInt(once || from === 'earliest' ? p.low : p.high)})
      }
    }
  } finally {
    await admin.close()
  }
  emit({type: 'service', service: 'kafka', state: 'ok', at: clock()})

  const groupId = `sstream-watch-alerts-${randomBytes(4).toString('hex')}`
  const kafka = createKafka({brokers, clientId: 'sstream-watch', retry: RUNNING_RETRY, security: options.security})
  const consumer = kafka.consumer({groupId, readUncommitted: false, maxWaitTimeInMs: 250, retry: RUNNING_RETRY})
  const stop = new AbortController()
  const onAbort = (): void => stop.abort()
  signal.addEventListener('abort', onAbort, {once: true})
  let lastActivity = 0
  let unreadable = 0
  let kafkaDown = false
  const unsubscribeGate = gate.onChange((paused) => {
    const topics = [{topic: criticalTopic}, {topic: highVolumeTopic}]
    if (paused) consumer.pause(topics)
    else consumer.resume(topics)
  })
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const {topic, partition, offset} of next.values()) consumer.seek({topic, partition, offset: String(offset)})
    lastActivity = clock()
  })
  consumer.on(consumer.events.CRASH, ({payload}) => {
    kafkaDown = true
    emit({type: 'service', service: 'kafka', state: 'down', message: toKafkaError(payload.error, brokers).message, at: clock()})
  })
  consumer.on(consumer.events.FETCH, () => {
    if (!kafkaDown) return
    kafkaDown = false
    emit({type: 'service', service: 'kafka', state: 'ok', at: clock()})
  })

  try {
    await consumer.connect()
    await consumer.subscribe({topics: [criticalTopic, highVolumeTopic], fromBeginning: once || from === 'earliest'})
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({topic, partition, message}) => {
        lastActivity = clock()
        next.set(`${topic}:${partition}`, {topic, partition, offset: BigInt(message.offset) + 1n})
        const kind = topic === criticalTopic ? 'critical' : 'high-volume'
        const event = alertEvent(kind, messageKey(message) ?? undefined, message.value?.toString('utf8') ?? '')
        if (event) emit(event)
        else unreadable += 1
        const end = ends.get(`${topic}:${partition}`)
        if (end !== undefined && BigInt(message.offset) + 1n >= end) ends.delete(`${topic}:${partition}`)
        if (once && ends.size === 0) stop.abort()
      },
    })
    // --once: done when every partition is read up to its end offset at start, or the topics stay quiet
    // (a partition whose last offsets are transaction markers never delivers them).
    while (!stop.signal.aborted) {
      await sleep(250, stop.signal)
      if (once && (ends.size === 0 || (lastActivity > 0 && clock() - lastActivity >= idleMs))) break
    }
  } catch (error) {
    throw toKafkaError(error, brokers, `read ${criticalTopic} and ${highVolumeTopic}`)
  } finally {
    signal.removeEventListener('abort', onAbort)
    unsubscribeGate()
    // Bounded: a consumer still trying a broker that is gone may not leave in time; the throw-away group
    // commits nothing and expires by itself.
    const deadline = clock() + STOP_BUDGET_MS
    await settlesWithin(consumer.disconnect().catch(() => undefined), deadline - clock())
    await settlesWithin(
      (async () => {
        const cleanup = await KafkaAdmin.connect(brokers, {security: options.security}).catch(() => undefined)
        await cleanup?.deleteGroups([groupId])
        await cleanup?.close()
      })(),
      deadline - clock(),
    )
  }
  return {
    view: 'alerts',
    topics: {critical: criticalTopic, highVolume: highVolumeTopic},
    critical: state.alerts.critical,
    highVolume: state.alerts.highVolume,
    byLevel: state.alerts.byLevel,
    byCode: state.alerts.byCode,
    alerts: state.alerts.feed.map(({seq: _seq, ...item}) => item),
    unreadable,
  }
}
