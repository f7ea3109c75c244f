export {DEFAULT_METRICS_HOST, serveMetrics, type MetricsEndpoint, type MetricsListenOptions} from './server.js'
export {LATENCY_BUCKETS_SECONDS, PipelineMetricsRecorder, startPipelineMetrics, type PipelineMetrics, type PipelineMetricsOptions} from './pipeline-metrics.js'
export {sentimentMetricsRecorder, startSentimentMetrics, type SentimentMetrics} from './sentiment-metrics.js'
