import { readdirSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName, functionsWhere } from '#lib/functions.ts';
import { routes } from '#shared/api/routes.ts';
import { QUEUES } from '#shared/config/queues.ts';
import { scheduleName } from '#shared/ports/schedule-registry.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { buildStack } from '../support/stack.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let built: ReturnType<typeof buildStack>;
let resources: Resources;
beforeAll(() => {
  built = buildStack();
  resources = built.template.toJSON().Resources as Resources;
});

const ofType = (type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type) as [string, Resources[string]][];

/** Logical id of the L1 resource behind an L2 construct. */
function logicalIdOf(construct: IConstruct): string {
  return built.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The functions that hold tokens: the only ones that may read the keys table or use the token key. */
const TOKEN_FUNCTIONS = functionsWhere((spec) => spec.tokens !== undefined);

describe('Stack: the function table', () => {
  it('has one row per folder under functions/, and builds a function for each', () => {
    const folders = readdirSync('functions').sort();
    expect(Object.keys(FUNCTIONS).sort()).toEqual(folders);
    expect(Object.keys(built.stack.functions).sort()).toEqual(folders);
    expect(ofType('AWS::Lambda::Function').length).toBeGreaterThanOrEqual(folders.length);
  });

  it('hides a received message six times as long as its consumer may run (AWS advice)', () => {
    const consumers = Object.entries(FUNCTIONS).filter(
      ([, spec]) => typeof spec.trigger === 'object' && 'queue' in spec.trigger,
    );
    expect(consumers.length).toBe(Object.keys(QUEUES).length);
    for (const [name, spec] of consumers) {
      const queue = (spec.trigger as { queue: keyof typeof QUEUES }).queue;
      const timeout = 'timeoutSeconds' in spec ? spec.timeoutSeconds : 10;
      expect(QUEUES[queue].visibilitySeconds, name).toBe(timeout * 6);
    }
  });

  it('serves every route with a function whose row says it is a route function', () => {
    const routeFunctions = functionsWhere((spec) => spec.trigger === 'route');
    expect([...new Set(routes.map((r) => r.handler))].sort()).toEqual(routeFunctions.sort());
  });
});

describe('Stack: data', () => {
  it.each([
    [syncStateTable.localName, 'test-sync_state'],
    [tenantProviderKeysTable.localName, 'test-tenant_provider_keys'],
  ])(
    'encrypts the %s table with the customer-managed table key, with PITR, deletion protection and Retain',
    (_, tableName) => {
      const tableKey = logicalIdOf(built.stack.data.tableKey);
      built.template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
          Replicas: [
            Match.objectLike({
              DeletionProtectionEnabled: true,
              PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
              SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [tableKey, 'Arn'] } },
            }),
          ],
        }),
      });
    },
  );

  it('gives sync state a TTL attribute and the realm→tenant index from the shared definitions', () => {
    built.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'test-sync_state',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byRealm',
          KeySchema: [
            { AttributeName: 'realmPk', KeyType: 'HASH' },
            { AttributeName: 'realmSk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ],
    });
  });

  it('rotates every key (tables, tokens, queues) and retains them', () => {
    const keys = ofType('AWS::KMS::Key');
    expect(keys).toHaveLength(3);
    for (const [, key] of keys) expect(key.Properties.EnableKeyRotation).toBe(true);
    built.template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('refuses any use of the token key without a tenantId and a provider encryption context', () => {
    const tokenKey = resources[logicalIdOf(built.stack.data.tokenKey)];
    if (!tokenKey) throw new Error('token key missing');
    const policy = tokenKey.Properties.KeyPolicy as { Statement: Record<string, unknown>[] };
    const statements = policy.Statement;
    const denies = statements.filter(
      (s) => s.Effect === 'Deny' && String(s.Sid).startsWith('Require'),
    );
    expect(denies.map((s) => s.Condition)).toEqual([
      { Null: { 'kms:EncryptionContext:tenantId': 'true' } },
      { Null: { 'kms:EncryptionContext:provider': 'true' } },
    ]);
    for (const deny of denies) {
      expect(deny.Principal).toEqual({ AWS: '*' });
      expect(deny.Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
    }
  });
});

describe('Stack: HTTP API', () => {
  it('puts the JWT authorizer on every route except the public ones', () => {
    const routeResources = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.length).toBeGreaterThan(0);
    expect(routeResources).toHaveLength(routes.length);
    for (const route of routes) {
      const found = routeResources.find((r) => r.RouteKey === `${route.method} ${route.path}`);
      expect(found?.AuthorizationType, `${route.method} ${route.path}`).toBe(
        route.auth === 'public' ? 'NONE' : 'JWT',
      );
    }
  });

  it('has exactly the planned public routes', () => {
    const open = ofType('AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties)
      .filter((r) => r.AuthorizationType === 'NONE')
      .map((r) => r.RouteKey);
    // The webhook receiver joins when its issue lands.
    expect(open.sort()).toEqual([
      'GET /health',
      'GET /oauth/quickbooks/callback',
      'GET /oauth/quickbooks/disconnected',
      'POST /webhooks/quickbooks',
    ]);
  });

  it('takes issuer and audience for the authorizer from configuration', () => {
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: 'https://auth.tradelyhq.test/',
        Audience: ['tradelyhq-quickbooks-api'],
      },
    });
  });

  it('logs access as JSON, throttles the default stage and allows only the portal origin', () => {
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('requestId'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://admin.tradelyhq.test'] }),
    });
  });
});

