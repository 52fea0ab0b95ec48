import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localChangeQueue } from '#shared/adapters/local/local-queues.ts';
import { routes } from '#shared/api/routes.ts';
import { MAX_JSON_BODY_BYTES } from '#shared/http/api-handler.ts';
import { cleanName, NAME_LIMITS } from '#shared/qbo/names.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { tenantPk } from '#shared/store/keys.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { resultOf, startTestStack, type TestStack } from '../support/local-stack.ts';
import { books, invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';

let stack: TestStack;
/** Connected: every body route would write something for it. */
const connected = newTenantId('c');
/** Never connected: a push that passes validation gets 409, so validation is seen alone. */
const unconnected = newTenantId('n');
/** Never connected, and used only for pushes. */
const pusher = newTenantId('p');
/** Consented at Intuit, not yet confirmed. */
const confirming = newTenantId('f');
let realmId = '';
let confirmation = '';

beforeAll(async () => {
  stack = await startTestStack();
  realmId = await stack.world.newCompany('Hardening Co');
  await stack.connect(connected, realmId);
  const back = await stack.consent(confirming, await stack.world.newCompany('Confirm Co'));
  confirmation = resultOf(back).get('confirmation') ?? '';
  await new SyncErrorRepository(syncStateTable.localName).open(
    connected,
    'inv_err',
    { kind: 'drift', docNumber: 'E-1', message: 'memo differs' },
    new Date().toISOString(),
  );
});
afterAll(() => stack.close());

/** Waits until no worker is still writing (a control push, its webhooks). */
async function settled(): Promise<void> {
  await queueDrained();
  await stack.world.emulator.webhooksIdle();
  await localChangeQueue.idle();
}

/** Every item of a tenant in both tables: what a refused request must leave exactly as it was. */
async function tenantItems(tenantId: string): Promise<string> {
  const all = [];
  // The tenant's data, its pending OAuth flows and its webhook deliveries: its partitions.
  const partitions = [tenantPk(tenantId), `OAUTH#${tenantId}`, `WEBHOOK#${tenantId}`];
  for (const TableName of [syncStateTable.localName, tenantProviderKeysTable.localName]) {
    for (const pk of partitions) {
      const { Items = [] } = await documentClient.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
        }),
      );
      all.push(...Items);
    }
  }
  return JSON.stringify(all);
}

/** Sends a raw body with the tenant's token. */
async function send(
  tenantId: string,
  method: string,
  path: string,
  body: string | undefined,
  contentType: string | null = 'application/json',
): Promise<Response> {
  return fetch(`${stack.api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await stack.api.issuer.mint(tenantId)}`,
      ...(contentType ? { 'content-type': contentType } : {}),
    },
    body,
  });
}

/** A clear refusal: the status, a stable code, JSON, and no trace of the code that refused it. */
async function expectRefused(res: Response, status: number, code?: string): Promise<unknown> {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  if (code) expect(JSON.parse(text)).toMatchObject({ code });
  expect(text).not.toMatch(/\bat .+:\d+:\d+|\.ts\b|node_modules|RangeError|TypeError/);
  return JSON.parse(text);
}

interface BodyRoute {
  readonly tenant: string;
  readonly method: string;
  readonly path: string;
  readonly valid: () => unknown;
}

/** Every JWT route that takes a JSON body, with a body it accepts. */
const bodyRoutes: Record<string, BodyRoute> = {
  'POST /invoices/{invoiceId}/push': {
    tenant: connected,
    method: 'POST',
    path: '/invoices/inv_hard/push',
    valid: () => invoiceBody(),
  },
  'PUT /integrations/quickbooks/settings': {
    tenant: connected,
    method: 'PUT',
    path: '/integrations/quickbooks/settings',
    valid: () => ({ timezone: 'Europe/Paris' }),
  },
  'POST /integrations/quickbooks/connect': {
    tenant: unconnected,
    method: 'POST',
    path: '/integrations/quickbooks/connect',
    valid: () => ({ returnUrl: `${stack.api.url}/portal` }),
  },
  'POST /sync-errors/{id}/dismiss': {
    tenant: connected,
    method: 'POST',
    path: '/sync-errors/inv_err/dismiss',
    valid: () => ({ reason: 'We agreed the memo with the client' }),
  },
  'POST /integrations/quickbooks/confirm': {
    tenant: confirming,
    method: 'POST',
    path: '/integrations/quickbooks/confirm',
    valid: () => ({ confirmation }),
  },
};

