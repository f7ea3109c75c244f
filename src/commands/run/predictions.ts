import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {pipelineFlags, PipelineCommand, type RunCommandResult} from '../../cli/pipeline-command.js'
import {resolveTopicName, TOPICS} from '../../core/names.js'
import {formatPrediction} from '../../cli/present-results.js'
import {DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, MODEL_FLAG_VALUES, resolveModelChoice, runPredictions} from '../../core/pipelines/predictions.js'
import type {ResultEvent} from '../../core/stream/index.js'

export type RunPredictionsResult = RunCommandResult

export default class RunPredictions extends PipelineCommand<typeof RunPredictions> {
  static override summary = 'Label every movie review with its sentiment'
  static override description =
    'Reads reviews and writes each one\'s sentiment label (Very Negative, Negative, Neutral, Positive or Very Positive) to the output topic, keyed by the review id. Labels come from the sentiment service at --sentiment-url (start it with `sstream serve sentiment`), in batches through /v1/sentiment with at most --concurrency requests in flight, or, with --local, from the model in this process. --model picks the model: trained (a network trained on the Stanford Sentiment Treebank, the default) or lexicon (sstream 0.1\'s word lists and rules); with the service, --model checks that the service runs that model. `--model local` (0.1) still works and means --local; it is deprecated. Labels and consumed offsets are written in one Kafka transaction: every review is labelled exactly once (read committed), in order per partition, across crashes and restarts. When the service goes down the processor pauses and retries with backoff; a review is never labelled Error. Records without a value go to the dead-letter topic. A tombstone, or a review or key (its id) that is not UTF-8, is dead-lettered, and so is a review the service refuses for its content (HTTP 400/413/414/422, reason rejected); only an unreachable or failing service pauses the run.'

  static override examples = [
    {description: 'Label reviews with the sentiment service until Ctrl-C', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Run the trained model in this process and stop when caught up', command: '<%= config.bin %> <%= command.id %> --local --until-idle'},
    {description: 'The lexicon model of sstream 0.1, in this process', command: '<%= config.bin %> <%= command.id %> --local --model lexicon'},
    {description: 'Private topics, as NDJSON events', command: '<%= config.bin %> <%= command.id %> --input-topic my-reviews --output-topic my-labels --json'},
  ]

  static override flags = {
    ...connectionFlags('kafka', 'sentiment'),
    ...pipelineFlags,
    'input-topic': Flags.string({description: 'Reviews topic', default: TOPICS.sentimentInput}),
    'output-topic': Flags.string({description: 'Topic for the labels', default: TOPICS.sentimentOutput}),
    local: Flags.boolean({description: 'Run the model in this process instead of asking the sentiment service', default: false}),
    model: Flags.string({
      description: 'The model: trained or lexicon [default: trained with --local; with the service, the one it runs] (local and http: deprecated, 0.1)',
      options: [...MODEL_FLAG_VALUES],
    }),
    concurrency: Flags.integer({description: 'Most requests to the sentiment service in flight', default: DEFAULT_CONCURRENCY, min: 1}),
    'batch-size': Flags.integer({description: 'Reviews per request to the sentiment service', default: DEFAULT_BATCH_SIZE, min: 1, max: 1000}),
  }

  async run(): Promise<RunPredictionsResult> {
    const choice = resolveModelChoice({model: this.flags.model, local: this.flags.local})
    if (choice.deprecation) this.note(choice.deprecation)
    const summary = await this.execute('predictions', (io) => runPredictions({
      ...this.runOptions('predictions'),
      inputTopic: resolveTopicName(this.flags['input-topic']),
      outputTopic: resolveTopicName(this.flags['output-topic']),
      deadLetterTopic: resolveTopicName(this.flags['deadletter-topic']),
      local: choice.local,
      ...(choice.model ? {model: choice.model} : {}),
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
