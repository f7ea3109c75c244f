/**
 * Loaded into a processor by the benchmarks (`node --import bench/memory-probe.mjs bin/run.js run ...`):
 * samples the process's memory every 100 ms and writes the peaks to the file named by
 * SSTREAM_BENCH_MEMORY_FILE (every second, and on exit). Peak RSS is the kernel's high-water mark (VmHWM)
 * where /proc has it; the heap figures are the sampled peaks of V8's used and total heap; `cpuMs` is the
 * process's CPU time (user and system) when written, on exit its total.
 */
import {readFileSync, writeFileSync} from 'node:fs'

const file = process.env.SSTREAM_BENCH_MEMORY_FILE
if (file) {
  const peak = {rss: 0, heapUsed: 0, heapTotal: 0, external: 0, samples: 0}
  const highWaterMark = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
      return match ? Number(match[1]) * 1024 : 0
    } catch {
      return 0
    }
  }
  const sample = () => {
    const m = process.memoryUsage()
    peak.rss = Math.max(peak.rss, m.rss)
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed)
    peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal)
    peak.external = Math.max(peak.external, m.external)
    peak.samples++
  }
  const write = () => {
    const hwm = highWaterMark()
    const {user, system} = process.cpuUsage()
    writeFileSync(file, JSON.stringify({...peak, rss: Math.max(peak.rss, hwm), highWaterMark: hwm, cpuMs: (user + system) / 1000}))
  }
  const timer = setInterval(() => {
    sample()
    if (peak.samples % 10 === 0) write()
  }, 100)
  timer.unref()
  process.on('exit', () => {
    sample()
    write()
  })
}
