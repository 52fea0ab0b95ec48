import { defineConfig } from 'vitest/config';

// The SDK warns on Node 20 that releases after January 2027 need Node 22 (known: see
// ../shared/reference/toolchain.md §2); the Lambda runtime is Node 24, and the warning only buries
// test output. The global setup runs in this process, the tests in workers: silence both.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * One run covers every layer: unit, emulator, integration (DynamoDB + emulator over real HTTP),
 * infra (CDK assertions + cdk-nag) and end-to-end (the local runtime as a child process).
 * One DynamoDB is started per run by the global setup, on a free loopback port: DynamoDB Local with
 * Java 17+ or in CI, else the embedded store (see `docs/local-dynamodb.md`).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: [
      'test/support/env.ts',
      'test/support/log-audit.ts',
      'test/support/response-audit.ts',
    ],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
