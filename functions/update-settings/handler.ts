/**
 * `PUT /integrations/quickbooks/settings` (JWT): the tenant's time zone (moves the nightly
 * schedule) and the income account for mirrored items.
 */
import * as z from 'zod';
import { requiredEnv } from '#shared/config/env.ts';
import { canonicalTimeZone, isTimeZone } from '#shared/domain/connection.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { TABLE_ENV } from '#shared/store/tables.ts';
import { updateSettings } from '#shared/use-cases/update-settings.ts';
import { scheduleRegistry } from '#shared/wiring/connection-services.ts';

const deps = {
  connections: new ConnectionRepository(requiredEnv(TABLE_ENV.syncState)),
  // Looked up per use: local mode hands over its registry after loading the handlers.
  get schedules() {
    return scheduleRegistry();
  },
  clock: systemClock,
};

const body = z.strictObject({
  timezone: z
    .string()
    .max(64)
    .refine(isTimeZone, 'must be an IANA time zone such as America/Chicago')
    .transform((zone) => canonicalTimeZone(zone) as string)
    .optional(),
  incomeAccountId: z
    .string()
    .regex(/^\d{1,20}$/, 'must be a QuickBooks account Id')
    .nullable()
    .optional(),
});

export const handler = tenantRoute({ body }, async ({ tenantId, body }) => ({
  statusCode: 200,
  body: await updateSettings(deps, tenantId, body),
}));
