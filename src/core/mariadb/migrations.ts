/**
 * Versioned, idempotent schema migrations from resources/sql/NNN_name.sql, recorded in a schema-version
 * table. Applying them twice changes nothing.
 */
import {readdir, readFile} from 'node:fs/promises'

import {TABLES} from '../names.js'
import {resourcePath} from '../paths.js'

/** Anything that runs a query: a pool, a pooled connection or a single connection. */
export interface Queryable {
  query(sql: string, values?: unknown): Promise<unknown>
}

export interface Migration {
  version: number
  name: string
  sql: string
}

export interface MigrationReport {
  version: number
  name: string
  status: 'applied' | 'already applied'
}

export async function loadMigrations(dir = resourcePath('sql')): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort()
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.split('_')[0]),
      name: file.replace(/^\d+_/, '').replace(/\.sql$/, ''),
      sql: await readFile(`${dir}/${file}`, 'utf8'),
    })),
  )
}

/** Splits a migration into statements (no stored procedures here, so `;` at a line end ends a statement). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0)
}

/** Applies the migrations not yet recorded in the schema-version table, in order, on the given connection's database. */
export async function applyMigrations(conn: Queryable, migrations?: Migration[]): Promise<MigrationReport[]> {
  const all = migrations ?? (await loadMigrations())
  await conn.query(
    `CREATE TABLE IF NOT EXISTS ${TABLES.schemaVersion} (
       VERSION INT NOT NULL PRIMARY KEY,
       NAME VARCHAR(200) NOT NULL,
       APPLIED_AT DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
     ) ENGINE=InnoDB`,
  )
  const rows = (await conn.query(`SELECT VERSION AS version FROM ${TABLES.schemaVersion}`)) as Array<{version: number}>
  const done = new Set(rows.map((r) => Number(r.version)))
  const reports: MigrationReport[] = []
  for (const migration of all) {
    if (done.has(migration.version)) {
      reports.push({version: migration.version, name: migration.name, status: 'already applied'})
      continue
    }
    for (const statement of splitStatements(migration.sql)) await conn.query(statement)
    await conn.query(`INSERT IGNORE INTO ${TABLES.schemaVersion} (VERSION, NAME) VALUES (?, ?)`, [migration.version, migration.name])
    reports.push({version: migration.version, name: migration.name, status: 'applied'})
  }
  return reports
}
