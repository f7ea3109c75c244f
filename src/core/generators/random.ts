/**
 * A small, fast, seedable pseudo-random generator (sfc32, seeded through splitmix32). Every random choice a
 * generator makes goes through one of these, so that `--seed N` makes a run reproducible.
 */
import {randomInt} from 'node:crypto'

export interface Random {
  /** The seed this generator was created from. */
  readonly seed: number
  /** A uniform integer in [0, n). */
  int(n: number): number
  /** A uniform element of a non-empty list. */
  pick<T>(items: readonly T[]): T
}

/** A fresh random seed, for runs without `--seed`. */
export function randomSeed(): number {
  return randomInt(0, 2 ** 48 - 1)
}

/**
 * A seeded generator. Different `stream` numbers give independent sequences from the same seed (the record
 * choices and the pauses of `--classic` use different streams, so pacing never changes the records).
 */
export function createRandom(seed: number = randomSeed(), stream = 0): Random {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`A seed must be a safe integer, got ${seed}`)
  // splitmix32 over the seed's low and high 32 bits and the stream number gives sfc32's four words.
  let state = (Math.trunc(seed / 2 ** 32) ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0
  const splitmix = (mix: number): number => {
    state = (state + 0x9e3779b9 + mix) | 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  const low = seed >>> 0
  let a = splitmix(low)
  let b = splitmix(low)
  let c = splitmix(0)
  let d = splitmix(1)
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) next32()
  return {
    seed,
    int: (n) => Math.floor((next32() / 4_294_967_296) * n),
    pick: (items) => items[Math.floor((next32() / 4_294_967_296) * items.length)],
  }
}
