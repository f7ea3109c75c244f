import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {metricsFlags} from '../../cli/metrics-flags.js'
import type {JsonOutput} from '../../cli/reporter.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {SstreamError} from '../../core/errors.js'
import {DEFAULT_MAX_BODY_BYTES, DEFAULT_MODEL_KIND, formatAccessLog, listenAddressOf, MODEL_KINDS, serveSentiment, type ModelKind, type ServeSentimentResult} from '../../core/sentiment/index.js'

export type {ServeSentimentResult} from '../../core/sentiment/index.js'

export default class ServeSentiment extends SstreamCommand<typeof ServeSentiment> {
  /** NDJSON, as every long-running command: the events, then the summary (or the error) as one more line. */
  protected override jsonOutput: JsonOutput = 'ndjson'

  static override summary = 'Serve the sentiment model over HTTP (POST /sentiment)'
  static override description =
    'Serves a sentiment model, trained (the default: a network trained on the Stanford Sentiment Treebank) or lexicon (sstream 0.1\'s word lists and rules), with the original contract, POST /sentiment with the text as a text/plain body answering 200 and the bare label (Very Negative, Negative, Neutral, Positive or Very Positive; an empty body is Neutral), plus POST /v1/sentiment with JSON {"text": ...} or {"texts": [...]} answering labels with scores and the five class probabilities, and GET /healthz naming the model and its version. Listens on the host and port of --sentiment-url (or SSTREAM_SENTIMENT_URL: the address the other commands use to reach the service; 127.0.0.1:8001 by default), unless --host or --port say otherwise. Access log lines go to stderr, as JSON with --json. Ctrl-C or SIGTERM stops it gracefully.'

  static override examples = [
    {description: 'Serve on 127.0.0.1:8001', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Ask it like the original client did', command: "curl -s -X POST --data-binary 'I loved the movie.' http://127.0.0.1:8001/sentiment"},
    {description: 'Any free port, JSON logs, for a script', command: '<%= config.bin %> <%= command.id %> --port 0 --json'},
    {description: 'Serve the lexicon model of sstream 0.1 instead of the trained one', command: '<%= config.bin %> <%= command.id %> --model lexicon'},
    {description: 'With Prometheus metrics on 127.0.0.1:9465/metrics', command: '<%= config.bin %> <%= command.id %> --metrics-port 9465'},
  ]

  static override flags = {
    ...connectionFlags('sentiment'),
    host: Flags.string({description: 'Address to listen on [default: the host of --sentiment-url]'}),
    port: Flags.integer({description: 'Port to listen on, 0 for any free port [default: the port of --sentiment-url]', min: 0, max: 65_535}),
    model: Flags.string({description: 'The model to serve', options: [...MODEL_KINDS], default: DEFAULT_MODEL_KIND}),
    'max-body': Flags.integer({description: 'Largest request body in bytes; larger ones get 413', default: DEFAULT_MAX_BODY_BYTES, min: 1}),
    ...metricsFlags,
  }

  async run(): Promise<ServeSentimentResult> {
    const address = listenAddressOf(this.config_.sentimentUrl)
    const port = this.flags.port ?? address.port
    const metricsPort = this.flags['metrics-port']
    if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
      // Said before either listens: else the metrics take the port, and the service says another server has it.
      throw new SstreamError('USAGE', `--metrics-port ${metricsPort} is the port the service itself listens on (${this.flags.port === undefined ? 'from --sentiment-url' : '--port'}).`, {
        nextSteps: ['Give the metrics another port (--metrics-port 0 picks a free one).'],
      })
    }
    const metrics = metricsPort === undefined
      ? undefined
      : await (await import('../../core/metrics/index.js')).startSentimentMetrics({port: metricsPort, host: this.flags['metrics-host'], model: this.flags.model})
    if (metrics) this.report.progress({type: 'metrics', event: 'metrics', url: metrics.url}, () => `Prometheus metrics on ${metrics.url}`)
    const result = await serveSentiment({
      host: this.flags.host ?? address.host,
      port,
      maxBodyBytes: this.flags['max-body'],
      kind: this.flags.model as ModelKind,
      signal: this.signal,
      onRequest: (entry) => {
        metrics?.observe(entry)
        process.stderr.write(`${formatAccessLog(entry, this.jsonEnabled())}\n`)
      },
      onListening: ({url, model, version}) => {
        this.report.progress({type: 'listening', event: 'listening', url, model, version}, () => `Serving sentiment model ${model} (version ${version}) on ${url} (also /v1/sentiment and /healthz). Ctrl-C stops.`)
      },
    }).finally(() => metrics?.close())
    this.note(`Stopped after ${result.requests} ${result.requests === 1 ? 'request' : 'requests'}: ${result.texts} texts classified, ${result.errors} refused.`)
    return result
  }
}
