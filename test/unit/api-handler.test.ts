import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { AppError } from '#shared/errors.ts';
import { type ApiEvent, MAX_JSON_BODY_BYTES, tenantRoute } from '#shared/http/api-handler.ts';

const context = { awsRequestId: 'req-1', functionName: 'test' } as Context;

function event(overrides: Partial<ApiEvent> & { claims?: Record<string, string> } = {}): ApiEvent {
  const { claims = { tenant_id: 'acme', scope: 'quickbooks.admin' }, ...rest } = overrides;
  return {
    version: '2.0',
    routeKey: 'PUT /integrations/quickbooks/settings',
    rawPath: '/integrations/quickbooks/settings',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
    },
    ...rest,
  } as ApiEvent;
}

const body = z.strictObject({ name: z.string().min(1), quantity: z.string().regex(/^\d+$/) });
const echo = tenantRoute({ body }, async ({ tenantId, body }) => ({
  statusCode: 201,
  body: { tenantId, ...body },
}));

const parse = (result: { body?: string }) =>
  JSON.parse(result.body ?? '') as Record<string, unknown>;

describe('Function: tenantRoute', () => {
  it('hands the function the tenant from the claims and the validated body', async () => {
    const result = await echo(event({ body: '{"name":"Labor","quantity":"3"}' }), context);
    expect(result.statusCode).toBe(201);
    expect(parse(result)).toEqual({ tenantId: 'acme', name: 'Labor', quantity: '3' });
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const result = await echo(event({ body: '{"name": "Labor",' }), context);
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({ code: 'invalid_json' });
  });

  it('answers a route that needs a body but got none with 400 listing what is missing', async () => {
    const result = await echo(event({ body: undefined }), context);
    expect(result.statusCode).toBe(400);
    const { issues } = parse(result) as { issues: { path: string }[] };
    expect(issues.map((i) => i.path).sort()).toEqual(['name', 'quantity']);
  });

  it('refuses a body that does not say it is JSON with 415, before reading it', async () => {
    // A cross-site form or text/plain POST needs no CORS preflight: it must never be read.
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const headers = { 'content-type': type };
      const result = await echo(
        event({ headers, body: '{"name":"Labor","quantity":"3"}' }),
        context,
      );
      expect(result.statusCode, type).toBe(415);
      expect(parse(result)).toMatchObject({ code: 'unsupported_media_type' });
    }
    const vendor = { 'content-type': 'application/vnd.api+json; charset=utf-8' };
    const ok = await echo(
      event({ headers: vendor, body: '{"name":"Labor","quantity":"3"}' }),
      context,
    );
    expect(ok.statusCode).toBe(201);
  });

  it('answers 403 insufficient_scope to a token without the route scope, before the function', async () => {
    let ran = false;
    const route = tenantRoute({}, async () => {
      ran = true;
      return { statusCode: 200 };
    });
    const cases: [string, Record<string, string>, number][] = [
      ['PUT /integrations/quickbooks/settings', { tenant_id: 'acme' }, 403],
      [
        'PUT /integrations/quickbooks/settings',
        { tenant_id: 'acme', scope: 'quickbooks.push' },
        403,
      ],
      [
        'PUT /integrations/quickbooks/settings',
        { tenant_id: 'acme', scp: '[quickbooks.admin]' },
        200,
      ],
      [
        'POST /invoices/{invoiceId}/push',
        { tenant_id: 'acme', scope: 'openid quickbooks.push' },
        200,
      ],
      ['POST /invoices/{invoiceId}/push', { tenant_id: 'acme', scope: 'quickbooks.admin' }, 200],
      ['POST /invoices/{invoiceId}/push', { tenant_id: 'acme', scope: 'quickbooks.pusher' }, 403],
      ['POST /not-a-route', { tenant_id: 'acme', scope: 'quickbooks.admin' }, 403],
    ];
    for (const [routeKey, claims, status] of cases) {
      ran = false;
      const result = await route(event({ routeKey, claims }), context);
      expect(result.statusCode, `${routeKey} ${JSON.stringify(claims)}`).toBe(status);
      expect(ran).toBe(status === 200);
      if (status === 403) expect(parse(result)).toMatchObject({ code: 'insufficient_scope' });
    }
  });

  it('answers a body over the limit with 413 payload_too_large before parsing it', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(MAX_JSON_BODY_BYTES), quantity: '1' });
    const result = await echo(event({ body: big }), context);
    expect(result.statusCode).toBe(413);
    expect(parse(result)).toMatchObject({ code: 'payload_too_large' });
    const base64 = Buffer.from(big).toString('base64');
    const encoded = await echo(event({ body: base64, isBase64Encoded: true }), context);
    expect(encoded.statusCode).toBe(413);
  });

  it('answers a JSON null body with 400: it is a body, and not an object', async () => {
    const result = await echo(event({ body: 'null' }), context);
    expect(result.statusCode).toBe(400);
    expect(parse(result)).toMatchObject({ code: 'invalid_request' });
  });

  it('lists every validation problem by path', async () => {
    const result = await echo(event({ body: '{"name":"","quantity":"x","extra":1}' }), context);
    expect(result.statusCode).toBe(400);
    const { code, issues } = parse(result) as { code: string; issues: { path: string }[] };
    expect(code).toBe('invalid_request');
    expect(issues.map((i) => i.path).sort()).toEqual(['(body)', 'name', 'quantity']);
  });

  it('answers 401 when the verified claims name no tenant', async () => {
    const result = await echo(event({ claims: { sub: 'x' }, body: '{}' }), context);
    expect(result.statusCode).toBe(401);
    expect(parse(result)).toMatchObject({ code: 'unauthorized' });
  });

  it('maps a typed error to its status and stable code', async () => {
    const conflict = tenantRoute({}, async () => {
      throw new AppError('conflict', 'quickbooks_not_connected', 'Connect QuickBooks first.');
    });
    const result = await conflict(event(), context);
    expect(result.statusCode).toBe(409);
    expect(parse(result)).toEqual({
      code: 'quickbooks_not_connected',
      message: 'Connect QuickBooks first.',
    });
  });

  it('answers an unexpected error with a generic 500 that carries no stack or detail', async () => {
    const boom = tenantRoute({}, async () => {
      throw new Error('secret-detail at /var/task/index.mjs:1:2');
    });
    const result = await boom(event(), context);
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret-detail');
    expect(parse(result)).toMatchObject({ code: 'internal_error' });
  });
});
