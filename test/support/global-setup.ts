import type { TestProject } from 'vitest/node';
import { ensureTables, LOCAL_AWS } from '#local/dynamodb-local.ts';
import {
  chooseStore,
  type RunningStore,
  STORE_ENV,
  STORE_LABEL,
  type StoreChoice,
  startStore,
} from '#local/dynamodb-store.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { findChromium } from './chromium.ts';
import { findStoredSecrets } from './stored-secrets.ts';

/**
 * The run's one store, shared by the projects that need it (integration and e2e): vitest runs this
 * setup once per project, all in its main process, so the store is kept on `globalThis`, which
 * every project's copy of this module sees.
 */
interface TestStore {
  readonly dynamo: RunningStore;
  readonly choice: StoreChoice;
  readonly banner: string;
}
interface SharedStore {
  readonly running: Promise<TestStore>;
  users: number;
}
const SHARED = Symbol.for('tradelyhq.test.dynamodb');
const registry = globalThis as { [SHARED]?: SharedStore };

/**
 * The run's store: `LOCAL_DYNAMODB_STORE` when set; DynamoDB Local, the reference, in CI (where
 * `.ci/run` installs Java) or wherever Java 17+ is; else the embedded store, so that a machine with
 * only Node runs the whole suite.
 */
function chooseTestStore(): StoreChoice {
  const requested = process.env[STORE_ENV];
  if (!requested && process.env.CI === 'true') {
    return { store: 'local', reason: 'CI=true (the reference store; .ci/run installs Java)' };
  }
  return chooseStore(requested, STORE_ENV);
}

/** The lines that open and close the run's output: which DynamoDB it used and why. */
function storeBanner(choice: StoreChoice, endpoint: string): string {
  const rule = '='.repeat(100);
  const lines = [
    rule,
    `DynamoDB for this run: ${STORE_LABEL[choice.store]} at ${endpoint}`,
    `  because ${choice.reason}`,
    choice.store === 'embedded'
      ? '  The reference is DynamoDB Local: install Java 17+ (or set LOCAL_DYNAMODB_STORE=local) to test on it.'
      : '  LOCAL_DYNAMODB_STORE=embedded runs the same suite on the embedded store (no Java).',
  ];
  if (!findChromium()) {
    lines.push(
      'Browser test: SKIPPED, no Chromium found (/usr/bin/chromium or chromium on PATH); ' +
        "install Debian's chromium to run test/e2e/console.test.ts.",
    );
  }
  return [...lines, rule].join('\n');
}

/**
 * Starts one in-memory DynamoDB for the whole run (see {@link chooseTestStore}), creates the
 * stack's tables in it, says loudly which store it is, and hands its endpoint to the test workers,
 * which point the AWS SDK at it through the environment.
 */
export async function setup(project: TestProject): Promise<void> {
  registry[SHARED] ??= { running: startTestStore(), users: 0 };
  registry[SHARED].users += 1;
  const { dynamo, choice } = await registry[SHARED].running;
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('dynamoStore', choice.store);
  project.provide('localAws', LOCAL_AWS);
}

async function startTestStore(): Promise<TestStore> {
  const choice = chooseTestStore();
  const dynamo = await startStore(choice.store);
  await ensureTables(dynamo.endpoint, [syncStateTable, tenantProviderKeysTable]);
  const banner = storeBanner(choice, dynamo.endpoint);
  console.log(banner);
  return { dynamo, choice, banner };
}

/**
 * After the whole suite: no table may hold a token, a code or a secret in plain text (tokens are
 * stored sealed), whichever test file wrote it. A finding fails the run. Then the store's banner
 * again, under the summary.
 */
export async function teardown(): Promise<void> {
  const shared = registry[SHARED];
  if (!shared || --shared.users > 0) return;
  registry[SHARED] = undefined;
  const { dynamo, banner } = await shared.running;
  try {
    const found = await findStoredSecrets(dynamo.endpoint);
    if (found.length > 0) {
      // vitest only logs an error thrown here ("error during close") and exits 0: fail the run.
      process.exitCode = 1;
      const where = found.map((f) => `  ${f.table} ${f.key}: ${f.shape}`).join('\n');
      throw new Error(`Secrets stored in plain text after the suite:\n${where}`);
    }
  } finally {
    await dynamo.stop();
    console.log(banner);
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    dynamoStore: RunningStore['store'];
    localAws: typeof LOCAL_AWS;
  }
}
