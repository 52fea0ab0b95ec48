import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  type TablePropsV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import {
  AnyPrincipal,
  Effect,
  type IGrantable,
  type IRole,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  GRANT_DEADLINE_INDEX,
  REALM_INDEX,
  syncStateTable,
  type TableDefinition,
  tenantProviderKeysTable,
} from '#shared/store/tables.ts';
import { limitGrantsToAwsServices } from './guard.ts';

/** Props of {@link SyncData}. */
export interface SyncDataProps {
  /** Prefix of the tables' physical names, e.g. `prod`. */
  readonly envName: string;
}

/** A function to which table rights are granted, and the table's name handed. */
type Grantee = IGrantable & { addEnvironment(k: string, v: string): unknown };

/**
 * The data the stack holds, and the keys that protect it:
 *
 * - `tableKey`: a customer-managed KMS key that encrypts both tables at rest.
 * - `tokenKey`: a KMS key used only to wrap the data keys of tenants' OAuth tokens (envelope
 *   encryption). Its key policy refuses every cryptographic use without a `tenantId` and `provider`
 *   encryption context, so a wrapped key is always bound to one tenant. Having access to a table
 *   never brings the power to unwrap a token.
 * - `syncState` and `tenantProviderKeys` tables: on-demand, point-in-time recovery, deletion
 *   protection, retained when the stack is destroyed.
 */
