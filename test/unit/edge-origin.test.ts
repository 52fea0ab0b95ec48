import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiEvent, publicRoute, rawPublicRoute } from '#shared/http/api-handler.ts';
import { cameThroughEdge, EDGE_ORIGIN_HEADER } from '#shared/http/edge-origin.ts';

const SECRET = 'k4Jx9QpZ2mWv7Rt1YbN8cHs3LdF6gUe0';
const context = { awsRequestId: 'req-1', functionName: 'test' } as Context;

function event(headers: Record<string, string>): ApiEvent {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/quickbooks',
    rawPath: '/webhooks/quickbooks',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"eventNotifications":[]}',
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' },
  } as unknown as ApiEvent;
}

const reached: string[] = [];
const health = publicRoute({}, async () => {
  reached.push('health');
  return { statusCode: 200, body: { status: 'ok' } };
});
const webhook = rawPublicRoute(async ({ rawBody }) => {
  reached.push(`webhook ${rawBody.length}`);
  return { statusCode: 200, body: {} };
});

describe('Function: public routes behind the edge', () => {
  // The stack sets it on the public routes' functions when the edge is on (lib/edge.ts).
  beforeAll(() => {
    process.env.EDGE_ORIGIN_SECRET = SECRET;
  });

  it('refuses a request without the edge header, or with another value, before the route runs', async () => {
    reached.length = 0;
    const refused: Record<string, string>[] = [
      {},
      { [EDGE_ORIGIN_HEADER]: 'guess' },
      { [EDGE_ORIGIN_HEADER]: '' },
    ];
    for (const headers of refused) {
      for (const handler of [health, webhook]) {
        const answer = await handler(event(headers), context);
        expect(answer.statusCode).toBe(403);
        expect(JSON.parse(answer.body ?? '')).toMatchObject({ code: 'not_through_edge' });
      }
    }
    expect(reached).toEqual([]);
  });

  it('runs the route for a request that came through the edge, the raw body untouched', async () => {
    reached.length = 0;
    const through = () => event({ [EDGE_ORIGIN_HEADER]: SECRET });
    expect((await health(through(), context)).statusCode).toBe(200);
    expect((await webhook(through(), context)).statusCode).toBe(200);
    expect(reached).toEqual(['health', 'webhook 25']);
  });

  it('lets everything through where no edge is configured (local mode, the edge turned off)', () => {
    expect(cameThroughEdge({}, undefined)).toBe(true);
    expect(cameThroughEdge({ [EDGE_ORIGIN_HEADER]: SECRET }, SECRET)).toBe(true);
    expect(cameThroughEdge({ [EDGE_ORIGIN_HEADER]: `${SECRET}x` }, SECRET)).toBe(false);
  });
});
