import { createHmac } from 'node:crypto';
import { paginateScan, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { documentClient } from '#shared/store/dynamo.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { startTestStack, type TestStack, WEBHOOK_TOKEN } from '../support/local-stack.ts';

let stack: TestStack;
/** The tenant that owns {@link ownedRealm}. */
const owner = `fuzz_${Date.now()}`;
beforeAll(async () => {
  stack = await startTestStack();
  ownedRealm = await stack.world.newCompany();
  await stack.connect(owner, ownedRealm);
});
afterAll(() => stack.close());

/**
 * Everything the receiver can store: dedupe records and kept unreadable bodies. Every page is
 * read: one Scan stops after 1 MB of the shared table, and would miss what a wrong acceptance
 * stored further on.
 */
async function storedWebhookKeys(): Promise<Set<string>> {
  const keys = new Set<string>();
  const pages = paginateScan(
    { client: documentClient },
    {
      TableName: syncStateTable.localName,
      FilterExpression: 'begins_with(pk, :w) OR begins_with(sk, :u)',
      ExpressionAttributeValues: { ':w': 'WEBHOOK#', ':u': 'UNREADABLE#' },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) keys.add(`${item.pk}/${item.sk}`);
  }
  return keys;
}

/** The owner's stored events: other test files running at the same time never touch them. */
async function ownerEventKeys(): Promise<string[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: syncStateTable.localName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `WEBHOOK#${owner}` },
      ConsistentRead: true,
    }),
  );
  return Items.map((i) => String(i.sk)).sort();
}

/** A company a tenant owns, so a wrongly accepted event would be stored and visible. */
let ownedRealm = '';
const realmIds = fc
  .constantFrom('1185883450', '310687', 'owned')
  .map((r) => (r === 'owned' ? ownedRealm : r));
const cloudEvent = fc.record({
  specversion: fc.constant('1.0'),
  id: fc.uuid(),
  type: fc.constantFrom(
    'qbo.payment.created.v1',
    'qbo.invoice.updated.v1',
    'qbo.customer.merged.v1',
    'x',
  ),
  intuitentityid: fc.string(),
  intuitaccountid: realmIds,
  data: fc.option(fc.jsonValue()),
});
const bodies = fc.oneof(
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.array(cloudEvent).map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);
const signatures = fc.oneof(
  fc.constant(undefined),
  fc.string(),
  fc.base64String(),
  fc.constant('sign-correctly'),
);

it('never answers 5xx and never stores an event without a valid signature, whatever it is sent', async () => {
  const before = await storedWebhookKeys();
  let signedStored = 0;
  await fc.assert(
    fc.asyncProperty(
      bodies,
      signatures,
      fc.constantFrom('application/json', 'application/cloudevents+json', 'text/plain'),
      async (body, signature, contentType) => {
        const signed = signature === 'sign-correctly';
        const header = signed
          ? createHmac('sha256', WEBHOOK_TOKEN).update(body).digest('base64')
          : signature;
        const res = await fetch(`${stack.api.url}/webhooks/quickbooks`, {
          method: 'POST',
          headers: {
            'content-type': contentType,
            ...(header !== undefined ? { 'intuit-signature': header } : {}),
          },
          body,
        });
        expect(res.status).toBeLessThan(500);
        if (!signed) expect(res.status).toBe(401);
        const receipt = (await res.json()) as { accepted?: number; unreadable?: boolean };
        if (signed) signedStored += (receipt.accepted ?? 0) + (receipt.unreadable ? 1 : 0);
      },
    ),
    { numRuns: 150 },
  );
  // Only signed deliveries may have left anything behind, and no more than they reported.
  const after = await storedWebhookKeys();
  expect(after.size - before.size).toBeLessThanOrEqual(signedStored);
  expect([...before].every((k) => after.has(k))).toBe(true);
});

it('refuses near misses of a valid signature for a storable event, storing nothing', async () => {
  const sign = (body: string | Buffer, key = WEBHOOK_TOKEN) =>
    createHmac('sha256', key).update(body).digest();
  /** A real Invoice event for the owned company: signed correctly, it would be stored. */
  const event = fc
    .record({ id: fc.uuid(), entityId: fc.integer({ min: 1, max: 99_999 }) })
    .map(({ id, entityId }) =>
      JSON.stringify([
        {
          specversion: '1.0',
          id,
          type: 'qbo.invoice.updated.v1',
          time: '2026-11-20T10:00:00Z',
          intuitentityid: String(entityId),
          intuitaccountid: ownedRealm,
        },
      ]),
    );
  const miss = fc.constantFrom(
    'body changed after signing',
    'one bit of the signature flipped',
    'signed with another verifier token',
    'signature truncated',
    'signature as hex',
    'signature of the body parsed and re-serialised',
    'two signatures in one header',
  );
  const before = await ownerEventKeys();
  await fc.assert(
    fc.asyncProperty(event, miss, fc.nat(31), async (body, kind, at) => {
      const good = sign(body);
      const flipped = Buffer.from(good);
      flipped[at] = (flipped[at] ?? 0) ^ 1;
      const reserialised = JSON.stringify(JSON.parse(body), null, 1);
      const [sent, signature] = {
        'body changed after signing': [`${body} `, good.toString('base64')],
        'one bit of the signature flipped': [body, flipped.toString('base64')],
        'signed with another verifier token': [
          body,
          sign(body, 'another-token').toString('base64'),
        ],
        'signature truncated': [body, good.toString('base64').slice(0, 40)],
        'signature as hex': [body, good.toString('hex')],
        'signature of the body parsed and re-serialised': [
          body,
          sign(reserialised).toString('base64'),
        ],
        'two signatures in one header': [
          body,
          `${flipped.toString('base64')},${good.toString('base64')}`,
        ],
      }[kind] as [string, string];
      const res = await fetch(`${stack.api.url}/webhooks/quickbooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'intuit-signature': signature },
        body: sent,
      });
      expect(res.status, kind).toBe(401);
    }),
    { numRuns: 60 },
  );
  expect(await ownerEventKeys()).toEqual(before);
  // Control: the same kind of event, signed correctly, is stored.
  const body = fc.sample(event, 1)[0] as string;
  const res = await fetch(`${stack.api.url}/webhooks/quickbooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/cloudevents+json',
      'intuit-signature': sign(body).toString('base64'),
    },
    body,
  });
  expect(await res.json()).toMatchObject({ accepted: 1 });
  expect(await ownerEventKeys()).toHaveLength(before.length + 1);
});
