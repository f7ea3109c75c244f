import {describe, expect, it} from 'vitest'

import {loadMigrations, splitStatements} from '../../../src/core/mariadb/migrations.js'
import {parseMariaUrl, redactUrl} from '../../../src/core/mariadb/pool.js'
import {SstreamError} from '../../../src/core/errors.js'

describe('migrations', () => {
  it('are numbered in order and create the SPEC tables with their unique window keys', async () => {
    const migrations = await loadMigrations()
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort((a, b) => a - b))
    // Two files with one number: the second would never be applied.
    expect(new Set(migrations.map((m) => m.version)).size).toBe(migrations.length)
    const all = migrations.map((m) => m.sql).join('\n')
    expect(all).toMatch(/CREATE TABLE IF NOT EXISTS order_summary/)
    expect(all).toMatch(/UNIQUE KEY \w+ \(INTERVAL_TIMESTAMP, PRODUCT\)/)
    expect(all).toMatch(/TOTAL_VALUE DECIMAL/)
    expect(all).toMatch(/UNIQUE KEY \w+ \(WINDOW_START, USER_NAME\)/)
  })

  it('give every column sstream adds a default, in a migration of its own, so the original three-column INSERT works', async () => {
    const migrations = await loadMigrations()
    const defaults = migrations.find((m) => m.name === 'added_column_defaults')
    expect(defaults?.version).toBe(3)
    const statements = splitStatements(defaults?.sql ?? '')
    expect(statements).toEqual([
      expect.stringMatching(/^ALTER TABLE order_summary\s+MODIFY WINDOW_END DATETIME\(3\) NULL DEFAULT NULL,\s+MODIFY ORDER_COUNT INT NULL DEFAULT NULL$/),
      expect.stringMatching(/^ALTER TABLE user_view_summary\s+MODIFY WINDOW_END DATETIME\(3\) NULL DEFAULT NULL,\s+MODIFY VIEW_COUNT INT NULL DEFAULT NULL$/),
    ])
  })

  it('splits statements and drops comments', () => {
    expect(splitStatements('-- a comment\nCREATE TABLE a (x INT);\n\nCREATE TABLE b (y INT);\n')).toEqual(['CREATE TABLE a (x INT)', 'CREATE TABLE b (y INT)'])
  })
})

describe('MariaDB URLs', () => {
  it('parse into host, port, login and database', () => {
    expect(parseMariaUrl('mariadb://streaming:streaming@127.0.0.1:3306/streaming')).toEqual({
      host: '127.0.0.1',
      port: 3306,
      user: 'streaming',
      password: 'streaming',
      database: 'streaming',
    })
    expect(parseMariaUrl('mariadb://root@db')).toEqual({host: 'db', port: 3306, user: 'root', password: ''})
  })

  it('reject other schemes with a usage error and hide passwords in messages', () => {
    expect(() => parseMariaUrl('postgres://x@y/z')).toThrow(SstreamError)
    expect(redactUrl('mariadb://u:secret@h:1/d')).not.toContain('secret')
  })
})

describe('the local broker cluster id', () => {
  it('is a 22-character URL-safe id that never starts with "-" (the storage tool would read it as an option)', async () => {
    const {clusterId} = await import('../../../src/core/stack/kafka-broker.js')
    for (let i = 0; i < 2000; i++) {
      const id = clusterId()
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/)
    }
  })
})
