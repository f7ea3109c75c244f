import {Flags} from '@oclif/core'

import {connectionFlags} from '../../cli/connection-flags.js'
import {SstreamCommand} from '../../cli/sstream-command.js'
import {DEFAULT_MAX_BODY_BYTES, formatAccessLog, listenAddressOf, serveSentiment, type ServeSentimentResult} from '../../core/sentiment/index.js'

export type {ServeSentimentResult} from '../../core/sentiment/index.js'

export default class ServeSentiment extends SstreamCommand<typeof ServeSentiment> {
  static override summary = 'Serve the sentiment model over HTTP (POST /sentiment)'
  static override description =
    'Serves the in-process sentiment model with the original contract, POST /sentiment with the text as a text/plain body answering 200 and the bare label (Very Negative, Negative, Neutral, Positive or Very Positive; an empty body is Neutral), plus POST /v1/sentiment with JSON {"text": ...} or {"texts": [...]} answering labels with scores, and GET /healthz. Listens on the host and port of --sentiment-url (or SSTREAM_SENTIMENT_URL: the address the other commands use to reach the service; 127.0.0.1:8001 by default), unless --host or --port say otherwise. Access log lines go to stderr, as JSON with --json. Ctrl-C or SIGTERM stops it gracefully.'

  static override examples = [
    {description: 'Serve on 127.0.0.1:8001', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Ask it like the original client did', command: "curl -s -X POST --data-binary 'I loved the movie.' http://127.0.0.1:8001/sentiment"},
    {description: 'Any free port, JSON logs, for a script', command: '<%= config.bin %> <%= command.id %> --port 0 --json'},
  ]

  static override flags = {
    ...connectionFlags('sentiment'),
    host: Flags.string({description: 'Address to listen on [default: the host of --sentiment-url]'}),
    port: Flags.integer({description: 'Port to listen on, 0 for any free port [default: the port of --sentiment-url]', min: 0, max: 65_535}),
    'max-body': Flags.integer({description: 'Largest request body in bytes; larger ones get 413', default: DEFAULT_MAX_BODY_BYTES, min: 1}),
  }

  async run(): Promise<ServeSentimentResult> {
    const json = this.jsonEnabled()
    const address = listenAddressOf(this.config_.sentimentUrl)
    const result = await serveSentiment({
      host: this.flags.host ?? address.host,
      port: this.flags.port ?? address.port,
      maxBodyBytes: this.flags['max-body'],
      signal: this.signal,
      onRequest: (entry) => process.stderr.write(`${formatAccessLog(entry, json)}\n`),
      onListening: ({url, model}) => {
        if (json) this.emitJson({event: 'listening', url, model})
        else this.note(`Serving sentiment model ${model} on ${url} (also /v1/sentiment and /healthz). Ctrl-C stops.`)
      },
    })
    this.note(`Stopped after ${result.requests} ${result.requests === 1 ? 'request' : 'requests'}: ${result.texts} texts classified, ${result.errors} refused.`)
    return result
  }
}
