/**
 * The column types of sstream's tables, read from the migrations in resources/sql (the one place they are
 * defined), so that the pipelines validate records against exactly what the tables accept: string
 * lengths, DECIMAL ranges, integer ranges. Read once, on first use, never on import.
 */
import {readdirSync, readFileSync} from 'node:fs'

import {BugError} from '../errors.js'
import {resourcePath} from '../paths.js'
import {splitStatements} from './migrations.js'

export type ColumnType =
  | {kind: 'varchar'; length: number}
  | {kind: 'decimal'; precision: number; scale: number}
  | {kind: 'int'; bits: 8 | 16 | 24 | 32 | 64; unsigned: boolean}
  | {kind: 'datetime'; fsp: number}
  | {kind: 'other'; sql: string}

const INT_BITS: Record<string, 8 | 16 | 24 | 32 | 64> = {TINYINT: 8, SMALLINT: 16, MEDIUMINT: 24, INT: 32, INTEGER: 32, BIGINT: 64}

/** The type at the start of a column definition (`VARCHAR(45) NOT NULL …`). */
export function parseColumnType(definition: string): ColumnType {
  const sql = definition.trim()
  let m = /^(?:VAR)?CHAR\s*\(\s*(\d+)\s*\)/i.exec(sql)
  if (m) return {kind: 'varchar', length: Number(m[1])}
  m = /^(?:DECIMAL|NUMERIC|DEC)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?/i.exec(sql)
  if (m) return {kind: 'decimal', precision: m[1] ? Number(m[1]) : 10, scale: m[2] ? Number(m[2]) : 0}
  m = /^(TINYINT|SMALLINT|MEDIUMINT|INTEGER|INT|BIGINT)\b(?:\s*\(\s*\d+\s*\))?(\s+UNSIGNED)?/i.exec(sql)
  if (m) return {kind: 'int', bits: INT_BITS[m[1].toUpperCase()], unsigned: m[2] !== undefined}
  m = /^DATETIME\b(?:\s*\(\s*(\d)\s*\))?/i.exec(sql)
  if (m) return {kind: 'datetime', fsp: m[1] ? Number(m[1]) : 0}
  return {kind: 'other', sql: sql.split(/\s+/)[0] ?? ''}
}

const IDENT = '`?([A-Za-z_][A-Za-z0-9_]*)`?'

/**
 * Applies the statements of migrations, in order, to a model of the tables: CREATE TABLE, and ALTER TABLE
 * … ADD / MODIFY / CHANGE [COLUMN] (other statements and clauses change no column type).
 */
export function columnsFromMigrations(sqls: readonly string[]): Map<string, Map<string, ColumnType>> {
  const tables = new Map<string, Map<string, ColumnType>>()
  for (const sql of sqls) {
    for (const statement of splitStatements(sql)) {
      const create = new RegExp(`^CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}\\s*\\(([\\s\\S]*)\\)`, 'i').exec(statement)
      if (create) {
        const columns = new Map<string, ColumnType>()
        for (const line of splitTopLevel(create[2])) {
          const column = new RegExp(`^${IDENT}\\s+(.*)$`, 's').exec(line.trim())
          if (!column || /^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN|CHECK|FULLTEXT)$/i.test(column[1])) continue
          columns.set(column[1].toUpperCase(), parseColumnType(column[2]))
        }
        tables.set(create[1].toLowerCase(), columns)
        continue
      }
      const alter = new RegExp(`^ALTER\\s+TABLE\\s+${IDENT}\\s+([\\s\\S]*)$`, 'i').exec(statement)
      if (!alter) continue
      const columns = tables.get(alter[1].toLowerCase())
      if (!columns) continue
      for (const clause of splitTopLevel(alter[2])) {
        const change = new RegExp(`^CHANGE\\s+(?:COLUMN\\s+)?(?:IF\\s+EXISTS\\s+)?${IDENT}\\s+${IDENT}\\s+(.*)$`, 'is').exec(clause.trim())
        if (change) {
          columns.delete(change[1].toUpperCase())
          columns.set(change[2].toUpperCase(), parseColumnType(change[3]))
          continue
        }
        const modify = new RegExp(`^(?:ADD|MODIFY)\\s+(?:COLUMN\\s+)?(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?${IDENT}\\s+(.*)$`, 'is').exec(clause.trim())
        if (modify && !/^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN|CHECK|FULLTEXT)$/i.test(modify[1])) columns.set(modify[1].toUpperCase(), parseColumnType(modify[2]))
      }
    }
  }
  return tables
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.filter((p) => p.trim() !== '')
}

let schema: Map<string, Map<string, ColumnType>> | undefined

/** The tables as sstream's migrations define them (read from resources/sql once). */
export function sstreamSchema(): Map<string, Map<string, ColumnType>> {
  if (!schema) {
    const dir = resourcePath('sql')
    const files = readdirSync(dir)
      .filter((f) => /^\d+_.+\.sql$/.test(f))
      .sort()
    schema = columnsFromMigrations(files.map((f) => readFileSync(`${dir}/${f}`, 'utf8')))
  }
  return schema
}

/** A column of one of sstream's tables, of the kind expected (a BugError if the migrations say otherwise). */
export function columnType<K extends ColumnType['kind']>(table: string, column: string, kind: K): Extract<ColumnType, {kind: K}> {
  const type = sstreamSchema().get(table)?.get(column.toUpperCase())
  if (!type || type.kind !== kind) throw new BugError(`The migrations define no ${kind} column ${table}.${column} (found ${JSON.stringify(type)}).`)
  return type as Extract<ColumnType, {kind: K}>
}

/** The first and last instants a DATETIME(3) column holds (local time, as sstream writes them), in ms. */
export const DATETIME_MIN = new Date(1000, 0, 1, 0, 0, 0, 0).getTime()
export const DATETIME_MAX = new Date(9999, 11, 31, 23, 59, 59, 999).getTime()

/** Whether a time (ms) is one a DATETIME(3) column holds. */
export function fitsDatetime(time: number): boolean {
  return Number.isFinite(time) && time >= DATETIME_MIN && time <= DATETIME_MAX
}
