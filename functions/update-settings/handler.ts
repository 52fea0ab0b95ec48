/**
 * `PUT /integrations/quickbooks/settings` (JWT): the tenant's time zone (moves the nightly
 * schedule), the income account for mirrored items and the tax code map (checked against QBO).
 */
import * as z from 'zod';
import { canonicalTimeZone, isTimeZone } from '#shared/domain/connection.ts';
import { isPseudoTaxCode } from '#shared/domain/tax.ts';
import { storableText } from '#shared/domain/text.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { updateSettings } from '#shared/use-cases/update-settings.ts';
import { intuitServices } from '#shared/wiring/services.ts';

const deps = await intuitServices();

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
  taxCodeMap: z
    .record(
      storableText().min(1).max(30),
      z.string().refine((id) => /^\d{1,20}$/.test(id), {
        // QBO's TaxCode query lists the US pseudo codes first (docs/company-profiles.md).
        error: (issue) =>
          isPseudoTaxCode(String(issue.input))
            ? `${String(issue.input)} only marks a US line taxable or not in QuickBooks; it is not one of the company's tax codes (see GET /integrations/quickbooks/tax-codes)`
            : 'must be a QuickBooks TaxCode Id',
      }),
    )
    .refine((map) => Object.keys(map).length <= 50, 'has more than 50 entries')
    .nullable()
    .optional(),
});

export const handler = tenantRoute({ body }, async ({ tenantId, body }) => ({
  statusCode: 200,
  body: await updateSettings(deps, tenantId, body),
}));
