import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The package's resources/ folder (topics, SQL migrations, the Kafka POM, the review corpus). */
export function resourcesDir(): string {
  // This file is src/core/paths.ts or dist/core/paths.js: two levels below the package root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'resources')
}

export function resourcePath(...parts: string[]): string {
  return join(resourcesDir(), ...parts)
}

/** Where the local stack keeps the broker's jars, data and logs: $SSTREAM_HOME, else the user's cache dir. */
export function stackHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SSTREAM_HOME) return resolve(env.SSTREAM_HOME)
  const cache = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache')
  return join(cache, 'sstream')
}
