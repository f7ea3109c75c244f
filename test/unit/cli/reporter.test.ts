import {describe, expect, it} from 'vitest'

import {createReporter, exitCodeOfStop, ndjsonFinal, type ReporterMode} from '../../../src/cli/reporter.js'
import type {StopReason} from '../../../src/core/stop.js'

function capture(mode: ReporterMode, logToStderr = false) {
  const out: string[] = []
  const err: string[] = []
  const objects: unknown[] = []
  const reporter = createReporter(mode, {
    stdout: {write: (text: string) => out.push(text)},
    stderr: {write: (text: string) => err.push(text)},
    logToStderr,
    printObject: (value) => objects.push(value),
  })
  return {reporter, out, err, objects}
}

describe('reporter', () => {
  it('json: results and progress as NDJSON events on stdout, notes only when logging to stderr', () => {
    const {reporter, out, err} = capture('json')
    reporter.result({type: 'result', key: 'a'}, () => 'plain a')
    reporter.result(undefined, () => 'a table')
    reporter.progress({type: 'stats', recordsIn: 3}, () => 'stats line')
    reporter.note('Running …')
    expect(out).toEqual(['{"type":"result","key":"a"}\n', '{"type":"stats","recordsIn":3}\n'])
    expect(err).toEqual([])
    const logging = capture('json', true)
    logging.reporter.note('Running …')
    expect(logging.err).toEqual(['Running …\n'])
  })

  it('plain: results on stdout, progress and notes on stderr, no JSON', () => {
    const {reporter, out, err} = capture('plain')
    reporter.result({type: 'result'}, () => ['line 1', 'line 2'])
    reporter.result({type: 'board'}, () => [])
    reporter.progress({type: 'stats'}, () => 'stats line')
    reporter.progress({type: 'assigned'}, () => [])
    reporter.note('a note')
    expect(out).toEqual(['line 1\nline 2\n'])
    expect(err).toEqual(['stats line\n', 'a note\n'])
  })

  it('live: the view shows results and progress, notes still reach stderr', () => {
    const {reporter, out, err} = capture('live')
    let rendered = 0
    reporter.result({type: 'result'}, () => String(++rendered))
    reporter.progress({type: 'stats'}, () => String(++rendered))
    reporter.note('after the view')
    expect(rendered).toBe(0)
    expect(out).toEqual([])
    expect(err).toEqual(['after the view\n'])
  })

  it('writes the last JSON value as the command asks: pretty object, one line, or a typed NDJSON event', () => {
    const {reporter, out, objects} = capture('json')
    reporter.final({created: 3}, 'object')
    reporter.final({view: 'leaderboard', entries: []}, 'line')
    reporter.final({topic: 't', records: 2}, 'ndjson')
    reporter.final({type: 'summary', recordsIn: 1}, 'ndjson')
    reporter.final({error: {code: 'KAFKA_UNREACHABLE'}}, 'ndjson')
    expect(objects).toEqual([{created: 3}])
    expect(out.map((line) => JSON.parse(line) as unknown)).toEqual([
      {view: 'leaderboard', entries: []},
      {type: 'summary', topic: 't', records: 2},
      {type: 'summary', recordsIn: 1},
      {type: 'error', error: {code: 'KAFKA_UNREACHABLE'}},
    ])
    expect(ndjsonFinal({error: {code: 'X'}})).toEqual({type: 'error', error: {code: 'X'}})
  })

  it('one exit path: 130 for a signal, 0 for every other stop', () => {
    const reasons: StopReason[] = ['until-idle', 'duration', 'max', 'end', 'quit']
    expect(exitCodeOfStop('signal')).toBe(130)
    for (const reason of reasons) expect(exitCodeOfStop(reason)).toBe(0)
  })
})
