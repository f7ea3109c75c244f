import type {BoardPoint} from '../../../src/core/redis/leaderboard-sink.js'
import type {StoreSink} from '../../../src/core/stream/index.js'

/**
 * An in-memory model of the Redis board sink: per partition it keeps the next offset still to add, and a
 * write adds only the points at or past it (as the Lua script's fence does), then moves it forward.
 */
export function memoryBoardSink(name = 'board'): StoreSink<BoardPoint> & {scores: Map<string, number>; positions: Map<string, number>} {
  const scores = new Map<string, number>()
  const positions = new Map<string, number>()
  return {
    kind: 'store',
    name,
    service: 'redis',
    scores,
    positions,
    open: async () => undefined,
    storedPosition: async (topic, partition) => positions.get(`${topic}:${partition}`),
    write: async (points, context) => {
      const field = `${context.topic}:${context.partition}`
      const stored = positions.get(field) ?? Number.NEGATIVE_INFINITY
      if (stored >= context.nextOffset) return
      for (const p of points) if (p.offset >= stored) scores.set(p.member, (scores.get(p.member) ?? 0) + p.delta)
      positions.set(field, context.nextOffset)
    },
    close: async () => undefined,
  }
}
