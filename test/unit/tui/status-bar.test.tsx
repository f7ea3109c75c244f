import {describe, expect, it} from 'vitest'

import {StatusBar} from '../../../src/core/tui/components/StatusBar.js'
import {renderThemed, stateOf, stripAnsi, T0} from './fixtures.js'

const running = stateOf('analytics', [
  {type: 'stats', stats: {rate: 1234.4, recordsIn: 100_000, recordsOut: 420, lag: 17, watermark: T0, deadLetters: 3, late: 1, openWindows: 6}, at: T0},
  {type: 'service', service: 'kafka', state: 'ok', at: T0},
  {type: 'service', service: 'mariadb', state: 'ok', at: T0},
]).status

describe('StatusBar', () => {
  it('shows rate, records, lag, watermark, open windows, dead letters, late and each service', () => {
    const frame = stripAnsi(renderThemed(<StatusBar status={running} mode="run" now={T0} width={200} />).lastFrame() ?? '')
    const watermark = new Date(T0).toTimeString().slice(0, 8)
    expect(frame).toContain(`● running │ 1,234 rec/s │ in 100,000 │ out 420 │ lag 17 │ watermark ${watermark} │ open windows 6 │ dead letters 3 │ late 1 │ kafka ●  mariadb ●`)
    expect(frame).toContain('q quit  p pause')
  })

  it('shows unknown figures as – before the first stats', () => {
    const frame = stripAnsi(renderThemed(<StatusBar status={stateOf('alerts', []).status} mode="run" now={T0} width={200} />).lastFrame() ?? '')
    expect(frame).toContain('● running │ – │ in – │ out – │ lag – │ watermark – │ dead letters – │ late –')
  })

  it('shows an outage in red while the processor waits, with how long and what is wrong', () => {
    const down = stateOf('analytics', [{type: 'service', service: 'mariadb', state: 'down', message: "Can't reach MariaDB at 127.0.0.1:3306.", at: T0}]).status
    const coloured = renderThemed(<StatusBar status={{...running, services: [...running.services.filter((s) => s.service !== 'mariadb'), ...down.services]}} mode="run" now={T0 + 12_000} width={200} />, {color: true}).lastFrame() ?? ''
    const plain = stripAnsi(coloured)
    expect(plain).toContain('● waiting')
    expect(plain).toContain('mariadb ● down 12s')
    expect(plain).toContain("mariadb is down: Can't reach MariaDB at 127.0.0.1:3306. (processing is paused and resumes by itself).")
    expect(coloured).toContain('\u001B[31m● waiting')
    expect(coloured).toContain('\u001B[31mmariadb ● down 12s')
    expect(coloured).toContain("\u001B[31mmariadb is down: Can't reach MariaDB")
  })

  it('shows the service back to green once it recovers', () => {
    const back = stateOf('analytics', [
      {type: 'service', service: 'redis', state: 'down', message: 'gone', at: T0},
      {type: 'service', service: 'redis', state: 'ok', at: T0 + 5000},
    ]).status
    const frame = stripAnsi(renderThemed(<StatusBar status={back} mode="run" now={T0 + 6000} width={200} />).lastFrame() ?? '')
    expect(frame).toContain('● running')
    expect(frame).toContain('redis ●')
    expect(frame).not.toContain('down')
  })

  it('shows paused, stopping and stopped', () => {
    const paused = stripAnsi(renderThemed(<StatusBar status={{...running, paused: true}} mode="run" now={T0} width={200} />).lastFrame() ?? '')
    expect(paused).toContain('❚❚ paused')
    expect(paused).toContain('p resume')
    expect(stripAnsi(renderThemed(<StatusBar status={{...running, stopping: true}} mode="run" now={T0} width={200} />).lastFrame() ?? '')).toContain('■ stopping…')
    const stopped = stripAnsi(renderThemed(<StatusBar status={{...running, stopped: true}} mode="run" now={T0} width={200} />).lastFrame() ?? '')
    expect(stopped).toContain('■ stopped')
    expect(stopped).not.toContain('q quit')
  })

  it('in watch mode, shows the source and the refresh', () => {
    const watching = stateOf('leaderboard', [{type: 'board', key: 'k', entries: [], at: T0}, {type: 'service', service: 'redis', state: 'ok', at: T0}]).status
    const frame = stripAnsi(renderThemed(<StatusBar status={watching} mode="watch" source="127.0.0.1:6379 k" refreshMs={1000} now={T0} width={200} />).lastFrame() ?? '')
    expect(frame).toContain(`● watching │ 127.0.0.1:6379 k │ refreshed ${new Date(T0).toTimeString().slice(0, 8)} │ every 1s │ redis ●`)
  })

  it('in watch mode, shows an outage in red and keeps the time of the last good refresh', () => {
    const status = stateOf('leaderboard', [
      {type: 'board', key: 'k', entries: [], at: T0},
      {type: 'service', service: 'redis', state: 'down', message: "Can't reach Redis at 127.0.0.1:6379.", at: T0 + 2000},
    ]).status
    const coloured = renderThemed(<StatusBar status={status} mode="watch" source="k" refreshMs={1000} now={T0 + 5000} width={200} />, {color: true}).lastFrame() ?? ''
    const frame = stripAnsi(coloured)
    expect(frame).toContain(`● retrying │ k │ refreshed ${new Date(T0).toTimeString().slice(0, 8)} │ every 1s │ redis ● down 3s`)
    expect(frame).toContain("redis is down: Can't reach Redis at 127.0.0.1:6379. (retrying; the view resumes by itself).")
    expect(coloured).toContain('\u001B[31m● retrying')
  })

  it('wraps between figures on a narrow terminal and stays within the width', () => {
    const frame = stripAnsi(renderThemed(<StatusBar status={running} mode="run" now={T0} width={40} />).lastFrame() ?? '')
    const lines = frame.split('\n')
    expect(lines.length).toBeGreaterThan(3)
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(40)
    expect(frame).toContain('lag 17')
  })
})
