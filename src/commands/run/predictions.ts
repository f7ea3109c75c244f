import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {pipelineFlags, PipelineCommand, type RunCommandResult} from '../../cli/pipeline-command.js'
import {resolveTopicName, TOPICS} from '../../core/names.js'
import {DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, formatPrediction, runPredictions} from '../../core/pipelines/predictions.js'
import type {ResultEvent} from '../../core/stream/index.js'

export type RunPredictionsResult = RunCommandResult

export default class RunPredictions extends PipelineCommand<typeof RunPredictions> {
  static override summary = 'Label every movie review with its sentiment'
  static override description =
    'Reads reviews and writes each one\'s sentiment label (Very Negative, Negative, Neutral, Positive or Very Positive) to the output topic, keyed by the review id. Labels come from the sentiment service at --sentiment-url (start it with `sstream serve sentiment`), in batches through /v1/sentiment with at most --concurrency requests in flight, or from the model in-process with --model local. Labels and consumed offsets are written in one Kafka transaction: every review is labelled exactly once (read committed), in order per partition, across crashes and restarts. When the service goes down the processor pauses and retries with backoff; a review is never labelled Error. Records without a value go to the dead-letter topic.'

  static override examples = [
    {description: 'Label reviews with the sentiment service until Ctrl-C', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Use the model in-process and stop when caught up', command: '<%= config.bin %> <%= command.id %> --model local --until-idle'},
    {description: 'Private topics, as NDJSON events', command: '<%= config.bin %> <%= command.id %> --input-topic my-reviews --output-topic my-labels --json'},
  ]

  static override flags = {
    ...connectionFlags('kafka', 'sentiment'),
    ...pipelineFlags,
    'input-topic': Flags.string({description: 'Reviews topic', default: TOPICS.sentimentInput}),
    'output-topic': Flags.string({description: 'Topic for the labels', default: TOPICS.sentimentOutput}),
    model: Flags.string({description: 'Where the labels come from: the sentiment service (http) or the model in-process (local)', options: ['http', 'local'], default: 'http'}),
    concurrency: Flags.integer({description: 'Most requests to the sentiment service in flight', default: DEFAULT_CONCURRENCY, min: 1}),
    'batch-size': Flags.integer({description: 'Reviews per request to the sentiment service', default: DEFAULT_BATCH_SIZE, min: 1, max: 1000}),
  }

  async run(): Promise<RunPredictionsResult> {
    const summary = await this.execute('predictions', (io) => runPredictions({
      ...this.runOptions('predictions'),
      inputTopic: resolveTopicName(this.flags['input-topic']),
      outputTopic: resolveTopicName(this.flags['output-topic']),
      deadLetterTopic: resolveTopicName(this.flags['deadletter-topic']),
      model: this.flags.model as 'http' | 'local',
      sentimentUrl: this.config_.sentimentUrl,
      concurrency: this.flags.concurrency,
      batchSize: this.flags['batch-size'],
      ...io,
    }))
    return this.finish(summary)
  }

  protected formatResult(event: ResultEvent): string {
    return formatPrediction(event, this.theme)
  }
}
