import { defineConfig } from 'vitest/config';

// The AWS SDK warns on Node 20 that its releases after the first week of January 2027 need Node 22
// (the warning and its switch are in @aws-sdk/core's emitWarningIfUnsupportedVersion; AWS's policy:
// https://aws.amazon.com/blogs/developer/category/programing-language/javascript/); the Lambda
// runtime is Node 24, and the warning only buries test output. The global setup runs in this
// process, the tests in workers: silence both.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Every worker of every tier: log lines and API answers are checked for secrets after each file. */
const AUDITS = ['test/support/log-audit.ts', 'test/support/response-audit.ts'];
/** The tiers that need a DynamoDB: one is started for the run (see `docs/local-dynamodb.md`). */
const WITH_DYNAMODB = {
  globalSetup: ['test/support/global-setup.ts'],
  setupFiles: ['test/support/env.ts', ...AUDITS],
};

/**
 * Three tiers (docs/testing.md), each a vitest project; `npm test` runs them all.
 * - unit: unit tests and the emulator's, no DynamoDB and no Java, in seconds (`npm run test:unit`);
 * - integration: routes, stores and queues over a real DynamoDB and the emulator, and the CDK
 *   template assertions (`npm run test:integration`);
 * - e2e: the local runtime as a child process, the console in a browser, the chaos soak
 *   (`npm run test:e2e`).
 * The DynamoDB is DynamoDB Local with Java 17+ or in CI, else the embedded store.
 */
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/emulator/**/*.test.ts'],
          setupFiles: AUDITS,
          pool: 'threads',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/infra/**/*.test.ts'],
          ...WITH_DYNAMODB,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/soak/**/*.test.ts'],
          ...WITH_DYNAMODB,
        },
      },
    ],
    // `npm run test:coverage` (a check of .ci/run) measures what the unit and integration tiers
    // cover of the domain rules, the HTTP wrapper and the use cases, and fails under these floors:
    // each a little under what it measured when set (domain 92.7 % of statements, 74.9 % of
    // branches, 100 % of functions, 93.8 % of lines; http 100, 91.9, 100, 100; use cases 91.6,
    // 80.4, 95.3, 95.1). Raise them as tests are added. Not in `npm test`: the soak's time budget
    // and a filtered `npm test -- <file>` (which would fall under every floor) stay clear of it.
    coverage: {
      provider: 'v8',
      include: ['shared/domain/**/*.ts', 'shared/http/**/*.ts', 'shared/use-cases/**/*.ts'],
      reporter: ['text-summary'],
      thresholds: {
        'shared/domain/**': { statements: 90, branches: 72, functions: 98, lines: 91 },
        'shared/http/**': { statements: 98, branches: 89, functions: 98, lines: 98 },
        'shared/use-cases/**': { statements: 89, branches: 78, functions: 93, lines: 93 },
      },
    },
  },
});
