import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNotifications } from '#shared/webhooks/notifications.ts';
import { verifyIntuitSignature } from '#shared/webhooks/signature.ts';

// Intuit's Java SDK test vector (WebhooksServiceTest.java; docs/qbo-facts.md, *Webhooks*).
const JAVA_TOKEN = 'b5771f19b12ddb4bcdb9f08bdc50bc63878a';
const JAVA_BODY =
  '{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}';
const JAVA_SIGNATURE = 'JC2GUwciPmRBwEO7WvrRmKqu9tGOKL8FFallocTFi8Q=';

// Intuit's published payloads, byte for byte (where each was published: docs/qbo-facts.md).
const sample = (name: string) =>
  readFileSync(new URL(`../fixtures/qbo-samples/${name}`, import.meta.url));
const sign = (token: string, body: Buffer | string) =>
  createHmac('sha256', token).update(body).digest('base64');

describe('Function: verifyIntuitSignature', () => {
  it("accepts Intuit's own test vector", () => {
    expect(verifyIntuitSignature(Buffer.from(JAVA_BODY), JAVA_SIGNATURE, [JAVA_TOKEN])).toBe(true);
  });

  it('verifies the raw bytes of both sample formats, whitespace and all', () => {
    for (const name of [
      'webhook-legacy-intuit-blog.json',
      'webhook-cloudevents-intuit-blog.json',
    ]) {
      const raw = sample(name);
      expect(verifyIntuitSignature(raw, sign('token', raw), ['token'])).toBe(true);
      // A re-serialised body is not what Intuit signed.
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
      expect(verifyIntuitSignature(reserialised, sign('token', raw), ['token'])).toBe(false);
    }
  });

  it('refuses a tampered body, a tampered signature, a missing one and the wrong token', () => {
    const body = Buffer.from(JAVA_BODY);
    expect(
      verifyIntuitSignature(
        Buffer.from(JAVA_BODY.replace('1185883450', '1185883451')),
        JAVA_SIGNATURE,
        [JAVA_TOKEN],
      ),
    ).toBe(false);
    expect(verifyIntuitSignature(body, `K${JAVA_SIGNATURE.slice(1)}`, [JAVA_TOKEN])).toBe(false);
    expect(verifyIntuitSignature(body, undefined, [JAVA_TOKEN])).toBe(false);
    expect(verifyIntuitSignature(body, '', [JAVA_TOKEN])).toBe(false);
    expect(verifyIntuitSignature(body, 'not base64 at all!', [JAVA_TOKEN])).toBe(false);
    expect(verifyIntuitSignature(body, JAVA_SIGNATURE, ['another-token'])).toBe(false);
    expect(verifyIntuitSignature(body, JAVA_SIGNATURE, [])).toBe(false);
  });

  it('accepts either token while the verifier token is being rotated', () => {
    const body = Buffer.from(JAVA_BODY);
    expect(verifyIntuitSignature(body, JAVA_SIGNATURE, ['new-token', JAVA_TOKEN])).toBe(true);
    expect(verifyIntuitSignature(body, sign('new-token', body), ['new-token', JAVA_TOKEN])).toBe(
      true,
    );
  });
});

