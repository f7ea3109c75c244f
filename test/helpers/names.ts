import {randomBytes} from 'node:crypto'

/** A name unique to this test run, for topics, groups, Redis keys and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
}

/** A unique name that is also a valid SQL identifier. */
export function uniqueIdentifier(prefix: string): string {
  return uniqueName(prefix).replace(/[^A-Za-z0-9_]/g, '_')
}
