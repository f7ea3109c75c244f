/** The benchmarks `npm run bench` knows, in the order it runs them. */
import {generatorsBenchmark} from './generators.js'
import {latencyBenchmark} from './latency.js'
import {leaderboardBenchmark} from './leaderboard.js'
import type {Benchmark} from './lib.js'
import {pipelinesBenchmark} from './pipelines.js'
import {scalingBenchmark} from './scaling.js'
import {predictionsBenchmark, sentimentBenchmark} from './sentiment.js'
import {startupBenchmark} from './startup.js'

export const BENCHMARKS: Benchmark[] = [generatorsBenchmark, pipelinesBenchmark, leaderboardBenchmark, sentimentBenchmark, predictionsBenchmark, latencyBenchmark, scalingBenchmark, startupBenchmark]