describe('Function: readNotifications', () => {
  it('reads the legacy format', () => {
    const [notice, ...rest] =
      readNotifications(JSON.parse(sample('webhook-legacy-intuit-blog.json').toString())) ?? [];
    expect(rest).toEqual([]);
    expect(notice).toMatchObject({
      realmId: '310687',
      entity: 'Account',
      entityId: '1234',
      operation: 'Create',
    });
    expect(notice?.dedupeKey).toMatch(/^legacy:[0-9a-f]{40}$/);
  });

  it('reads CloudEvents, with data empty, absent or unrelated', () => {
    for (const name of [
      'webhook-cloudevents-intuit-blog.json',
      'webhook-cloudevents-docs-salesreceipt-updated-no-data.json',
      'webhook-cloudevents-docs-customer-merged.json',
    ]) {
      const notices = readNotifications(JSON.parse(sample(name).toString()));
      expect(notices, name).toHaveLength(1);
    }
    const [blog] =
      readNotifications(JSON.parse(sample('webhook-cloudevents-intuit-blog.json').toString())) ??
      [];
    expect(blog).toMatchObject({
      realmId: '310687',
      entityId: '1234',
      operation: 'Create',
      dedupeKey: 'ce:88cd52aa-33b6-4351-9aa4-47572edbd068',
    });
  });

  it('maps qbo.payment.created.v1 to a Payment Create', () => {
    const [notice] =
      readNotifications([
        {
          specversion: '1.0',
          id: 'e1',
          type: 'qbo.payment.created.v1',
          intuitentityid: '7',
          intuitaccountid: '42',
        },
      ]) ?? [];
    expect(notice).toMatchObject({
      entity: 'Payment',
      operation: 'Create',
      entityId: '7',
      realmId: '42',
    });
  });

  it("reads a Merge's merged-away id: legacy deletedID (Intuit's webhooks page) or deletedId (Intuit's SDKs), CloudEvents data.deletedid", () => {
    // The legacy blog sample, turned into a Merge of customers, once with each spelling.
    const legacy = (field: string) => {
      const body = JSON.parse(sample('webhook-legacy-intuit-blog.json').toString());
      Object.assign(body.eventNotifications[0].dataChangeEvent.entities[0], {
        name: 'Customer',
        operation: 'Merge',
        [field]: '27',
      });
      return readNotifications(body);
    };
    for (const field of ['deletedID', 'deletedId']) {
      expect(legacy(field), field).toEqual([
        expect.objectContaining({ entity: 'Customer', operation: 'Merge', deletedId: '27' }),
      ]);
    }
    expect(legacy('deletedid')?.[0]).not.toHaveProperty('deletedId');
    const [merged] =
      readNotifications(
        JSON.parse(sample('webhook-cloudevents-docs-customer-merged.json').toString()),
      ) ?? [];
    expect(merged).toMatchObject({
      entity: 'Customer',
      entityId: '123',
      operation: 'Merge',
      deletedId: '27',
    });
  });

  it('gives the same legacy event the same dedupe key, and another event another', () => {
    const body = JSON.parse(sample('webhook-legacy-intuit-blog.json').toString());
    const again = structuredClone(body);
    again.eventNotifications[0].dataChangeEvent.entities[0].lastUpdated =
      '2025-09-08T20:52:32.000Z';
    expect(readNotifications(body)?.[0]?.dedupeKey).toBe(
      readNotifications(structuredClone(body))?.[0]?.dedupeKey,
    );
    expect(readNotifications(again)?.[0]?.dedupeKey).not.toBe(
      readNotifications(body)?.[0]?.dedupeKey,
    );
  });

  it('returns nothing for bodies in neither format', () => {
    for (const body of [{}, [], [{}], { eventNotifications: 'x' }, 'text', 42, null]) {
      const out = readNotifications(body);
      expect(out === undefined || out.length === 0, JSON.stringify(body)).toBe(true);
    }
  });
});

describe('Function: readNotifications (one bad event among good ones)', () => {
  it('keeps the good events of a delivery that carries a malformed one', () => {
    const good = {
      specversion: '1.0',
      id: 'e1',
      type: 'qbo.payment.created.v1',
      intuitentityid: '7',
      intuitaccountid: '42',
    };
    const cloud = readNotifications([good, { specversion: '1.0', id: 'e2', type: 'weird' }]);
    expect(cloud?.map((n) => n.entityId)).toEqual(['7']);
    const legacy = readNotifications({
      eventNotifications: [
        {
          realmId: '42',
          dataChangeEvent: {
            entities: [{ name: 'Payment', id: '8', operation: 'Create' }, { bad: true }],
          },
        },
        { nonsense: 1 },
      ],
    });
    expect(legacy?.map((n) => n.entityId)).toEqual(['8']);
  });
});
