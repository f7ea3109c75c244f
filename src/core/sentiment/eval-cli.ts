/**
 * `npm run eval:sentiment`: evaluates the candidate models on the shipped labelled set and prints the
 * Markdown report quoted in docs/sentiment.md. `--json` prints the full report as JSON instead. Exits 1
 * when the shipped model is no longer the chosen candidate, so that a change to the data or a package
 * that moves the choice cannot go unnoticed.
 */
import {evaluateModels, renderEvaluationReport} from './evaluate.js'

const report = await evaluateModels()
process.stdout.write(`${process.argv.includes('--json') ? JSON.stringify(report, null, 2) : renderEvaluationReport(report)}\n`)
if (!report.shipped.matchesChosen) process.exitCode = 1
