/**
 * The flags every `sstream gen …` command shares (generators write to Kafka only, so --brokers is the one
 * connection flag), and their translation into runGenerator options.
 */
import {Flags} from '@oclif/core'

import {parseDuration} from '../core/duration.js'
import {DEFAULT_RATE, parseRate, parseStartTime, type RunGeneratorOptions} from '../core/generators/index.js'
import {connectionFlags} from './connection-flags.js'

export const generatorFlags = {
  ...connectionFlags('kafka'),
  rate: Flags.string({
    description: `Records per second, held steadily (decimals allowed), or "max" for as fast as the broker takes them [default: ${DEFAULT_RATE}]`,
    exclusive: ['classic'],
  }),
  count: Flags.integer({description: 'Stop after this many records (default: until Ctrl-C; 100 with --classic)', min: 1}),
  duration: Flags.string({description: 'Stop after this long, e.g. 30s, 5m (a bare number is seconds)'}),
  seed: Flags.integer({description: 'Fix every random choice, for a reproducible run', min: 0}),
  'start-time': Flags.string({
    description: "Use a synthetic clock starting here (epoch ms or ISO date-time): with --seed, two runs write identical topics. The records' timestamps are these times: Kafka deletes those older than the topic's retention.ms (24 h on the local stack) within minutes, and the run says so",
  }),
  'time-step': Flags.string({
    description: 'Event time between records with --start-time, e.g. 100ms, 1s (a bare number is ms) [default: 1/rate; 1ms with --rate max; 2s with --classic]',
    dependsOn: ['start-time'],
  }),
  classic: Flags.boolean({description: "The original's pacing: one record, then a random 1–3 s pause; 100 records", default: false}),
  topic: Flags.string({description: "Write to this topic instead of the generator's own"}),
  echo: Flags.boolean({description: 'Print each record once the broker has it, like the original console echo', default: false}),
}

export interface GeneratorFlagValues {
  rate?: string
  count?: number
  duration?: string
  seed?: number
  'start-time'?: string
  'time-step'?: string
  classic: boolean
  topic?: string
}

/** The runGenerator options the flags ask for (usage errors for values that don't parse). */
export function generatorOptionsFromFlags(flags: GeneratorFlagValues): Omit<RunGeneratorOptions, 'generator' | 'brokers'> {
  return {
    rate: flags.rate === undefined ? undefined : parseRate(flags.rate),
    count: flags.count,
    durationMs: flags.duration === undefined ? undefined : parseDuration(flags.duration, 'duration', {positive: true}),
    seed: flags.seed,
    startTime: flags['start-time'] === undefined ? undefined : parseStartTime(flags['start-time']),
    timeStepMs: flags['time-step'] === undefined ? undefined : parseDuration(flags['time-step'], 'time-step', {defaultUnit: 'ms', fractions: true}),
    classic: flags.classic,
    topic: flags.topic,
  }
}
