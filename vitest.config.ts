import {configDefaults, defineConfig, type TestProjectInlineConfiguration} from 'vitest/config'

/**
 * The files that use the shared defaults — the topics, tables, Redis boards and consumer groups every user
 * of the local stack sees (`sstream demo` writes to them and clears a board whose offsets are stale) — run
 * one at a time, after the others. Every other integration and end-to-end file works on topics, groups,
 * databases and Redis keys of its own (test/helpers/names.ts), or on a private broker, cluster or server,
 * and runs beside the others.
 */
const SHARED_DEFAULTS = ['test/e2e/demo.test.ts', 'test/e2e/demo-sentiment-url.test.ts', 'test/e2e/tui-tmux-demo.test.ts']

/** Integration and end-to-end files at once: most of their time is waiting (brokers, processes, idle timeouts), not CPU. */
const INTEGRATION_WORKERS = 3

// Unit tests do no I/O. Integration and end-to-end tests talk to the real Kafka, MariaDB and Redis; the
// global setup brings the local stack up when Kafka is not reachable.
const integration: TestProjectInlineConfiguration['test'] = {
  environment: 'node',
  globalSetup: ['test/global-setup.ts'],
  // Each failed attempt's errors on stderr, a retried one's too (the report shows only "(retry x1)" for those).
  setupFiles: ['test/helpers/failed-attempts.ts'],
  testTimeout: 180_000,
  hookTimeout: 180_000,
  // A test against the real broker that fails once is run once more; a second failure fails the run.
  // No test is known to need it: the last intermittent cases (retention deleting a test's input, a fresh
  // topic's first ListOffsets answered NOT_LEADER) have their causes fixed. A retried test shows as such
  // in the report, and its failed attempt's errors are printed (test/helpers/failed-attempts.ts): look into it.
  retry: 1,
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          // ink renders only the last frame when it believes it runs in CI; the view tests read every frame.
          env: {CI: 'false'},
          // First, alone: its files use the CPU, and the view tests among them read frames as they are drawn.
          sequence: {groupOrder: 0},
        },
      },
      {
        test: {
          ...integration,
          name: 'integration',
          include: ['test/integration/**/*.test.{ts,tsx}', 'test/e2e/**/*.test.{ts,tsx}'],
          exclude: [...configDefaults.exclude, ...SHARED_DEFAULTS],
          maxWorkers: INTEGRATION_WORKERS,
          sequence: {groupOrder: 1},
        },
      },
      {
        test: {
          ...integration,
          name: 'integration-serial',
          include: SHARED_DEFAULTS,
          fileParallelism: false,
          // Last, once the parallel files are done: nothing else runs beside them.
          sequence: {groupOrder: 2},
        },
      },
    ],
    reporters: process.env.CI ? ['default', ['junit', {outputFile: 'test-results/junit.xml'}]] : ['default'],
  },
})