describe('Stack: custom domain', () => {
  const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123';
  const domainName = 'qbo.tradelyhq.test';

  function redirectUriOf(built: ReturnType<typeof buildStack>): string {
    const { stack, template } = built;
    const callback = stack.functions['quickbooks-callback']?.node.defaultChild as CfnElement;
    const env = template.toJSON().Resources[stack.getLogicalId(callback)].Properties.Environment;
    return env.Variables.INTUIT_REDIRECT_URI;
  }

  it('serves the API on the domain through the edge, and gives Intuit redirect URIs on it', () => {
    const custom = buildStack({ domainName, certificateArn });
    const { template, stack } = custom;
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: [domainName],
        ViewerCertificate: Match.objectLike({
          AcmCertificateArn: certificateArn,
          MinimumProtocolVersion: 'TLSv1.2_2021',
        }),
      }),
    });
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::DomainName'))).toEqual([]);
    expect(redirectUriOf(custom)).toBe(`https://${domainName}/oauth/quickbooks/callback`);
    template.hasOutput('ApiEndpoint', { Value: `https://${domainName}` });
    template.hasOutput('CustomDomainTarget', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EdgeDistribution'), 'DomainName'] },
    });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.success).toBe(true);
  });

  it("refuses a certificate outside us-east-1 for the edge's domain", () => {
    expect(() =>
      buildStack({
        domainName,
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
      }),
    ).toThrow(/certificateArn: in eu-west-1, but the custom domain is served by CloudFront/);
  });

  it('serves the API on a regional domain of its own with the edge off', () => {
    const custom = buildStack({ domainName, certificateArn, edgeLimit: 'false' });
    const { template, stack } = custom;
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: domainName,
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn })],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      DomainName: Match.anyValue(),
      Stage: Match.anyValue(),
    });
    expect(redirectUriOf(custom)).toBe(`https://${domainName}/oauth/quickbooks/callback`);
    template.hasOutput('ApiEndpoint', { Value: `https://${domainName}` });
    template.hasOutput('CustomDomainTarget', Match.anyValue());
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.success).toBe(true);
  });

  it('uses the execute-api endpoint when no domain is configured', () => {
    expect(ofType('AWS::ApiGatewayV2::DomainName')).toEqual([]);
    expect(built.template.findOutputs('CustomDomainTarget')).toEqual({});
  });
});

