/**
 * How src/core/kafka replaces a kafkajs module: the replacement goes into Node's module cache under the
 * module's own path, so that kafkajs's `require` of it gets the replacement. It must happen before kafkajs
 * loads that module (`installKafkajsPatches()` in index.ts runs every replacement, from the client factory,
 * before kafkajs is loaded); a module already loaded is left alone, and each replacing module has an
 * `...Installed()` check that says whether it worked.
 */
import Module, {createRequire} from 'node:module'

const require = createRequire(import.meta.url)

export function installModule(path: string, exports: unknown): void {
  if (require.cache[path]) return
  const module = new Module(path)
  module.filename = path
  module.loaded = true
  module.exports = exports
  require.cache[path] = module
}
