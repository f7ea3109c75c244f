/**
 * Factories for integration tests: fresh topics, consumer groups, Redis keys and databases on the real
 * services, each removed again by `cleanup()` (call it in afterAll/afterEach).
 */
import {createKafka, installKafkajsPatches, KafkaAdmin} from '../../src/core/kafka/index.js'
import {readConfig} from '../../src/core/config/index.js'
import {uniqueName} from './names.js'
import type {Pool} from '../../src/core/mariadb/index.js'

export const testConfig = readConfig()

type Cleanup = () => Promise<void>

export class TestServices {
  private readonly cleanups: Cleanup[] = []

  /**
   * Creates fresh topics (3 partitions by default) and returns their names, in the order of the prefixes.
   * Their records never expire: the tests use synthetic event times (2024) as record timestamps, and the
   * broker's time-based retention, judged on those, would delete them under the test at its next check.
   */
  async topics(prefixes: string[], partitions = 3): Promise<string[]> {
    const names = prefixes.map((p) => uniqueName(`t-${p}`))
    const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
    try {
      await admin.ensureTopics(names.map((topic) => ({topic, partitions, replicationFactor: 1})))
    } finally {
      await admin.close()
    }
    const kafkaAdmin = createKafka({brokers: testConfig.kafkaBrokers, clientId: 'sstream-test'}).admin()
    await kafkaAdmin.connect()
    try {
      await kafkaAdmin.alterConfigs({
        validateOnly: false,
        resources: names.map((name) => ({type: installKafkajsPatches().ConfigResourceTypes.TOPIC, name, configEntries: [{name: 'retention.ms', value: '-1'}]})),
      })
    } finally {
      await kafkaAdmin.disconnect()
    }
    this.cleanups.push(async () => {
      const a = await KafkaAdmin.connect(testConfig.kafkaBrokers)
      try {
        await a.deleteTopics(names)
      } finally {
        await a.close()
      }
    })
    return names
  }

  /** A fresh consumer group id, deleted at cleanup. */
  groupId(prefix = 'g'): string {
    const id = uniqueName(prefix)
    this.cleanups.push(async () => {
      const a = await KafkaAdmin.connect(testConfig.kafkaBrokers)
      try {
        await a.deleteGroups([id])
      } finally {
        await a.close()
      }
    })
    return id
  }

  /** Registers any other clean-up step (a Redis key, a database, a child process). */
  defer(step: Cleanup): void {
    this.cleanups.push(step)
  }

  async cleanup(): Promise<void> {
    for (const step of this.cleanups.splice(0).reverse()) await step().catch(() => undefined)
  }
}

export interface TestDatabase {
  name: string
  /** URL of the fresh database, with the administrator's login. */
  url: string
}

/** The administrator URL the tests use to create and drop their own databases. */
export const adminUrl = process.env.SSTREAM_MARIADB_ADMIN_URL ?? 'mariadb://root@127.0.0.1:3306'

export interface FreshDatabase extends TestDatabase {
  /** A pool on the database, closed by `drop()`. */
  pool: Pool
  /** Closes the pool and drops the database. */
  drop(): Promise<void>
}

export interface FreshDatabaseOptions {
  /** The start of the database's random name. */
  prefix?: string
  /** The server, with a login that may create databases. Default: `adminUrl`. */
  serverUrl?: string
  connectionLimit?: number
}

/** The one way tests make a fresh database: a random name, sstream's migrations applied, a pool open on it. */
export async function freshDatabase({prefix = 'sst', serverUrl = adminUrl, connectionLimit = 2}: FreshDatabaseOptions = {}): Promise<FreshDatabase> {
  const {createMariaPool, applyMigrations} = await import('../../src/core/mariadb/index.js')
  const {uniqueIdentifier} = await import('./names.js')
  const name = uniqueIdentifier(prefix)
  const server = serverUrl.replace(/\/$/, '')
  const admin = createMariaPool(server, {connectionLimit: 1})
  try {
    await admin.query(`CREATE DATABASE \`${name}\``)
  } finally {
    await admin.end()
  }
  const url = `${server}/${name}`
  const pool = createMariaPool(url, {connectionLimit})
  await applyMigrations(pool)
  return {
    name,
    url,
    pool,
    drop: async () => {
      await pool.end().catch(() => undefined)
      const dropper = createMariaPool(server, {connectionLimit: 1})
      try {
        await dropper.query(`DROP DATABASE IF EXISTS \`${name}\``)
      } finally {
        await dropper.end()
      }
    },
  }
}

/** A fresh database with sstream's tables (`freshDatabase`), dropped at the services' cleanup. */
export async function createTestDatabase(services: TestServices, prefix = 'sst'): Promise<TestDatabase> {
  const database = await freshDatabase({prefix, connectionLimit: 1})
  await database.pool.end()
  services.defer(database.drop)
  return {name: database.name, url: database.url}
}
