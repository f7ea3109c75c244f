/**
 * Running processors publish their latest `stats` to Redis (one key per process, expiring), so that
 * `sstream status` can show every live processor's rate, lag, watermark and dead letters, and how far it
 * has read each partition. When a processor stops, its last stats stay a week under another key: status
 * still knows how far a stopped group had read.
 */
import {hostname} from 'node:os'

import {settlesWithin} from '../async.js'
import {connectRedis, createRedis, type Redis} from './client.js'

const PREFIX = 'sstream:processors:'
const TTL_SECONDS = 30
const STOPPED_PREFIX = 'sstream:stopped-processors:'
const STOPPED_TTL_SECONDS = 7 * 24 * 3600

export interface ProcessorStats {
  pipeline: string
  groupId: string
  instance: string
  updatedAt: string
  /** When the process stopped (entries of stopped processors only). */
  stoppedAt?: string
  [field: string]: unknown
}

export function processorKey(groupId: string, instance: string): string {
  return `${PREFIX}${groupId}:${instance}`
}

export function instanceName(): string {
  return `${hostname()}:${process.pid}`
}

/**
 * A publisher of stats events: call `publish` with each stats event; it writes at most once per call and
 * never throws (status reporting must not disturb processing). `close` removes this process's entry.
 */
export class ProcessorStatsPublisher {
  private readonly client: Redis
  private connected = false
  private readonly instance = instanceName()
  private last: ProcessorStats | undefined

  constructor(
    private readonly url: string,
    private readonly groupId: string,
  ) {
    this.client = createRedis(url, {patient: true})
    this.client.on('error', () => undefined)
  }

  async publish(stats: Record<string, unknown> & {pipeline: string}): Promise<void> {
    try {
      if (!this.connected) {
        await connectRedis(this.client, this.url, 2000)
        this.connected = true
      }
      const entry: ProcessorStats = {...stats, groupId: this.groupId, instance: this.instance, updatedAt: new Date().toISOString()}
      this.last = entry
      await this.client.set(processorKey(this.groupId, this.instance), JSON.stringify(entry), 'EX', TTL_SECONDS)
    } catch {
      // Redis may be down or not used by this pipeline: status simply won't list this process.
    }
  }

  /**
   * Removes this process's live entry and keeps its last stats as a stopped processor's, within `budgetMs`:
   * the client waits for a Redis that went away (its commands queue until it is back), and a stop must not
   * wait for it. Best effort: with Redis down, the live entry expires by itself.
   */
  async close(budgetMs = 1500): Promise<void> {
    try {
      if (this.connected) {
        const multi = this.client.multi().del(processorKey(this.groupId, this.instance))
        if (this.last) multi.set(`${STOPPED_PREFIX}${this.groupId}:${this.instance}`, JSON.stringify({...this.last, stoppedAt: new Date().toISOString()}), 'EX', STOPPED_TTL_SECONDS)
        await settlesWithin(multi.exec(), budgetMs)
      }
    } catch {
      // best effort
    }
    this.client.disconnect()
  }
}

/** The stats of every live processor, from Redis. */
export async function readProcessorStats(client: Redis): Promise<ProcessorStats[]> {
  return readEntries(client, PREFIX)
}

/** The last stats of processors that stopped in the last week, with `stoppedAt`. */
export async function readStoppedProcessorStats(client: Redis): Promise<ProcessorStats[]> {
  return readEntries(client, STOPPED_PREFIX)
}

async function readEntries(client: Redis, prefix: string): Promise<ProcessorStats[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200)
    keys.push(...batch)
    cursor = next
  } while (cursor !== '0')
  if (keys.length === 0) return []
  const values = await client.mget(keys)
  return values
    .filter((v): v is string => v !== null)
    .map((v) => JSON.parse(v) as ProcessorStats)
    .sort((a, b) => `${a.groupId}${a.instance}`.localeCompare(`${b.groupId}${b.instance}`))
}