export class SyncData extends Construct {
  /** Encrypts both tables at rest. */
  readonly tableKey: Key;
  /** Wraps the per-write data keys of the token vault; usable only with a tenant context. */
  readonly tokenKey: Key;
  /** Single-table sync state. */
  readonly syncState: TableV2;
  /** `tenant_provider_keys`: envelope-encrypted OAuth tokens. */
  readonly tenantProviderKeys: TableV2;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link SyncDataProps}
   */
  constructor(scope: Construct, id: string, props: SyncDataProps) {
    super(scope, id);
    this.tableKey = new Key(this, 'TableKey', {
      description: 'Encrypts the QuickBooks integration tables at rest',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    limitGrantsToAwsServices(this.tableKey);
    this.tokenKey = new Key(this, 'TokenKey', {
      description: 'Wraps data keys of tenant OAuth tokens (tenant_provider_keys); nothing else',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    limitGrantsToAwsServices(this.tokenKey);
    // One statement per key: a Null condition with two keys would deny only when both are missing.
    for (const contextKey of ['tenantId', 'provider']) {
      this.tokenKey.addToResourcePolicy(
        new PolicyStatement({
          sid: `Require${contextKey[0]?.toUpperCase()}${contextKey.slice(1)}EncryptionContext`,
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { Null: { [`kms:EncryptionContext:${contextKey}`]: 'true' } },
        }),
      );
    }
    this.syncState = this.table('SyncState', syncStateTable, props.envName);
    this.tenantProviderKeys = this.table(
      'TenantProviderKeys',
      tenantProviderKeysTable,
      props.envName,
    );
  }

  /**
   * Makes the token key unusable for anyone but these roles, whatever IAM says elsewhere in the
   * account: an administrator with `kms:*` on `*` cannot use it to unwrap a tenant's tokens as
   * long as this policy stands. The key policy itself can still be changed by whoever may call
   * `kms:PutKeyPolicy` on it, which includes the account root; with `keyPolicyAdminRoleArn`, that
   * is refused to everyone but that break-glass role (docs/security.md says who can unwrap).
   *
   * @param roles - the execution roles of the functions that store or read tokens
   * @param policyAdminRoleArn - the only role that may change the key policy, if any
   */
  restrictTokenKeyTo(roles: readonly IRole[], policyAdminRoleArn?: string): void {
    if (policyAdminRoleArn) {
      this.tokenKey.addToResourcePolicy(
        new PolicyStatement({
          sid: 'OnlyBreakGlassChangesThePolicy',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['kms:PutKeyPolicy'],
          resources: ['*'],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': policyAdminRoleArn } },
        }),
      );
    }
    this.tokenKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyTokenFunctionsUseTheKey',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': roles.map((r) => r.roleArn) } },
      }),
    );
  }

  /**
   * Lets the public webhook receiver do exactly what receiving needs on the sync-state table, by
   * partition key (`dynamodb:LeadingKeys`): put and delete its delivery records (`WEBHOOK#…`), put
   * an unreadable body (`SYSTEM#webhooks`), and read who holds a company (`REALM#…`, the claim
   * items); and hands it the table's name. No tenant's data is readable or writable to it.
   *
   * @param fn - the receiver
   * @param envName - environment variable that receives the table name
   */
  bindWebhookRecords<F extends Grantee>(fn: F, envName: string): F {
    fn.addEnvironment(envName, this.syncState.tableName);
    this.onlyPartitions(
      fn,
      this.syncState,
      ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      ['WEBHOOK#*'],
    );
    this.onlyPartitions(fn, this.syncState, ['dynamodb:PutItem'], ['SYSTEM#webhooks']);
    this.onlyPartitions(fn, this.syncState, ['dynamodb:GetItem'], ['REALM#*']);
    return fn;
  }

  /**
   * Lets the public OAuth callback consume a pending flow (`DeleteItem` on `OAUTH#…` partitions,
   * `dynamodb:LeadingKeys`) and nothing else of the sync-state table.
   *
   * @param fn - the callback
   * @param envName - environment variable that receives the table name
   */
  bindOAuthStates<F extends Grantee>(fn: F, envName: string): F {
    fn.addEnvironment(envName, this.syncState.tableName);
    this.onlyPartitions(fn, this.syncState, ['dynamodb:DeleteItem'], ['OAUTH#*']);
    return fn;
  }

  /**
   * Lets the public OAuth callback store a new pending grant and add the company it read
   * (`PutItem`, `UpdateItem` on `GRANT#…` items, `dynamodb:LeadingKeys`) and nothing else of the
   * token table: no token row, no read.
   *
   * @param fn - the callback
   * @param envName - environment variable that receives the table name
   */
  bindPendingGrants<F extends Grantee>(fn: F, envName: string): F {
    fn.addEnvironment(envName, this.tenantProviderKeys.tableName);
    this.onlyPartitions(
      fn,
      this.tenantProviderKeys,
      ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ['GRANT#*'],
    );
    return fn;
  }

  /**
   * Grants actions on a table's items whose partition key matches one of the patterns (and the
   * table key's `kms:Decrypt`, which DynamoDB uses on the caller's behalf).
   */
  private onlyPartitions(fn: Grantee, table: TableV2, actions: string[], partitions: string[]) {
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions,
        resources: [table.tableArn],
        // `ForAllValues` is true of a request with no leading key at all (a Scan): `Null` refuses it.
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );
    this.tableKey.grant(fn, 'kms:Decrypt');
  }

  /**
   * Lets the fleet watchdog sweep grant records past their deadline, and nothing else of the token
   * table: query the deadline index (it projects no token) and update items whose partition key
   * starts `GRANT#` (`dynamodb:LeadingKeys`), never a tenant's token row. The token key is not
   * granted (its key policy names only the token functions), so a sealed grant it is handed back
   * stays sealed.
   *
   * @param fn - the watchdog
   * @param envName - environment variable that receives the table name
   */
  bindGrantSweep<F extends Grantee>(fn: F, envName: string): F {
    const table = this.tenantProviderKeys;
    fn.addEnvironment(envName, table.tableName);
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${GRANT_DEADLINE_INDEX}`],
      }),
    );
    this.onlyPartitions(fn, table, ['dynamodb:UpdateItem'], ['GRANT#*']);
    return fn;
  }

  /**
   * Lets the event relay deliver the outbox and nothing else of the sync-state table: query the
   * realm index (the sweep's `OUTBOX#…` partitions) and delete the items it delivered. Deletes are
   * by tenant partition (`TENANT#…`), which IAM cannot narrow to `OUTBOX#` sort keys; the relay's
   * code deletes only the keys of the events it delivered. Reading the stream is granted with the
   * stream's trigger.
   *
   * @param fn - the relay
   * @param envName - environment variable that receives the table name
   */
  bindOutbox<F extends Grantee>(fn: F, envName: string): F {
    fn.addEnvironment(envName, this.syncState.tableName);
    fn.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${this.syncState.tableArn}/index/${REALM_INDEX}`],
      }),
    );
    this.onlyPartitions(fn, this.syncState, ['dynamodb:DeleteItem'], ['TENANT#*']);
    return fn;
  }

  private table(id: string, def: TableDefinition, envName: string): TableV2 {
    const key = (a: { name: string }) => ({ name: a.name, type: AttributeType.STRING });
    const props: TablePropsV2 = {
      tableName: `${envName}-${def.localName}`,
      partitionKey: key(def.partitionKey),
      sortKey: key(def.sortKey),
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.customerManagedKey(this.tableKey),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      timeToLiveAttribute: def.timeToLiveAttribute,
      ...(def.stream ? { dynamoStream: StreamViewType[def.stream] } : {}),
      globalSecondaryIndexes: def.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        ...(index.projectedAttributes
          ? {
              projectionType: ProjectionType.INCLUDE,
              nonKeyAttributes: [...index.projectedAttributes],
            }
          : {}),
      })),
    };
    return new TableV2(this, id, props);
  }
}
