export {applyMigrations, loadMigrations, splitStatements, type Migration, type MigrationReport, type Queryable} from './migrations.js'
export {
  checkMaria,
  createMariaPool,
  isMariaConnectionError,
  mariaSecurity,
  parseMariaUrl,
  redactUrl,
  toMariaError,
  withConnection,
  type MariaPoolOptions,
  type MariaTarget,
  type Pool,
  type PoolConnection,
} from './pool.js'
export {defaultAdminUrl, setupDb, type SetupDbOptions, type SetupDbResult} from './setup.js'
