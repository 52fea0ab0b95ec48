/**
 * `GET /health` (public): a liveness probe for load balancers and uptime checks. It touches no data
 * and reveals nothing about tenants.
 */
import { publicRoute } from '#shared/http/api-handler.ts';

export const handler = publicRoute({}, async () => ({
  statusCode: 200,
  body: { status: 'ok' },
}));
