/**
 * `--metrics-port` / `--metrics-host` (SPEC §10): on every `run` command and on `serve sentiment`.
 */
import {Flags} from '@oclif/core'

export const metricsFlags = {
  'metrics-port': Flags.integer({
    description: 'Serve Prometheus metrics at http://<metrics-host>:<port>/metrics while the command runs (0: any free port, printed at the start)',
    min: 0,
    max: 65_535,
    helpGroup: 'METRICS',
  }),
  'metrics-host': Flags.string({
    description: 'Address the metrics endpoint listens on (0.0.0.0 for every interface)',
    default: '127.0.0.1',
    helpGroup: 'METRICS',
  }),
}
