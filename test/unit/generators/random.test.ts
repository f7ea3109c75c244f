import {describe, expect, it} from 'vitest'

import {createRandom} from '../../../src/core/generators/index.js'

const draw = (seed: number, stream = 0, n = 50): number[] => {
  const r = createRandom(seed, stream)
  return Array.from({length: n}, () => r.int(1000))
}

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs between seeds and streams', () => {
    expect(draw(42)).toEqual(draw(42))
    expect(draw(42)).not.toEqual(draw(43))
    expect(draw(42, 0)).not.toEqual(draw(42, 1))
    expect(draw(2 ** 40 + 5)).not.toEqual(draw(5))
  })

  it('is uniform enough: each of 10 values within 5% of its share over 100k draws', () => {
    const r = createRandom(7)
    const counts = new Array(10).fill(0)
    for (let i = 0; i < 100_000; i++) counts[r.int(10)]++
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500)
  })

  it('stays within range and picks every element', () => {
    const r = createRandom(1)
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3)
      expect(n).toBeGreaterThanOrEqual(0)
      expect(n).toBeLessThan(3)
      seen.add(r.pick(['a', 'b', 'c', 'd']))
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c', 'd'])
  })

  it('refuses seeds that are not safe integers', () => {
    expect(() => createRandom(1.5)).toThrow(RangeError)
  })
})
