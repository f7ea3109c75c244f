import {describe, expect, it} from 'vitest'

import {createDemoPrinter, formatDemoSummary} from '../../../src/cli/present-demo.js'
import {pipelinesOf, type DemoEvent, type DemoResult} from '../../../src/core/demo/index.js'
import {PIPELINES} from '../../../src/core/names.js'
import {createTheme} from '../../../src/core/output/index.js'

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0)
const theme = createTheme(false)

const stats = (pipeline: string, recordsIn: number): DemoEvent => ({
  type: 'stats',
  pipeline,
  time: new Date(T0).toISOString(),
  elapsedMs: 1000,
  recordsIn,
  recordsOut: recordsIn, outputs: {},
  rate: 20,
  deadLettered: 1,
  late: 0,
  future: 0,
  watermark: null,
  openWindows: 0,
  lag: 2,
  partitions: [],
  sinkLatencyMs: null,
  endToEndLatencyMs: null,
})

describe('pipelinesOf', () => {
  it('runs one pipeline, or all five in the order of the tabs', () => {
    expect(pipelinesOf('views')).toEqual(['views'])
    expect(pipelinesOf('all')).toEqual([...PIPELINES])
  })
})

describe('the demo without a terminal', () => {
  it('prints steps, starts and outages at once, and each pipeline’s figures at most every few seconds', () => {
    let now = T0
    const print = createDemoPrinter(theme, {everyMs: 5000, clock: () => now})
    expect(print({type: 'step', step: 'setup', message: 'Setting up…', time: ''})).toEqual(['Setting up…'])
    expect(print({type: 'generator', pipeline: 'alerts', generator: 'alerts', topic: 'streaming.alerts.input', sent: 1500, ratePerSec: 20, time: ''})).toEqual([])
    expect(print({type: 'started', pipeline: 'alerts', groupId: 'sstream-alerts', inputTopic: 'streaming.alerts.input', outputs: ['critical', 'highvolume'], time: ''})).toEqual([
      'alerts: reading streaming.alerts.input (group sstream-alerts) → critical, highvolume',
    ])
    expect(print(stats('alerts', 1490))).toEqual(['alerts      1,500 generated · 1,490 in (20/s) · 1,490 out · lag 2 · 1 dead letters · 0 late'])
    // Another pipeline has its own pace; the same one waits.
    expect(print(stats('views', 10))).toHaveLength(1)
    now += 1000
    expect(print(stats('alerts', 1510))).toEqual([])
    now += 4000
    expect(print(stats('alerts', 1600))).toHaveLength(1)
    expect(print({type: 'status', pipeline: 'views', service: 'redis', state: 'down', message: "Can't reach Redis.", time: ''})).toEqual([
      "views: redis is down: Can't reach Redis. (retrying)",
    ])
    expect(print({type: 'result', pipeline: 'alerts', output: 'critical', key: 'k', value: {}})).toEqual([])
  })

  it('sums up each pipeline in a table', () => {
    const result: DemoResult = {
      pipelines: [
        {pipeline: 'alerts', generator: 'alerts', inputTopic: 'streaming.alerts.input', groupId: 'sstream-alerts', generated: 1200, processed: 1180, results: 400, outputs: {highvolume: 16, critical: 384}, deadLettered: 0, late: 1},
        {pipeline: 'leaderboard', generator: 'scores', inputTopic: 'streaming.leaderboards.input', groupId: 'sstream-leaderboard', generated: 1200, processed: 1200, results: 1200, outputs: {'player-leaderboard': 1200}, deadLettered: 0, late: 0},
      ],
      stoppedBy: 'duration',
      elapsedMs: 61_234,
      stack: 'running',
      rate: 20,
      sentimentUrl: null,
    }
    const text = formatDemoSummary(result, theme)
    expect(text).toMatch(/PIPELINE\s+│ GENERATED │ PROCESSED │ RESULTS │ WRITTEN TO\s+│ DEAD LETTERS │ LATE/)
    expect(text).toMatch(/│ alerts\s+│ 1,200\s+│ 1,180\s+│ 400\s+│ critical 384\s+│ 0\s+│ 1\s+│/)
    expect(text).toMatch(/│ \(alerts\)\s+│\s+│\s+│\s+│ highvolume 16\s+│/)
    expect(text).toMatch(/│ leaderboard\s+│ 1,200\s+│ 1,200\s+│ 1,200\s+│ player-leaderboard 1,200 │/)
    expect(text).toContain('The demo ran its time after 61.2 s.')
    expect(formatDemoSummary({...result, stoppedBy: 'quit'}, theme)).toContain('The demo stopped with q after')
  })
})
