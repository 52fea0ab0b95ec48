import { describe, expect, it } from 'vitest';
import { chooseStore, parseJavaMajorVersion } from '#local/dynamodb-store.ts';

const noJava = () => undefined;
const java = (version: number) => () => version;

describe('which DynamoDB npm start and npm test run on', () => {
  it('is DynamoDB Local when Java 17 or newer is on PATH', () => {
    expect(chooseStore(undefined, '--dynamodb', java(17))).toEqual({
      store: 'local',
      reason: 'Java 17 is on PATH',
    });
    expect(chooseStore('', 'LOCAL_DYNAMODB_STORE', java(21)).store).toBe('local');
  });

  it('is the embedded store, and says why, when there is no Java or it is too old', () => {
    expect(chooseStore(undefined, '--dynamodb', noJava)).toEqual({
      store: 'embedded',
      reason: 'there is no Java on PATH and DynamoDB Local needs Java 17+',
    });
    expect(chooseStore(undefined, '--dynamodb', java(11))).toEqual({
      store: 'embedded',
      reason: 'Java 11 is too old for DynamoDB Local, which needs Java 17+',
    });
  });

  it('is the one asked for, whatever Java there is, and names who asked', () => {
    expect(chooseStore('embedded', '--dynamodb', java(17))).toEqual({
      store: 'embedded',
      reason: '--dynamodb=embedded asks for it',
    });
    expect(chooseStore('local', 'LOCAL_DYNAMODB_STORE', noJava)).toEqual({
      store: 'local',
      reason: 'LOCAL_DYNAMODB_STORE=local asks for it',
    });
  });

  it('refuses a store that does not exist, naming the option', () => {
    expect(() => chooseStore('dynalite', '--dynamodb', noJava)).toThrow(
      '--dynamodb must be "local" or "embedded", not "dynalite"',
    );
  });

  it('reads the major version from both styles of `java -version`', () => {
    expect(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime')).toBe(17);
    expect(parseJavaMajorVersion('java version "1.8.0_392"\nJava(TM) SE')).toBe(8);
    expect(parseJavaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajorVersion('Picked up JAVA_TOOL_OPTIONS: -Xmx1g\n')).toBeUndefined();
  });
});
