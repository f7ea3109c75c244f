import {afterAll, describe, expect, it} from 'vitest'

import {SstreamError} from '../../../src/core/errors.js'
import {KafkaAdmin} from '../../../src/core/kafka/index.js'
import {createMariaPool, setupDb} from '../../../src/core/mariadb/index.js'
import {connectRedis, createRedis, offsetsKeyFor, setupRedis} from '../../../src/core/redis/index.js'
import {setupKafka} from '../../../src/core/setup/kafka.js'
import {uniqueIdentifier, uniqueName} from '../../helpers/names.js'
import {adminUrl, testConfig, TestServices} from '../../helpers/services.js'

const services = new TestServices()
afterAll(() => services.cleanup())

describe('setup kafka', () => {
  it('creates missing topics, then reports them as there, and flags a topic with fewer partitions', async () => {
    const topics = [uniqueName('t-setup-a'), uniqueName('t-setup-b')]
    services.defer(async () => {
      const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
      await admin.deleteTopics([...topics, narrow]).finally(() => admin.close())
    })
    const narrow = uniqueName('t-setup-narrow')

    const first = await setupKafka({brokers: testConfig.kafkaBrokers, partitions: 3, replicationFactor: 1, topics})
    expect(first.created).toBe(2)
    expect(first.topics.map((t) => t.status)).toEqual(['created', 'created'])

    const second = await setupKafka({brokers: testConfig.kafkaBrokers, partitions: 3, replicationFactor: 1, topics})
    expect(second).toMatchObject({created: 0, existing: 2, mismatched: 0})

    const admin = await KafkaAdmin.connect(testConfig.kafkaBrokers)
    try {
      expect((await admin.describe(topics)).get(topics[0])).toEqual({partitions: 3, replicationFactor: 1})
      await admin.ensureTopics([{topic: narrow, partitions: 1, replicationFactor: 1}])
    } finally {
      await admin.close()
    }
    const mismatch = await setupKafka({brokers: testConfig.kafkaBrokers, partitions: 3, replicationFactor: 1, topics: [narrow]})
    expect(mismatch.topics[0]).toMatchObject({status: 'mismatch', partitions: 1, detail: 'has 1 partition, 3 wanted'})
  })

  it('fails fast with the address when no broker answers', async () => {
    const started = Date.now()
    const error = await setupKafka({brokers: ['127.0.0.1:1'], partitions: 3, replicationFactor: 1}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SstreamError)
    expect((error as SstreamError).code).toBe('KAFKA_UNREACHABLE')
    expect((error as SstreamError).message).toContain('127.0.0.1:1')
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('setup db', () => {
  it('creates the database, user and tables once; a second run applies nothing', async () => {
    const database = uniqueIdentifier('sst_setup')
    const user = uniqueIdentifier('u').slice(0, 30)
    services.defer(async () => {
      const admin = createMariaPool(adminUrl, {connectionLimit: 1})
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
      for (const host of ['%', 'localhost']) await admin.query('DROP USER IF EXISTS ?@?', [user, host])
      await admin.end()
    })
    const url = `mariadb://${user}:pw@127.0.0.1:3306/${database}`

    const first = await setupDb({url, adminUrl})
    expect(first.databaseCreated).toBe(true)
    expect(first.migrations.every((m) => m.status === 'applied')).toBe(true)
    expect(first.tables).toEqual(expect.arrayContaining(['order_summary', 'user_view_summary', 'sstream_schema_version']))

    const second = await setupDb({url, adminUrl})
    expect(second.databaseCreated).toBe(false)
    expect(second.migrations.every((m) => m.status === 'already applied')).toBe(true)

    // The application user can log in and use the tables.
    const pool = createMariaPool(url, {connectionLimit: 1})
    try {
      await pool.query(
        'INSERT INTO order_summary (INTERVAL_TIMESTAMP, WINDOW_END, PRODUCT, TOTAL_VALUE, ORDER_COUNT) VALUES (?, ?, ?, ?, ?)',
        [new Date(0), new Date(5000), 'Mouse', '31.50', 3],
      )
      const rows = (await pool.query('SELECT PRODUCT, TOTAL_VALUE FROM order_summary')) as Array<{PRODUCT: string; TOTAL_VALUE: string}>
      expect(rows).toEqual([{PRODUCT: 'Mouse', TOTAL_VALUE: '31.50'}])
    } finally {
      await pool.end()
    }
  })

  it('says which login MariaDB refuses', async () => {
    const error = await setupDb({url: testConfig.mariadbUrl, adminUrl: 'mariadb://root:wrong-password@127.0.0.1:3306'}).catch((e: unknown) => e)
    expect((error as SstreamError).code).toBe('MARIADB_AUTH')
    expect((error as SstreamError).message).toContain('root')
  })
})

describe('setup redis', () => {
  it('reports the server and, with reset, deletes the boards and their offsets only', async () => {
    const board = uniqueName('board')
    const other = uniqueName('other')
    const client = createRedis(testConfig.redisUrl)
    await connectRedis(client, testConfig.redisUrl)
    services.defer(async () => {
      await client.del(board, other, offsetsKeyFor(board))
      client.disconnect()
    })
    await client.zincrby(board, 3, 'Kathy')
    await client.hset(offsetsKeyFor(board), 't:0', '10')
    await client.zincrby(other, 1, 'Bob')

    const result = await setupRedis({url: testConfig.redisUrl, reset: true, keys: [board]})
    expect(result.version).toMatch(/^\d+\./)
    expect(result.deleted.sort()).toEqual([board, offsetsKeyFor(board)].sort())
    expect(await client.exists(board, offsetsKeyFor(board))).toBe(0)
    expect(await client.zscore(other, 'Bob')).toBe('1')
  })

  it('fails fast naming the address when Redis does not answer', async () => {
    const error = await setupRedis({url: 'redis://127.0.0.1:1', reset: false}).catch((e: unknown) => e)
    expect((error as SstreamError).code).toBe('REDIS_UNREACHABLE')
    expect((error as SstreamError).message).toContain('127.0.0.1:1')
  })
})