/** JWT routes that change something but read no body: a body must still not hurt them. */
const bodylessRoutes: Record<string, { method: string; path: string }> = {
  'POST /sync-errors/{id}/resync': { method: 'POST', path: '/sync-errors/inv_err/resync' },
  'POST /sync-errors/{id}/accept': { method: 'POST', path: '/sync-errors/inv_err/accept' },
  'POST /reconcile': { method: 'POST', path: '/reconcile' },
  'DELETE /integrations/quickbooks': { method: 'DELETE', path: '/integrations/quickbooks' },
};

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const padded = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes) });

/** Hostile bodies, each with the refusal it must get. */
const hostile: readonly {
  what: string;
  body: string;
  type?: string | null;
  expect: number;
  code: string;
}[] = [
  {
    what: 'a body over the limit',
    body: padded(MAX_JSON_BODY_BYTES),
    expect: 413,
    code: 'payload_too_large',
  },
  {
    what: 'a multibyte body over the limit',
    body: padded(MAX_JSON_BODY_BYTES / 3).replaceAll('x', '€'),
    expect: 413,
    code: 'payload_too_large',
  },
  {
    what: 'JSON nested 10,000 objects deep',
    body: nested(10_000),
    expect: 400,
    code: 'invalid_request',
  },
  {
    what: 'JSON nested 100,000 arrays deep',
    body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    expect: 400,
    code: 'invalid_request',
  },
  { what: 'truncated JSON', body: '{"revision":', expect: 400, code: 'invalid_json' },
  { what: 'JSON with single quotes', body: "{'reason':'x'}", expect: 400, code: 'invalid_json' },
  {
    what: 'a byte-order mark before the JSON',
    body: '\uFEFF{}',
    expect: 400,
    code: 'invalid_json',
  },
  { what: 'JSON null', body: 'null', expect: 400, code: 'invalid_request' },
  { what: 'a JSON array', body: '[]', expect: 400, code: 'invalid_request' },
  { what: 'a JSON string', body: '"hello"', expect: 400, code: 'invalid_request' },
  { what: 'a JSON number', body: '42', expect: 400, code: 'invalid_request' },
  { what: 'a JSON boolean', body: 'true', expect: 400, code: 'invalid_request' },
  // A body that does not say it is JSON is what a cross-site form sends: never read.
  {
    what: 'text/plain',
    body: '{"a":1}',
    type: 'text/plain',
    expect: 415,
    code: 'unsupported_media_type',
  },
  {
    what: 'a form body',
    body: 'reason=x&timezone=UTC',
    type: 'application/x-www-form-urlencoded',
    expect: 415,
    code: 'unsupported_media_type',
  },
  {
    what: 'no content type',
    body: 'reason=x',
    type: null,
    expect: 415,
    code: 'unsupported_media_type',
  },
];

