/**
 * Runs a pipeline definition on Kafka: the stream runtime over the Kafka implementation of its ports.
 */
import {randomBytes} from 'node:crypto'

import {kafkaStreamPlatform} from '../kafka/stream-platform.js'
import {runStream} from '../stream/runtime.js'
import type {PipelineDefinition, RunOptions, RunSummary} from '../stream/types.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runPipeline(definition: PipelineDefinition<any>, options: RunOptions): Promise<RunSummary> {
  const clientId = options.clientId ?? `sstream-${definition.name}-${randomBytes(3).toString('hex')}`
  return runStream(definition, options, kafkaStreamPlatform({brokers: options.brokers, security: options.security, clientId}))
}
