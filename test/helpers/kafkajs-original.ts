/**
 * A kafkajs module as kafkajs ships it, compiled afresh from its file: src/core/kafka puts its own versions
 * of some kafkajs modules in Node's module cache, and the tests and benchmarks compare them with these.
 */
import {readFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {dirname} from 'node:path'

const require = createRequire(import.meta.url)

export function kafkajsOriginal<T>(request: string): T {
  const path = require.resolve(request)
  const m = new Module(path) as Module & {_compile(code: string, filename: string): void}
  m.filename = path
  m.paths = (Module as unknown as {_nodeModulePaths(dir: string): string[]})._nodeModulePaths(dirname(path))
  m._compile(readFileSync(path, 'utf8'), path)
  return m.exports as T
}
