/**
 * V8's heap growth for processes that stream at full speed. By default V8 lets the old generation grow to
 * several times what survives a full collection when a program allocates quickly, and a processor over a
 * backlog allocates per record: `run leaderboard` over a million preloaded scores peaked at 266 MiB RSS with
 * 172 MiB of heap in use, most of it garbage waiting for the next full collection. A growth factor of 1.2
 * (`--heap-growing-percent=20`) kept it at 169 MiB with 77 MiB of heap at the same CPU per record
 * (docs/benchmarks.md); the heap still grows to whatever the records held in windows and batches need.
 * The young generation's size cannot be set from here: V8 fixes it when the process starts.
 */
import {setFlagsFromString} from 'node:v8'

/** The growth factor of V8's old generation after a full collection, as a percentage above 1. */
export const HEAP_GROWING_PERCENT = 20

let applied = false

/** Applies HEAP_GROWING_PERCENT to this process (once; later calls do nothing). */
export function tightenHeapGrowth(): void {
  if (applied) return
  applied = true
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}
