import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const clientPaths = [
  {name: 'kafkajs', message: 'Only src/core/kafka imports kafkajs.'},
  {name: 'ioredis', message: 'Only src/core/redis imports ioredis.'},
  {name: 'mariadb', message: 'Only src/core/mariadb imports mariadb.'},
]

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/', 'test-results/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', performance: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly'},
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_'}],
      '@typescript-eslint/consistent-type-imports': ['error', {fixStyle: 'inline-type-imports'}],
      'no-restricted-imports': 'off',
    },
  },
  {
    // Commands are thin: no client libraries and no chalk in src/commands (STYLE.md).
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {paths: ['kafkajs', 'ioredis', 'mariadb', 'chalk'].map((name) => ({name, message: 'Commands call core functions; clients live in src/core adapters.'}))},
      ],
    },
  },
  {
    // Each client library is imported by its adapter only.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/core/kafka/**', 'src/core/mariadb/**', 'src/core/redis/**', 'src/commands/**'],
    rules: {
      'no-restricted-imports': ['error', {paths: clientPaths}],
    },
  },
  {
    // The engine defines its ports and the adapters implement them: src/core/stream imports no adapter.
    files: ['src/core/stream/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: clientPaths,
          patterns: [
            {
              group: ['**/kafka', '**/kafka/**', '**/mariadb', '**/mariadb/**', '**/redis', '**/redis/**'],
              message: 'src/core/stream defines ports (ports.ts, StoreSink); the adapters implement them and the engine imports none of them.',
            },
          ],
        },
      ],
    },
  },
)
