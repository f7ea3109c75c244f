/**
 * Plain-mode renderings of command results: tables and lines for a person at a terminal or in a CI log.
 * Commands call these; core never prints.
 */
import type {SetupDbResult} from '../core/mariadb/index.js'
import type {SetupRedisResult} from '../core/redis/index.js'
import type {SetupKafkaResult} from '../core/setup/kafka.js'
import type {ServiceStatus} from '../core/stack/index.js'
import type {StatusResult} from '../core/status/status.js'
import {renderTable, type Theme} from '../core/output/index.js'
import {pointedSteps, type AddressOrigin} from './next-steps.js'

export function presentTopicReports(result: SetupKafkaResult, theme: Theme): string {
  const status = (s: string): string => (s === 'created' ? theme.ok(s) : s === 'mismatch' ? theme.warn(s) : theme.dim(s))
  const table = renderTable(
    ['topic', 'status', 'partitions', 'replication', 'detail'],
    result.topics.map((t) => [t.topic, status(t.status), t.partitions, t.replicationFactor, t.detail ?? '']),
    {color: theme.enabled},
  )
  return `${table}\n${result.created} created, ${result.existing} already there, ${result.mismatched} mismatched (Kafka at ${result.brokers.join(',')})`
}

export function presentDbSetup(result: SetupDbResult, theme: Theme): string {
  const table = renderTable(
    ['migration', 'status'],
    result.migrations.map((m) => [`${String(m.version).padStart(3, '0')} ${m.name}`, m.status === 'applied' ? theme.ok(m.status) : theme.dim(m.status)]),
    {color: theme.enabled},
  )
  const applied = result.migrations.filter((m) => m.status === 'applied').length
  return [
    table,
    `database ${result.database} ${result.databaseCreated ? 'created' : 'already there'} on ${result.server}, user ${result.user}; ` +
      `${applied} migration${applied === 1 ? '' : 's'} applied; tables: ${result.tables.join(', ')}`,
  ].join('\n')
}

export function presentRedisSetup(result: SetupRedisResult, theme: Theme): string {
  const reset = result.reset ? `; reset: ${result.deleted.length > 0 ? `deleted ${result.deleted.join(', ')}` : 'nothing to delete'}` : ''
  return `${theme.ok('Redis')} ${result.version} at ${result.server} answers in ${result.latencyMs} ms${reset}`
}

/**
 * The next step for each service that is down, said under the services table (stderr): what to start or point
 * at, or, for an address the user gave (a flag, a variable, a context: `origin`), what to check or correct.
 */
export function servicesDownAdvice(services: ServiceStatus[], origin: (service: ServiceStatus['service']) => AddressOrigin = () => ({source: 'default'})): string[] {
  const down = new Set(services.filter((s) => !s.healthy).map((s) => s.service))
  const advice: Record<ServiceStatus['service'], string> = {
    kafka: 'Kafka is not healthy (its detail is above): start the local broker with `sstream stack up`, or point sstream at your cluster with --brokers, SSTREAM_KAFKA_BROKERS or a context (`sstream config list`).',
    mariadb: 'MariaDB is not healthy (its detail is above): start the local server with `sstream stack up`, or point sstream at yours with --mariadb-url, SSTREAM_MARIADB_URL or a context.',
    redis: 'Redis is not healthy (its detail is above): start the local server with `sstream stack up`, or point sstream at yours with --redis-url, SSTREAM_REDIS_URL or a context.',
  }
  const names = {kafka: 'Kafka', mariadb: 'MariaDB', redis: 'Redis'}
  return (['kafka', 'mariadb', 'redis'] as const)
    .filter((service) => down.has(service))
    .map((service) => {
      const steps = pointedSteps(service, origin(service))
      return steps ? `${names[service]} is not healthy (its detail is above). ${steps.join(' ')}` : advice[service]
    })
}

export function presentServices(services: Array<ServiceStatus & {action?: string}>, theme: Theme): string {
  const withAction = services.some((s) => s.action !== undefined)
  const head = ['service', 'address', 'health', 'latency', ...(withAction ? ['action'] : []), 'managed', 'secured', 'detail']
  return renderTable(
    head,
    services.map((s) => [
      s.service,
      s.address,
      s.healthy ? theme.ok('healthy') : theme.error('down'),
      s.latencyMs === null ? '-' : `${s.latencyMs} ms`,
      ...(withAction ? [s.action ?? ''] : []),
      s.managed ? 'sstream' : '-',
      [s.tls ? 'tls' : '', s.auth ?? ''].filter(Boolean).join(', ') || '-',
      s.detail,
    ]),
    {color: theme.enabled},
  )
}

export function presentStatus(result: StatusResult, theme: Theme): string {
  const parts = [theme.bold('Services'), presentServices(result.services, theme)]
  if (result.topics.length > 0) {
    parts.push(theme.bold('Topics'))
    parts.push(
      renderTable(
        ['topic', 'partitions', 'end offsets', 'records'],
        result.topics.map((t) => [t.topic, t.partitions.length, t.partitions.map((p) => p.high).join(' '), t.records]),
        {color: theme.enabled},
      ),
    )
  }
  if (result.groups.length > 0) {
    parts.push(theme.bold('Consumer groups'))
    const rows: Array<Array<string | number>> = []
    for (const g of result.groups)
      for (const t of g.topics)
        for (const p of t.partitions)
          rows.push([g.groupId, g.running ? 'running' : 'not running', t.topic, p.partition, p.currentOffset ?? '-', p.readOffset ?? '-', p.logEndOffset, p.lag ?? '-', p.readLag ?? '-'])
    parts.push(renderTable(['group', 'processor', 'topic', 'partition', 'committed', 'read', 'log-end-offset', 'lag', 'read lag'], rows, {color: theme.enabled}))
    for (const g of result.groups) if (g.note) parts.push(theme.dim(g.note))
  }
  if (result.tables.length > 0) {
    parts.push(theme.bold('Tables'))
    parts.push(renderTable(['table', 'rows'], result.tables.map((t) => [t.table, t.rows ?? (t.detail ?? '-')]), {color: theme.enabled}))
  }
  if (result.leaderboards.length > 0) {
    parts.push(theme.bold('Leaderboards'))
    parts.push(
      renderTable(
        ['key', 'members', 'leader', 'score'],
        result.leaderboards.map((l) => [l.key, l.members, l.leader ?? '-', l.score ?? '-']),
        {color: theme.enabled},
      ),
    )
  }
  if (result.processors.length > 0) {
    parts.push(theme.bold('Processors'))
    const n = (v: unknown): string => (typeof v === 'number' ? String(Math.round(v)) : v === null || v === undefined ? '-' : String(v))
    // The mean latencies of the last stats interval: '-' when nothing was written in it.
    const ms = (v: unknown): string => (typeof v !== 'number' ? '-' : v < 1000 ? `${Math.round(v * 10) / 10} ms` : `${Math.round(v / 100) / 10} s`)
    parts.push(
      renderTable(
        ['pipeline', 'group', 'instance', 'in', 'out', 'rate/s', 'lag', 'watermark', 'open windows', 'dead letters', 'late', 'latency sink / e2e'],
        result.processors.map((p) => [p.pipeline, p.groupId, p.instance, n(p.recordsIn), n(p.recordsOut), n(p.rate), n(p.lag), n(p.watermark), n(p.openWindows), n(p.deadLettered), n(p.late), `${ms(p.sinkLatencyMs)} / ${ms(p.endToEndLatencyMs)}`]),
        {color: theme.enabled},
      ),
    )
  }
  return parts.join('\n')
}
