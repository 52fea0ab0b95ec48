import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { AppError } from '#shared/errors.ts';
import { type ApiEvent, MAX_JSON_BODY_BYTES, tenantRoute } from '#shared/http/api-handler.ts';

const context = { awsRequestId: 'req-1', functionName: 'test' } as Context;

function event(overrides: Partial<ApiEvent> & { claims?: Record<string, string> } = {}): ApiEvent {
  const { claims = { tenant_id: 'acme' }, ...rest } = overrides;
  return {
    version: '2.0',
    routeKey: 'POST /things',
    rawPath: '/things',
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

  it('answers a body that is not JSON with 400, whatever its content type', async () => {
    const headers = { 'content-type': 'text/plain' };
    const result = await echo(event({ headers, body: 'name=Labor' }), context);
    expect(result.statusCode).toBe(400);
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
