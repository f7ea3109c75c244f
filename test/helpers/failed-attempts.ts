/**
 * Integration tests are run once more when they fail (vitest.config.ts, `retry: 1`), and a test that then
 * passes shows only as "(retry x1)" in the report. This setup file prints each failed attempt's errors on
 * stderr, where the report keeps them, so that a retried test says why its first attempt failed.
 */
import {beforeEach} from 'vitest'

beforeEach((context) => {
  context.onTestFailed(({task}) => {
    const errors = task.result?.errors ?? []
    for (const error of errors) {
      process.stderr.write(`[failed attempt ${(task.result?.retryCount ?? 0) + 1}] ${task.name}\n${error.stack ?? error.message}\n${error.diff ?? ''}\n`)
    }
  })
})
