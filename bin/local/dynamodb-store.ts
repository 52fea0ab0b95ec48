import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startEmbeddedDynamoDb } from './dynamodb-embedded.ts';
import { type LocalDynamoDb, StoreUnavailableError, startDynamoDbLocal } from './dynamodb-local.ts';

/**
 * Which DynamoDB the local runtime and the tests run on: `local`, DynamoDB Local (Amazon's jar, on
 * Java 17+), the reference; or `embedded`, dynalite in this Node process, for machines without Java.
 */
export type DynamoDbStore = 'local' | 'embedded';

/** The store to use and, in words for a banner (after "because"), why. */
export interface StoreChoice {
  readonly store: DynamoDbStore;
  readonly reason: string;
}

/** A started store: its endpoint, how to stop it, and which one it is. */
export interface RunningStore extends LocalDynamoDb {
  readonly store: DynamoDbStore;
}

/** Environment variable that picks the store for `npm start` (as `--dynamodb` does) and `npm test`. */
export const STORE_ENV = 'LOCAL_DYNAMODB_STORE';

/** DynamoDB Local 3.x is built for Java 17. */
const MIN_JAVA = 17;

/**
 * The major version in what `java -version` prints: 8 for `"1.8.0_392"`, 17 for `"17.0.15"`.
 *
 * @param output - its stderr and stdout
 * @returns undefined when it names no version
 */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  return Number(match[1] === '1' ? match[2] : match[1]);
}

/** The major version of the `java` on PATH, or undefined when there is none or it does not run. */
export function javaMajorVersion(): number | undefined {
  const run = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (run.error || run.status !== 0) return undefined;
  return parseJavaMajorVersion(`${run.stderr}${run.stdout}`);
}

/**
 * Picks the store: the one asked for, else DynamoDB Local when Java 17+ is on PATH, else embedded.
 *
 * @param requested - `local`, `embedded`, or undefined (or empty) to decide by Java
 * @param askedBy - how `requested` was given, for the reason: `--dynamodb`, `LOCAL_DYNAMODB_STORE`
 * @param java - the Java major version found (see {@link javaMajorVersion}); read only when needed
 * @throws StoreUnavailableError when `requested` names no store
 */
export function chooseStore(
  requested: string | undefined,
  askedBy: string,
  java: () => number | undefined = javaMajorVersion,
): StoreChoice {
  if (requested === 'local' || requested === 'embedded') {
    return { store: requested, reason: `${askedBy}=${requested} asks for it` };
  }
  if (requested) {
    throw new StoreUnavailableError(`${askedBy} must be "local" or "embedded", not "${requested}"`);
  }
  const version = java();
  if (version !== undefined && version >= MIN_JAVA) {
    return { store: 'local', reason: `Java ${version} is on PATH` };
  }
  return {
    store: 'embedded',
    reason:
      version === undefined
        ? `there is no Java on PATH and DynamoDB Local needs Java ${MIN_JAVA}+`
        : `Java ${version} is too old for DynamoDB Local, which needs Java ${MIN_JAVA}+`,
  };
}

/** How a store is named in banners: "DynamoDB: <label>". */
export const STORE_LABEL: Record<DynamoDbStore, string> = {
  local: 'DynamoDB Local (Java)',
  embedded: 'embedded (dynalite, pure Node)',
};

/** Each store keeps its own files under the data folder: the two formats are not interchangeable. */
export const STORE_DATA_FOLDER: Record<DynamoDbStore, string> = {
  local: 'dynamodb',
  embedded: 'dynamodb-embedded',
};

/**
 * Starts the chosen store on a free loopback port.
 *
 * @param store - which one
 * @param options - `dataDir`: the runtime's data folder (the store keeps its files in its own
 *   sub-folder, {@link STORE_DATA_FOLDER}); omitted: in memory
 */
export async function startStore(
  store: DynamoDbStore,
  options: { dataDir?: string } = {},
): Promise<RunningStore> {
  const dataDir = options.dataDir ? join(options.dataDir, STORE_DATA_FOLDER[store]) : undefined;
  const start = store === 'local' ? startDynamoDbLocal : startEmbeddedDynamoDb;
  const running = await start(dataDir ? { dataDir } : {});
  return { ...running, store };
}