describe('Input: hostile bodies on every JWT route that takes one', () => {
  it('lists every JWT route that changes something as taking a body or not', () => {
    const changing = routes
      .filter((r) => r.auth === 'jwt' && r.method !== 'GET')
      .map((r) => `${r.method} ${r.path}`);
    expect([...Object.keys(bodyRoutes), ...Object.keys(bodylessRoutes)].sort()).toEqual(
      changing.sort(),
    );
  });

  for (const [route, spec] of Object.entries(bodyRoutes)) {
    it(`${route}: refuses each with a clear 4xx and stores nothing`, async () => {
      await settled();
      const before = await tenantItems(spec.tenant);
      for (const bad of hostile) {
        const res = await send(spec.tenant, spec.method, spec.path, bad.body, bad.type);
        await expectRefused(res, bad.expect, bad.code);
      }
      // A hostile value inside an otherwise good body is refused by its path (the last of two
      // equal keys wins in JSON).
      const good = JSON.stringify(spec.valid());
      const key = Object.keys(spec.valid() as object)[0];
      const deep = `${good.slice(0, -1)},"${key}":${nested(5_000)}}`;
      const res = await send(spec.tenant, spec.method, spec.path, deep);
      await expectRefused(res, 400, 'invalid_request');
      expect(await tenantItems(spec.tenant)).toBe(before);
      // Control: the route's good body does change what is stored, so the check above can fail.
      const ok = await send(spec.tenant, spec.method, spec.path, JSON.stringify(spec.valid()));
      expect(ok.status, await ok.clone().text()).toBeLessThan(300);
      expect(await tenantItems(spec.tenant)).not.toBe(before);
    });
  }

  it('refuses a body over API Gateway’s own 10 MB cap with 413', async () => {
    const res = await send(connected, 'POST', '/invoices/inv_huge/push', padded(10 * 1024 * 1024));
    expect(res.status).toBe(413);
  });

  it('refuses a schema-valid invoice too big to store with 413, not a 500', async () => {
    // 250 lines with 4,000-character descriptions: each field within the contract, the whole
    // over one DynamoDB item.
    const body = invoiceBody((b) => {
      const line = b.lines[0] as (typeof b.lines)[number];
      b.lines = Array.from({ length: 250 }, (_, i) => ({
        ...line,
        lineId: `ln_${i}`,
        description: 'd'.repeat(4000),
        quantity: '1',
        unitPrice: '1.00',
        amount: '1.00',
      }));
      b.totals = { subtotal: '250.00', tax: '0.00', total: '250.00' };
    });
    const before = await tenantItems(connected);
    await expectRefused(
      await pushInvoice(stack, connected, 'inv_big', body),
      413,
      'payload_too_large',
    );
    expect(await tenantItems(connected)).toBe(before);
  });

  for (const [route, spec] of Object.entries(bodylessRoutes)) {
    it(`${route}: refuses an oversized or malformed body before doing anything`, async () => {
      await settled();
      const before = await tenantItems(connected);
      const big = await send(connected, spec.method, spec.path, padded(MAX_JSON_BODY_BYTES));
      await expectRefused(big, 413, 'payload_too_large');
      await expectRefused(
        await send(connected, spec.method, spec.path, '{"x":'),
        400,
        'invalid_json',
      );
      expect(await tenantItems(connected)).toBe(before);
    });
  }

  it('never lets a __proto__ key reach an object prototype', async () => {
    const body = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"reason":"x"}`;
    await send(connected, 'POST', '/sync-errors/nope/dismiss', body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('Input: hostile path parameters and query strings', () => {
  /** Ids no invoice can have, as they appear in a URL. */
  const badIds = [
    'x'.repeat(2000),
    '%00',
    '..%2F..%2Fsecret',
    'a%23b',
    '%C3%A9%F0%9F%98%80',
    "'%20OR%20'1'%3D'1",
    '%ZZ',
  ];

  it('refuses an id no invoice can have with 400 on every route that takes one', async () => {
    await settled();
    const before = await tenantItems(connected);
    const withIds = routes.filter((r) => r.auth === 'jwt' && r.path.includes('{'));
    expect(withIds.length).toBeGreaterThanOrEqual(5);
    for (const route of withIds) {
      const body = bodyRoutes[`${route.method} ${route.path}`]?.valid();
      for (const id of badIds) {
        const path = route.path.replace(/\{\w+\}/, id);
        const res = await send(
          connected,
          route.method,
          path,
          body === undefined ? undefined : JSON.stringify(body),
        );
        await expectRefused(res, 400);
      }
    }
    expect(await tenantItems(connected)).toBe(before);
  });

  it('answers hostile query strings on the list routes with 200 or a clear 400', async () => {
    const queries = [
      'limit=-1',
      'limit=1e309',
      'limit=9999999999999999999999',
      'limit=0x10',
      `cursor=${'x'.repeat(5000)}`,
      `cursor=${Buffer.from('{"sk":{"S":"x"}}').toString('base64url')}`,
      'status=paid&status=queued',
      "status=' OR '1'='1",
      'kind=%00&state=%ZZ',
      `status=${'\u{1F600}'.repeat(100)}`,
    ];
    for (const route of routes.filter((r) => r.auth === 'jwt' && r.method === 'GET')) {
      if (route.path.includes('{')) continue;
      for (const query of queries) {
        const res = await send(connected, 'GET', `${route.path}?${query}`, undefined, null);
        const text = await res.text();
        expect([200, 400], `${route.path}?${query}: ${text.slice(0, 200)}`).toContain(res.status);
        expect(text).not.toMatch(/\bat .+:\d+:\d+|\.ts\b/);
      }
    }
  });
});

describe('Input: hostile values in the settings and the dismiss reason', () => {
  it('takes a time zone, an account id and a reason only when valid, refusing the rest by path', async () => {
    const zones = [
      '../../etc/passwd',
      'America/New_York\u0000',
      'Z'.repeat(65),
      '+05:00',
      "UTC' OR '1'='1",
      '\uD800',
    ];
    const accounts = ['1 OR 1=1', '-1', '1e3', '9'.repeat(21), '０１', ''];
    const probes = [
      ...zones.map((timezone) => ['timezone', { timezone }] as const),
      ...accounts.map((incomeAccountId) => ['incomeAccountId', { incomeAccountId }] as const),
    ];
    await settled();
    const before = await tenantItems(connected);
    for (const [path, body] of probes) {
      const res = await send(
        connected,
        'PUT',
        '/integrations/quickbooks/settings',
        JSON.stringify(body),
      );
      const { issues } = (await expectRefused(res, 400, 'invalid_request')) as {
        issues: { path: string }[];
      };
      expect(new Set(issues.map((i) => i.path))).toEqual(new Set([path]));
    }
    for (const reason of [...REFUSED, 'r'.repeat(501), ' \t\n ']) {
      const res = await send(
        connected,
        'POST',
        '/sync-errors/inv_err/dismiss',
        JSON.stringify({ reason }),
      );
      await expectRefused(res, 400, 'invalid_request');
    }
    expect(await tenantItems(connected)).toBe(before);
  });
});

/** Every text field of the push contract, with its longest allowed value. */
const TEXT_FIELDS: Record<string, number> = {
  docNumber: 21,
  terms: 100,
  memo: 1000,
  'client.displayName': 500,
  'client.companyName': 500,
  'client.phone': 30,
  'client.billingAddress.line1': 500,
  'client.billingAddress.line2': 500,
  'client.billingAddress.city': 255,
  'client.billingAddress.region': 255,
  'client.billingAddress.postalCode': 30,
  'client.billingAddress.country': 255,
  'lines.0.lineId': 64,
  'lines.0.itemCode': 100,
  'lines.0.itemName': 500,
  'lines.0.description': 4000,
  'lines.0.taxCode': 30,
};

/** Strings QBO and our stores take as they are (each fits every field above). */
const KEPT = [
  "O'Brien",
  "O\\'Brien",
  '\\',
  '100%',
  '_%_',
  "' OR '1'='1",
  '"; DROP TABLE x; --',
  '<script>alert(1)</script>'.slice(0, 21),
  '$' + '{jndi:ldap://x/a}',
  '😀🔧 Plumbing',
  'שלום עליכם',
  '\u202Eevil\u202C',
  'Z\u0324\u0354\u0367\u0311a\u0308\u0356\u032D',
  'tab\there\nline',
  '%00 %27',
];

/** Strings no field may hold: they cannot be stored or sent intact. */
const REFUSED = ['a\u0000b', 'x\uD800', '\uDC00y', 'bell\u0007', 'no\uFFFF', 'esc\u001B[31m'];

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = target;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[last] = value;
}

async function pushWith(path: string, value: string): Promise<Response> {
  const body = invoiceBody() as unknown as Record<string, unknown>;
  setAt(body, path, value);
  return pushInvoice(stack, pusher, 'inv_text', body);
}

describe('Input: unicode and injection strings in every text field of the push', () => {
  it('accepts them intact or refuses them by the field’s path, never anything else', async () => {
    for (const [path, max] of Object.entries(TEXT_FIELDS)) {
      const kept = [...KEPT, 'é'.repeat(max), `${'x'.repeat(max - 1)}'`];
      for (const value of kept) {
        const res = await pushWith(path, value);
        // 409: it passed validation and reached the connection check.
        expect(res.status, `${path} = ${JSON.stringify(value)}`).toBe(409);
      }
      for (const value of [...REFUSED, 'x'.repeat(max + 1)]) {
        const res = await pushWith(path, value);
        expect(res.status, `${path} = ${JSON.stringify(value)}`).toBe(400);
        const { issues } = (await res.json()) as { issues: { path: string }[] };
        expect(issues.map((i) => i.path)).toEqual([path]);
      }
    }
    expect(await tenantItems(pusher)).toBe('[]');
  });

  it('takes the client id and e-mail only in their formats, refusing the rest by path', async () => {
    const emails = ["o'brien@example.com", 'a%b@example.com', 'x@example.com\u0000', '<a@b.c>'];
    for (const path of ['client.id', 'client.email']) {
      const refused = new Set<string>([...REFUSED, 'x'.repeat(101)]);
      for (const value of [...KEPT, ...REFUSED, ...emails, 'x'.repeat(101)]) {
        const res = await pushWith(path, value);
        // Past validation, a push for a tenant that is not connected gets 409.
        const expected = refused.has(value) ? [400] : [400, 409];
        expect(expected, `${path} = ${JSON.stringify(value)}`).toContain(res.status);
        if (res.status === 400) {
          const { issues } = (await res.json()) as { issues: { path: string }[] };
          expect(new Set(issues.map((i) => i.path))).toEqual(new Set([path]));
        }
      }
    }
    expect((await pushWith('client.email', 'jane.o-brien+1@example.com')).status).toBe(409);
    expect(await tenantItems(pusher)).toBe('[]');
  });
});

