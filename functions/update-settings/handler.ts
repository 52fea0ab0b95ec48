/**
 * `PUT /integrations/quickbooks/settings` (JWT): the tenant's time zone (moves the nightly
 * schedule), the income account for mirrored items and the tax code map (checked against QBO).
 */
import * as z from 'zod/mini';
import { canonicalTimeZone, isTimeZone } from '#shared/domain/connection.ts';
import { isPseudoTaxCode } from '#shared/domain/tax.ts';
import { storableTextChecks } from '#shared/domain/text.ts';
import { tenantRoute } from '#shared/http/api-handler.ts';
import { updateSettings } from '#shared/use-cases/update-settings.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';

const deps = await intuitServices();

// zod/mini, as the full zod would add 70 KB to the bundle and a tenth of its load (docs/benchmarks.md).
const body = z.strictObject({
  timezone: z.optional(
    z.pipe(
      z
        .string()
        .check(
          z.maxLength(64),
          z.refine(isTimeZone, 'must be an IANA time zone such as America/Chicago'),
        ),
      z.transform((zone: string) => canonicalTimeZone(zone) as string),
    ),
  ),
  incomeAccountId: z.optional(
    z.nullable(z.string().check(z.regex(/^\d{1,20}$/, 'must be a QuickBooks account Id'))),
  ),
  taxCodeMap: z.optional(
    z.nullable(
      z
        .record(
          z.string().check(...storableTextChecks(), z.minLength(1), z.maxLength(30)),
          z.string().check(
            z.refine((id: string) => /^\d{1,20}$/.test(id), {
              // QBO's TaxCode query lists the US pseudo codes first (docs/company-profiles.md).
              error: (issue) =>
                isPseudoTaxCode(String(issue.input))
                  ? `${String(issue.input)} only marks a US line taxable or not in QuickBooks; it is not one of the company's tax codes (see GET /integrations/quickbooks/tax-codes)`
                  : 'must be a QuickBooks TaxCode Id',
            }),
          ),
        )
        .check(z.refine((map) => Object.keys(map).length <= 50, 'has more than 50 entries')),
    ),
  ),
});

export const handler = tenantRoute({ body }, async ({ tenantId, body }) => ({
  statusCode: 200,
  body: await updateSettings(deps, tenantId, body),
}));
