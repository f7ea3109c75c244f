/** Reads a V8 CPU profile (`node --cpu-prof`) and breaks its self time down by where the code lives. */
import {readFileSync} from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number}
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  /** Sampled time, idle excluded (ms). */
  busyMs: number
  idleMs: number
  /** Self time per category, largest first (ms). */
  categories: Array<{category: string; ms: number}>
  /** Self time per function, largest first (ms). */
  functions: Array<{name: string; where: string; category: string; ms: number}>
}

/** The part of the program a frame belongs to. */
export function categoryOf(functionName: string, url: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (functionName === '(program)') return 'V8 / native (unattributed)'
  if (url.includes('/node_modules/kafkajs/')) {
    return /\/producer\/|\/requests\/(produce|addPartitionsToTxn|endTxn|txnOffsetCommit)\/|\/recordBatch\/(v0|record\/v0)\/index\.js|\/protocol\/encoder\.js|\/crc32/.test(url)
      ? 'kafkajs producing (encode, send: the outputs)'
      : 'kafkajs consuming (fetch, decode)'
  }
  if (url.includes('/node_modules/mariadb/')) return 'mariadb driver'
  if (url.includes('/node_modules/ioredis/') || url.includes('/node_modules/redis-parser/') || url.includes('/node_modules/@ioredis/')) return 'ioredis'
  if (/\/core\/stream\//.test(url)) return 'sstream engine (src/core/stream)'
  if (/\/core\/kafka\//.test(url)) return 'sstream Kafka adapter and record-batch codec (src/core/kafka)'
  if (/\/core\/sentiment\//.test(url)) return 'sentiment model (src/core/sentiment)'
  if (/\/core\/pipelines\//.test(url)) return 'pipeline code: decode, aggregate (src/core/pipelines)'
  if (/\/core\/(mariadb|redis)\//.test(url)) return 'sinks (src/core/mariadb, src/core/redis)'
  if (/\/(src|dist)\//.test(url) && !url.includes('/node_modules/')) return 'other sstream code (CLI, output)'
  if (url.includes('/node_modules/')) return 'other dependencies (oclif, tsx...)'
  if (url.startsWith('node:')) return url.startsWith('node:internal/modules') ? 'module loading (start-up)' : 'Node.js built-ins (streams, net, buffer)'
  return 'V8 built-ins (JSON, strings, Buffer natives)'
}

/** `kafkajs/src/...`, `dist/core/...`, `node:buffer`. */
function shortUrl(url: string): string {
  const dependency = url.lastIndexOf('/node_modules/')
  if (dependency >= 0) return url.slice(dependency + '/node_modules/'.length)
  const own = /\/((?:src|dist|bench)\/.*)$/.exec(url)
  return own ? own[1] : url
}

export function summariseProfile(path: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
  let idleUs = 0
  const categories = new Map<string, number>()
  const functions = new Map<string, {name: string; where: string; category: string; us: number}>()
  for (const [id, us] of self) {
    const {functionName, url, lineNumber} = byId.get(id)!.callFrame
    if (functionName === '(idle)') {
      idleUs += us
      continue
    }
    const category = categoryOf(functionName, url)
    categories.set(category, (categories.get(category) ?? 0) + us)
    // Sources run through tsx have no line numbers in the profile (every frame says line 1): leave them out.
    const where = url ? `${shortUrl(url)}${/\.tsx?$/.test(url) && lineNumber === 0 ? '' : `:${lineNumber + 1}`}` : ''
    const key = `${functionName}@${where}`
    const entry = functions.get(key) ?? {name: functionName || '(anonymous)', where, category, us: 0}
    entry.us += us
    functions.set(key, entry)
  }
  const busyUs = [...categories.values()].reduce((a, b) => a + b, 0)
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    categories: [...categories].map(([category, us]) => ({category, ms: us / 1000})).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()].map(({us, ...f}) => ({...f, ms: us / 1000})).sort((a, b) => b.ms - a.ms),
  }
}