describe('Input: names are looked up exactly in QuickBooks', () => {
  /** Clients whose names a broken escape or a LIKE would confuse with one another. */
  const names = [
    "O'Brien",
    "O\\'Brien",
    "O\\\\'Brien",
    "O''Brien",
    'OBrien',
    '100%',
    '100% Plumbing',
    '100_',
    '%',
    "x' AND DisplayName = 'OBrien",
    "' OR '1'='1",
    '"; DROP TABLE Customer; --',
    '<script>alert(1)</script>',
    '😀 Emoji Plumbing',
    'שלום Plumbing',
    'Ja\u00ADne Doe',
    'Jose\u0301 Garci\u0301a',
    `${'L'.repeat(NAME_LIMITS.customer - 1)}'`,
    'Smith: Plumbing\tInc',
  ];
  /** Customers already in QuickBooks whose names are near misses of the clients' names. */
  const decoys = ['Jane Doe', 'José García', "O'Brien Jr", 'O\\Brien', '1000'];

  it('maps every client to its own customer and every item to its own item', async () => {
    for (const DisplayName of decoys) {
      const res = await stack.world.admin('POST', `/_admin/companies/${realmId}/customers`, {
        DisplayName,
      });
      expect(res.status).toBe(200);
    }
    const itemNames = ["Labor's", "Labor\\'s", '50% off', '50', '<b>Bold</b>'];
    for (const [i, name] of names.entries()) {
      const body = invoiceBody((b) => {
        b.docNumber = `N-${i}'%`;
        b.memo = `Memo for ${name}`;
        b.client.id = `cl_name_${i}`;
        b.client.displayName = name;
        const line = b.lines[0] as (typeof b.lines)[number];
        b.lines = itemNames.map((itemName, j) => ({
          ...line,
          lineId: `ln_${j}`,
          itemCode: undefined as unknown as string,
          itemName,
          description: `${itemName} — "quoted" \\ 'single' <tag> %`,
          quantity: '1',
          unitPrice: '1.00',
          amount: '1.00',
        }));
        b.totals = { subtotal: '5.00', tax: '0.00', total: '5.00' };
      });
      expect((await pushInvoice(stack, connected, `inv_name_${i}`, body)).status).toBe(202);
    }
    await queueDrained();

    const company = await books(stack, realmId);
    const customerName = new Map(company.customers.map((c) => [c.Id, c.DisplayName]));
    const itemName = new Map(company.items.map((c) => [c.Id, c.Name]));
    const customerOf = new Map<string, string>();
    for (const [i, name] of names.entries()) {
      const sync = await syncOf(stack, connected, `inv_name_${i}`);
      expect(sync.status, name).toBe('pushed');
      const invoice = company.invoices.find((inv) => inv.Id === sync.qboInvoiceId) as {
        CustomerRef: { value: string };
        DocNumber: string;
        CustomerMemo?: { value: string };
        Line: { Description?: string; SalesItemLineDetail?: { ItemRef: { value: string } } }[];
      };
      expect(customerName.get(invoice.CustomerRef.value), name).toBe(
        cleanName(name, NAME_LIMITS.customer),
      );
      customerOf.set(name, invoice.CustomerRef.value);
      expect(invoice.DocNumber).toBe(`N-${i}'%`);
      expect(invoice.CustomerMemo?.value).toBe(`Memo for ${name}`);
      const lines = invoice.Line.filter((l) => l.SalesItemLineDetail);
      expect(lines.map((l) => itemName.get(l.SalesItemLineDetail?.ItemRef.value ?? ''))).toEqual(
        itemNames,
      );
      expect(lines.map((l) => l.Description)).toEqual(
        itemNames.map((n) => `${n} — "quoted" \\ 'single' <tag> %`),
      );
    }
    // Each client has a customer of its own, and no decoy was linked to anyone.
    expect(new Set(customerOf.values()).size).toBe(names.length);
    const decoyIds = company.customers.filter((c) => decoys.includes(String(c.DisplayName)));
    expect(decoyIds).toHaveLength(decoys.length);
    for (const decoy of decoyIds) expect([...customerOf.values()]).not.toContain(decoy.Id);
    expect(company.items.filter((item) => itemNames.includes(String(item.Name)))).toHaveLength(
      itemNames.length,
    );
  });
});