describe('Stack: functions', () => {
  it('runs every function on Node.js 24, ARM64, with active tracing and source maps', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }),
        },
      });
    }
  });

  it('gives every function a log group with retention and no AWS managed policy', () => {
    const functions = ofType('AWS::Lambda::Function');
    const groups = ofType('AWS::Logs::LogGroup');
    const roles = ofType('AWS::IAM::Role');
    expect(groups.length).toBeGreaterThanOrEqual(functions.length);
    expect(roles.length).toBeGreaterThanOrEqual(functions.length);
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions) {
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: expect.anything() });
    }
    for (const [, group] of groups) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
    for (const [, role] of roles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets only the token functions use tenant_provider_keys and the token key', () => {
    const keysTable = logicalIdOf(built.stack.data.tenantProviderKeys);
    const tokenKey = logicalIdOf(built.stack.data.tokenKey);
    const holders = (needle: string) =>
      Object.entries(built.stack.functions)
        .filter(([, fn]) => {
          const roleId = logicalIdOf(fn.role as IConstruct);
          return ofType('AWS::IAM::Policy').some(
            ([, p]) =>
              JSON.stringify(p.Properties.Roles).includes(roleId) &&
              JSON.stringify(p.Properties.PolicyDocument).includes(needle),
          );
        })
        .map(([name]) => name)
        .sort();
    const tokenFunctions = [...TOKEN_FUNCTIONS].sort();
    const sweepers = functionsWhere((spec) => spec.grantSweep === true);
    expect(holders(keysTable)).toEqual([...tokenFunctions, ...sweepers].sort());
    expect(holders(tokenKey)).toEqual(tokenFunctions);
  });

  it('lets the grant sweep query the deadline index and update grant records, no token row', () => {
    const keysTable = logicalIdOf(built.stack.data.tenantProviderKeys);
    const [sweeper, ...others] = functionsWhere((spec) => spec.grantSweep === true);
    expect(sweeper).toBe('fleet-watchdog');
    expect(others).toEqual([]);
    const roleId = logicalIdOf(built.stack.functions[sweeper as FunctionName].role as IConstruct);
    const onKeysTable = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        ([, p]) =>
          (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      )
      .filter((st) => JSON.stringify(st.Resource).includes(keysTable));
    expect(onKeysTable).toHaveLength(2);
    expect(onKeysTable).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'dynamodb:Query',
          Resource: {
            'Fn::Join': ['', [{ 'Fn::GetAtt': [keysTable, 'Arn'] }, '/index/byDeadline']],
          },
        }),
        expect.objectContaining({
          Action: 'dynamodb:UpdateItem',
          Resource: { 'Fn::GetAtt': [keysTable, 'Arn'] },
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['GRANT#*'] },
            Null: { 'dynamodb:LeadingKeys': 'false' },
          },
        }),
      ]),
    );
  });

  it('lets no principal but the token functions use the token key, whatever IAM grants', () => {
    const tokenKey = resources[logicalIdOf(built.stack.data.tokenKey)];
    const policy = tokenKey?.Properties.KeyPolicy as { Statement: Record<string, unknown>[] };
    const only = policy.Statement.find((st) => st.Sid === 'OnlyTokenFunctionsUseTheKey');
    expect(only).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    const condition = only?.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown[] } };
    const allowed = condition.ArnNotEquals['aws:PrincipalArn'];
    const tokenRoles = TOKEN_FUNCTIONS.map((name) => ({
      'Fn::GetAtt': [logicalIdOf(built.stack.functions[name]?.role as IConstruct), 'Arn'],
    }));
    expect(allowed).toEqual(expect.arrayContaining(tokenRoles));
    expect(allowed).toHaveLength(tokenRoles.length);
  });

  it('grants each token function only the token-key action it uses', () => {
    const tokenKey = logicalIdOf(built.stack.data.tokenKey);
    const actionsOf = (name: FunctionName) => {
      const roleId = logicalIdOf(built.stack.functions[name]?.role as IConstruct);
      return ofType('AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .flatMap(
          ([, p]) =>
            (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        )
        .filter((st) => JSON.stringify(st.Resource).includes(tokenKey))
        .flatMap((st) => [st.Action].flat());
    };
    // The public callback seals a new grant and can open none; the Disconnect URL holds no key.
    expect(actionsOf('quickbooks-callback')).toEqual(['kms:GenerateDataKey']);
    expect(actionsOf('quickbooks-disconnected')).toEqual([]);
    expect(actionsOf('quickbooks-webhook')).toEqual([]);
    expect(actionsOf('confirm-quickbooks')).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(actionsOf('disconnect-quickbooks')).toEqual(['kms:Decrypt']);
    expect(actionsOf('push-worker')).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    expect(actionsOf('push-invoice')).toEqual([]);
  });

  it('asks API Gateway for the route scopes: admin everywhere, push or admin on the two push routes', () => {
    const scopes = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route')
        .map(([, r]) => r.Properties)
        .filter((r) => r.AuthorizationType === 'JWT')
        .map((r) => [r.RouteKey, r.AuthorizationScopes]),
    );
    const jwtRoutes = routes.filter((r) => r.auth === 'jwt');
    expect(jwtRoutes.length).toBeGreaterThan(0);
    expect(Object.keys(scopes).sort()).toEqual(
      jwtRoutes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const route of jwtRoutes) {
      expect(scopes[`${route.method} ${route.path}`], route.path).toEqual(
        route.access === 'push' ? ['quickbooks.push', 'quickbooks.admin'] : ['quickbooks.admin'],
      );
    }
    const renamed = buildStack({ adminScope: 'qbo:admin', pushScope: 'qbo:push' }).template;
    renamed.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /invoices/{invoiceId}/push',
      AuthorizationScopes: ['qbo:push', 'qbo:admin'],
    });
  });

  it('lets the functions that manage schedules touch every name a tenant schedule can have', () => {
    const resources = ofType('AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.filter(
        (st) => [st.Action].flat().includes('scheduler:CreateSchedule'),
      ).flatMap((st) => [st.Resource].flat()),
    );
    expect(resources.length).toBeGreaterThan(0);
    for (const tenantId of ['acme', 'x'.repeat(64)]) {
      for (const resource of resources) {
        const pattern = String(JSON.stringify(resource).match(/schedule\/[^"]*\/([^"/]+)"/)?.[1]);
        const glob = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace('*', '.*')}$`);
        expect(scheduleName(tenantId), pattern).toMatch(glob);
      }
    }
  });

  it('lets only the break-glass role change the token key policy, when one is named', () => {
    const role = 'arn:aws:iam::123456789012:role/cfn-exec';
    const policyOf = (t: Record<string, string>) =>
      JSON.stringify(
        Object.values(buildStack(t).template.findResources('AWS::KMS::Key')).map(
          (k) => k.Properties.KeyPolicy,
        ),
      );
    expect(policyOf({})).not.toContain('kms:PutKeyPolicy"');
    expect(policyOf({ keyPolicyAdminRoleArn: role })).toMatch(
      new RegExp(`"Effect":"Deny".*"kms:PutKeyPolicy".*${role}`),
    );
  });
});

describe('Stack: webhooks', () => {
  it('makes the webhook receiver the only public POST (its limits: test/infra/edge.test.ts)', () => {
    const publicPosts = ofType('AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties)
      .filter((r) => r.AuthorizationType === 'NONE' && String(r.RouteKey).startsWith('POST '))
      .map((r) => r.RouteKey);
    expect(publicPosts).toEqual(['POST /webhooks/quickbooks']);
  });

  it('queues changes on an encrypted FIFO queue with a DLQ that alarms, consumed by the worker', () => {
    const queue = resources[logicalIdOf(built.stack.queues.changes.queue)]?.Properties;
    expect(queue).toMatchObject({
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(built.stack.queueKey), 'Arn'] },
      RedrivePolicy: expect.objectContaining({ maxReceiveCount: 40 }),
    });
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(built.stack.queues.changes.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [logicalIdOf(built.stack.queues.changes.deadLetterQueue), 'QueueName'],
          },
        },
      ],
      AlarmActions: [{ Ref: logicalIdOf(built.stack.observability.alarmTopic) }],
    });
  });

  it('gives the public receiver only what receiving needs: no client secret, no reads', () => {
    const receiver = built.stack.functions['quickbooks-webhook'];
    expect(receiver?.usesTokenKey).toBe(false);
    const roleId = logicalIdOf(receiver?.role as IConstruct);
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        ([, p]) =>
          (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      );
    // Each DynamoDB right is held to its own partitions: never a tenant's data.
    const dynamo = statements
      .filter((st) => JSON.stringify(st.Action).includes('dynamodb:'))
      .map((st) => ({
        actions: [st.Action].flat(),
        partitions: (st.Condition as Record<string, Record<string, unknown>>)?.[
          'ForAllValues:StringLike'
        ]?.['dynamodb:LeadingKeys'],
      }));
    expect(dynamo).toEqual([
      { actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], partitions: ['WEBHOOK#*'] },
      { actions: ['dynamodb:PutItem'], partitions: ['SYSTEM#webhooks'] },
      { actions: ['dynamodb:GetItem'], partitions: ['REALM#*'] },
    ]);
    const secrets = statements.filter((st) =>
      [st.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    const intuitApp = logicalIdOf(built.stack.node.findChild('IntuitApp'));
    expect(JSON.stringify(secrets)).not.toContain(intuitApp);
    expect(JSON.stringify(secrets)).toContain(
      logicalIdOf(built.stack.node.findChild('WebhookVerifier')),
    );
  });
});

describe('Stack: invoice push pipeline', () => {
  it('has a KMS-encrypted FIFO push queue with a FIFO dead-letter queue after 40 receives', () => {
    const queue = resources[logicalIdOf(built.stack.queues.push.queue)]?.Properties;
    const dlq = logicalIdOf(built.stack.queues.push.deadLetterQueue);
    expect(queue).toMatchObject({
      FifoQueue: true,
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(built.stack.queueKey), 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 40 },
    });
    expect(resources[dlq]?.Properties).toMatchObject({
      FifoQueue: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  it('sets the visibility timeout to six times the worker timeout', () => {
    const worker =
      resources[logicalIdOf(built.stack.functions['push-worker'] as IConstruct)]?.Properties;
    const queue = resources[logicalIdOf(built.stack.queues.push.queue)]?.Properties;
    expect(queue?.VisibilityTimeout).toBe((worker?.Timeout as number) * 6);
  });

  it('feeds the worker with partial batch failures, and lets it postpone messages', () => {
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(built.stack.queues.push.queue), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1,
    });
    const roleId = logicalIdOf(built.stack.functions['push-worker']?.role as IConstruct);
    const workerPolicy = JSON.stringify(
      ofType('AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(p.Properties.Roles).includes(roleId),
      ),
    );
    expect(workerPolicy).toContain('sqs:ChangeMessageVisibility');
    // Its events go to the outbox with its writes; only the relay puts events on the bus.
    expect(workerPolicy).not.toContain('events:PutEvents');
  });

  it('alarms on the first dead-lettered push, to the alarm topic', () => {
    const dlq = logicalIdOf(built.stack.queues.push.deadLetterQueue);
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: logicalIdOf(built.stack.observability.alarmTopic) }],
    });
  });
});

describe('Stack: event outbox delivery', () => {
  const relayPolicy = () => {
    const roleId = logicalIdOf(built.stack.functions['event-relay'].role as IConstruct);
    return JSON.stringify(
      ofType('AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(p.Properties.Roles).includes(roleId),
      ),
    );
  };

  it('streams new images of the sync-state table to the relay, outbox inserts only', () => {
    const table = logicalIdOf(built.stack.data.syncState);
    expect(resources[table]?.Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_IMAGE',
    });
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [table, 'StreamArn'] },
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { NewImage: { sk: { S: [{ prefix: 'OUTBOX#' }] } } },
            }),
          },
        ],
      },
    });
  });

  it('sweeps what the stream missed every 5 minutes', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(built.stack.functions['event-relay']), 'Arn'] },
        }),
      ],
    });
  });

  it('lets only the relay put events on the bus', () => {
    expect(relayPolicy()).toContain('events:PutEvents');
    expect(relayPolicy()).toContain('dynamodb:DeleteItem');
    const putters = ofType('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('events:PutEvents'),
    );
    expect(putters).toHaveLength(1);
  });
});

describe('Stack: nightly reconcile plumbing', () => {
  it('feeds the reconcile worker from the reconcile queue, one tenant per invocation', () => {
    const queue = logicalIdOf(built.stack.reconcile.queue);
    built.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const worker = resources[logicalIdOf(built.stack.functions['reconcile-worker'] as IConstruct)];
    expect(resources[queue]?.Properties.VisibilityTimeout).toBe(
      (worker?.Properties.Timeout as number) * 6,
    );
  });

  it('alarms on dead-lettered reconciles and on schedule deliveries Scheduler gave up on', () => {
    for (const dlq of [
      built.stack.queues.reconcile.deadLetterQueue,
      built.stack.reconcile.scheduleDeadLetters,
    ]) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(dlq), 'QueueName'] } },
        ],
        AlarmActions: [{ Ref: logicalIdOf(built.stack.observability.alarmTopic) }],
      });
    }
  });

  it('has a schedule group, an encrypted reconcile queue with a DLQ, and TLS-only queue policies', () => {
    built.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    const queueKey = logicalIdOf(built.stack.queueKey);
    built.template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [queueKey, 'Arn'] },
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    const queuePolicies = ofType('AWS::SQS::QueuePolicy');
    expect(queuePolicies.length).toBeGreaterThan(0);
    for (const [, policy] of queuePolicies) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    }
  });

  it('lets Scheduler (from this account only) send to the reconcile queues and nothing else', () => {
    const role = resources[logicalIdOf(built.stack.reconcile.schedulerRole)];
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain(
      'aws:SourceAccount',
    );
    const roleId = logicalIdOf(built.stack.reconcile.schedulerRole);
    const actions = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(
        ([, p]) => (p.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement,
      )
      .flatMap((st) => [st.Action].flat())
      .filter((a) => !String(a).startsWith('kms:'));
    expect(new Set(actions)).toEqual(
      new Set(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']),
    );
  });

  it('lets only the functions that create or move schedules pass the scheduler role, only to Scheduler', () => {
    const passes = ofType('AWS::IAM::Policy')
      .flatMap(
        ([, p]) =>
          (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      )
      .filter((st) => st.Action === 'iam:PassRole');
    // Deleting a schedule passes no role: disconnect may not.
    expect(passes.length).toBe(
      functionsWhere((s) => s.schedules === 'upsert' || s.schedules === 'both').length,
    );
    expect(passes.length).toBe(2);
    for (const st of passes) {
      expect(st.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
    }
  });
});

describe('Stack: cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(built.stack);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map(
        (r) => `${v.ruleName}: ${r.resourceLogicalId ?? r.constructPath} ${v.description}`,
      ),
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});
