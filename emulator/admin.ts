import * as z from 'zod';
import type { Clock } from './clock.ts';
import { AdminError } from './errors.ts';
import { type RateTable, rateTableSchema } from './exchange-rates.ts';
import { parseJson, type RequestContext, type Router, sendJson } from './http.ts';
import { newRealmId } from './ids.ts';
import type { Ledger } from './ledger.ts';
import { FAULT_KINDS, type RealmLimiter } from './limits.ts';
import type { OAuthService } from './oauth.ts';
import { COUNTRIES, type CompanyProfile, DEFAULT_CURRENCY, SALES_TAX_MODES } from './profiles.ts';
import { SALES_FORM_COLLECTIONS, salesFormsOf, seedSalesForm } from './sales-forms.ts';
import {
  type CompanyState,
  createCompany,
  type EmulatorState,
  type Entity,
  type EntityName,
  type WebhookConfig,
} from './state.ts';
import type { WebhookDispatcher } from './webhooks.ts';

/** What the admin API needs. */
export interface AdminDeps {
  readonly state: EmulatorState;
  readonly clock: Clock;
  readonly oauth: OAuthService;
  readonly ledger: Ledger;
  readonly limiter: RealmLimiter;
  readonly webhooks: WebhookDispatcher;
  readonly persist: () => void;
  /** Replaces the whole state with an empty one. */
  readonly reset: () => void;
}

const COLLECTIONS: Record<string, EntityName> = {
  accounts: 'Account',
  customers: 'Customer',
  vendors: 'Vendor',
  employees: 'Employee',
  items: 'Item',
  invoices: 'Invoice',
  payments: 'Payment',
};

const newCompanySchema = z
  .object({
    name: z.string().trim().min(1),
    country: z.enum(COUNTRIES).optional(),
    taxRate: z.number().min(0).max(100).optional(),
    salesTax: z.enum(SALES_TAX_MODES).optional(),
    astRates: z.record(z.string().min(1), z.number().min(0).max(100)).optional(),
    homeCurrency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .optional(),
    multiCurrency: z.boolean().optional(),
    customTxnNumbers: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    const country = input.country ?? 'US';
    // Outside the US only "none": a business not registered for VAT/GST/HST (issue 30, item 4).
    if (input.salesTax !== undefined && input.salesTax !== 'none' && country !== 'US') {
      ctx.addIssue({
        code: 'custom',
        message: 'salesTax outside the US can only be "none" (not registered for VAT/GST/HST)',
      });
    }
    if (input.astRates !== undefined && input.salesTax !== 'automated') {
      ctx.addIssue({ code: 'custom', message: 'astRates needs salesTax "automated"' });
    }
    const manualOrNone = input.salesTax === undefined || input.salesTax === 'manual';
    if (input.taxRate !== undefined && (!manualOrNone || country !== 'US')) {
      ctx.addIssue({
        code: 'custom',
        message:
          'taxRate is the rule of a US company without salesTax, or the rate of a manual one; use astRates',
      });
    }
  });

const PROFILE_FIELDS = [
  'country',
  'salesTax',
  'astRates',
  'homeCurrency',
  'multiCurrency',
  'customTxnNumbers',
] as const;

/** The profile of a new company, or none when the request carries no profile field. */
function profileOf(input: z.infer<typeof newCompanySchema>): CompanyProfile | undefined {
  if (!PROFILE_FIELDS.some((field) => input[field] !== undefined)) return undefined;
  const country = input.country ?? 'US';
  return {
    country,
    salesTax: country === 'US' ? (input.salesTax ?? 'legacy') : (input.salesTax ?? null),
    // Regions compare as QBO shows them, upper case (`il` and `IL` are one state).
    astRates: Object.fromEntries(
      Object.entries(input.astRates ?? {}).map(([region, rate]) => [
        region.trim().toUpperCase(),
        rate,
      ]),
    ),
    homeCurrency: input.homeCurrency ?? DEFAULT_CURRENCY[country],
    multiCurrency: input.multiCurrency ?? false,
    customTxnNumbers: input.customTxnNumbers ?? true,
  };
}
const paymentSchema = z.object({
  invoiceId: z.union([z.string(), z.number()]).transform(String),
  amount: z.number().positive().optional(),
});
const clockSchema = z.object({ advanceSeconds: z.number().min(0) });
const mergeSchema = z.object({ into: z.string().min(1) });

const faultSchema = z.object({
  kind: z.enum(FAULT_KINDS),
  count: z.number().int().min(1).max(10_000).default(1),
});
const webhookSchema = z.object({
  url: z.url(),
  verifierToken: z.string().min(1),
  format: z.enum(['legacy', 'cloudevents']).default('legacy'),
  duplicate: z.boolean().default(false),
  shuffle: z.boolean().default(false),
  batchWindowMs: z.number().int().min(0).max(60_000).default(200),
  timeoutMs: z.number().int().min(1).max(120_000).default(3000),
  maxAttempts: z.number().int().min(1).max(100).default(12),
});

function body<T>(ctx: RequestContext, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(parseJson(ctx.body) ?? {});
  if (!parsed.success) throw new AdminError(400, z.prettifyError(parsed.error));
  return parsed.data;
}

function objectBody(ctx: RequestContext): Record<string, unknown> {
  const json = parseJson(ctx.body);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AdminError(400, 'expected a JSON object');
  }
  return json as Record<string, unknown>;
}

function companyOf(deps: AdminDeps, ctx: RequestContext): CompanyState {
  const company = deps.state.companies[ctx.params.realmId as string];
  if (!company) throw new AdminError(404, `no company with realmId ${ctx.params.realmId}`);
  return company;
}

function collectionOf(ctx: RequestContext): EntityName {
  const entity = COLLECTIONS[ctx.params.collection as string];
  if (!entity) throw new AdminError(404, `unknown collection ${ctx.params.collection}`);
  return entity;
}

function list(company: CompanyState, entity: EntityName): Entity[] {
  return Object.values(company.entities[entity]).sort((a, b) => Number(a.Id) - Number(b.Id));
}

/** Everything the emulator holds for one company. */
function describeCompany(deps: AdminDeps, company: CompanyState): Record<string, unknown> {
  return {
    realmId: company.realmId,
    name: company.name,
    country: company.country,
    taxRate: company.taxRate,
    profile: company.profile ?? null,
    taxCodes: Object.values(company.taxCodes ?? {}),
    taxRates: Object.values(company.taxRates ?? {}),
    exchangeRates: company.exchangeRates ?? {},
    subscription: company.subscription,
    requestCount: company.requestCount,
    companyInfo: company.companyInfo,
    preferences: company.preferences,
    accounts: list(company, 'Account'),
    customers: list(company, 'Customer'),
    vendors: list(company, 'Vendor'),
    employees: list(company, 'Employee'),
    items: list(company, 'Item'),
    invoices: list(company, 'Invoice'),
    payments: list(company, 'Payment'),
    creditMemos: salesFormsOf(company, 'CreditMemo'),
    salesReceipts: salesFormsOf(company, 'SalesReceipt'),
    deleted: company.deleted.map((d) => ({ ...d, at: new Date(d.at).toISOString() })),
    grants: deps.oauth.describeGrants(company.realmId),
    limits: deps.limiter.describe(company.realmId),
  };
}

/**
 * Turns the convenience field `amount` of an invoice hand-edit into a change of its single
 * sales line, as a bookkeeper retyping the amount in the QBO invoice form would.
 */
function invoiceEdit(existing: Entity, edit: Record<string, unknown>): Record<string, unknown> {
  const { amount, ...rest } = edit;
  if (amount === undefined) return rest;
  if (typeof amount !== 'number' || amount < 0) {
    throw new AdminError(400, 'amount must be a non-negative number');
  }
  const lines = ((rest.Line ?? existing.Line) as Record<string, unknown>[]).filter(
    (l) => l.DetailType !== 'SubTotalLineDetail',
  );
  const sales = lines.filter((l) => l.DetailType === 'SalesItemLineDetail');
  if (sales.length !== 1) {
    throw new AdminError(400, 'amount can only be set on an invoice with exactly one sales line');
  }
  const line = sales[0] as Record<string, unknown>;
  const detail = { ...(line.SalesItemLineDetail as Record<string, unknown>) };
  const qty = typeof detail.Qty === 'number' && detail.Qty !== 0 ? detail.Qty : undefined;
  if (qty !== undefined) detail.UnitPrice = Math.round((amount / qty) * 1e6) / 1e6;
  const updated = { ...line, Amount: amount, SalesItemLineDetail: detail };
  return { ...rest, Line: lines.map((l) => (l === line ? updated : l)) };
}

/**
 * Registers the admin API (`/_admin/…`). Its routes and shapes are a stable contract used by
 * scripts outside the test suite; see emulator/README.md.
 *
 * @param router - the router
 * @param deps - shared services
 */
export function registerAdminRoutes(router: Router, deps: AdminDeps): void {
  const ok = (ctx: RequestContext, value: unknown, status = 200) =>
    sendJson(ctx.res, status, value);
  const changed = <T>(value: T): T => {
    deps.persist();
    return value;
  };

  router.on('GET', '/_admin/health', (ctx) => ok(ctx, { ok: true }));

  router.on('POST', '/_admin/reset', (ctx) => {
    deps.reset();
    ok(ctx, { ok: true });
  });

  router.on('POST', '/_admin/companies', (ctx) => {
    const input = body(ctx, newCompanySchema);
    const realmId = newRealmId(new Set(Object.keys(deps.state.companies)));
    const profile = profileOf(input);
    deps.state.companies[realmId] = createCompany({
      name: input.name,
      ...(input.country === undefined ? {} : { country: input.country }),
      ...(input.taxRate === undefined ? {} : { taxRate: input.taxRate }),
      ...(profile ? { profile } : {}),
      realmId,
      now: deps.clock.now(),
    });
    ok(ctx, changed({ realmId, name: input.name, ...(profile ? { profile } : {}) }));
  });

  router.on('GET', '/_admin/companies', (ctx) =>
    ok(ctx, {
      companies: Object.values(deps.state.companies).map((c) => ({
        realmId: c.realmId,
        name: c.name,
        subscription: c.subscription,
        requestCount: c.requestCount,
      })),
    }),
  );

  router.on('GET', '/_admin/companies/:realmId', (ctx) =>
    ok(ctx, describeCompany(deps, companyOf(deps, ctx))),
  );

  router.on('POST', '/_admin/companies/:realmId/revoke', (ctx) => {
    const company = companyOf(deps, ctx);
    ok(ctx, changed({ revokedGrants: deps.oauth.revokeRealm(company.realmId) }));
  });

  router.on('POST', '/_admin/companies/:realmId/lapse', (ctx) => {
    const company = companyOf(deps, ctx);
    company.subscription = 'lapsed';
    ok(ctx, changed({ realmId: company.realmId, subscription: company.subscription }));
  });

  router.on('POST', '/_admin/companies/:realmId/reactivate', (ctx) => {
    const company = companyOf(deps, ctx);
    company.subscription = 'active';
    ok(ctx, changed({ realmId: company.realmId, subscription: company.subscription }));
  });

  router.on('POST', '/_admin/companies/:realmId/faults', (ctx) => {
    const company = companyOf(deps, ctx);
    const input = body(ctx, faultSchema);
    deps.limiter.inject(company.realmId, input.kind, input.count);
    ok(ctx, { pendingFaults: deps.limiter.describe(company.realmId).pendingFaults });
  });

  router.on('GET', '/_admin/companies/:realmId/faults', (ctx) => {
    const company = companyOf(deps, ctx);
    ok(ctx, { pendingFaults: deps.limiter.describe(company.realmId).pendingFaults });
  });

  router.on('DELETE', '/_admin/companies/:realmId/faults', (ctx) => {
    const company = companyOf(deps, ctx);
    deps.limiter.clearFaults(company.realmId);
    ok(ctx, { pendingFaults: [] });
  });

  router.on('PUT', '/_admin/companies/:realmId/exchangerates', (ctx) => {
    const company = companyOf(deps, ctx);
    const table: RateTable = body(ctx, rateTableSchema);
    company.exchangeRates = table;
    ok(ctx, changed({ exchangeRates: table }));
  });

  router.on('GET', '/_admin/companies/:realmId/exchangerates', (ctx) =>
    ok(ctx, { exchangeRates: companyOf(deps, ctx).exchangeRates ?? {} }),
  );

  for (const [collection, entity] of [
    ['customers', 'Customer'],
    ['items', 'Item'],
  ] as const) {
    router.on('POST', `/_admin/companies/:realmId/${collection}/:id/merge`, (ctx) => {
      const company = companyOf(deps, ctx);
      const input = body(ctx, mergeSchema);
      ok(ctx, changed(deps.ledger.merge(company, entity, ctx.params.id as string, input.into)));
    });
  }

  router.on('POST', '/_admin/companies/:realmId/invoices/:id/void', (ctx) => {
    const company = companyOf(deps, ctx);
    ok(ctx, changed(deps.ledger.void(company, 'Invoice', { Id: ctx.params.id }, true)));
  });

  router.on('POST', '/_admin/companies/:realmId/payments/:id/void', (ctx) => {
    const company = companyOf(deps, ctx);
    ok(ctx, changed(deps.ledger.void(company, 'Payment', { Id: ctx.params.id }, true)));
  });

  for (const [collection, form] of Object.entries(SALES_FORM_COLLECTIONS)) {
    // Seeded like the other collections (one, or an array), but kept outside the ledger: they
    // only hold numbers (see sales-forms.ts).
    router.on('POST', `/_admin/companies/:realmId/${collection}`, (ctx) => {
      const company = companyOf(deps, ctx);
      const raw = parseJson(ctx.body);
      const now = deps.clock.now();
      ok(
        ctx,
        changed(
          Array.isArray(raw)
            ? raw.map((item) => seedSalesForm(company, form, item, now))
            : seedSalesForm(company, form, raw, now),
        ),
      );
    });
  }

  router.on('POST', '/_admin/companies/:realmId/:collection', (ctx) => {
    const company = companyOf(deps, ctx);
    const entity = collectionOf(ctx);
    const raw = parseJson(ctx.body);
    if (Array.isArray(raw)) {
      // Bulk seeding (benchmarks): many entities in one call, each as if posted alone, up to the
      // first one refused.
      const bodies = raw.map((item) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          throw new AdminError(400, 'expected an array of JSON objects');
        }
        return item as Record<string, unknown>;
      });
      ok(ctx, changed(bodies.map((item) => deps.ledger.create(company, entity, item))));
      return;
    }
    if (entity === 'Payment' && 'invoiceId' in objectBody(ctx)) {
      const input = body(ctx, paymentSchema);
      ok(ctx, changed(deps.ledger.receivePayment(company, input.invoiceId, input.amount)));
      return;
    }
    ok(ctx, changed(deps.ledger.create(company, entity, objectBody(ctx))));
  });

  router.on('GET', '/_admin/companies/:realmId/:collection/:id', (ctx) => {
    const company = companyOf(deps, ctx);
    ok(ctx, deps.ledger.read(company, collectionOf(ctx), ctx.params.id as string));
  });

  router.on('PATCH', '/_admin/companies/:realmId/:collection/:id', (ctx) => {
    const company = companyOf(deps, ctx);
    const entity = collectionOf(ctx);
    const existing = deps.ledger.read(company, entity, ctx.params.id as string);
    let edit = objectBody(ctx);
    delete edit.Id;
    delete edit.SyncToken;
    delete edit.sparse;
    if (entity === 'Invoice') edit = invoiceEdit(existing, edit);
    if ((entity === 'Customer' || entity === 'Vendor') && typeof edit.name === 'string') {
      const { name, ...rest } = edit;
      edit = { ...rest, DisplayName: name };
    }
    const updated = deps.ledger.update(
      company,
      entity,
      { ...edit, Id: existing.Id },
      { sparse: true, skipSyncToken: true },
    );
    ok(ctx, changed(updated));
  });

  router.on('DELETE', '/_admin/companies/:realmId/:collection/:id', (ctx) => {
    const company = companyOf(deps, ctx);
    const entity = collectionOf(ctx);
    ok(ctx, changed(deps.ledger.remove(company, entity, { Id: ctx.params.id }, true)));
  });

  router.on('GET', '/_admin/clock', (ctx) => ok(ctx, clockView(deps)));

  router.on('POST', '/_admin/clock', (ctx) => {
    const input = body(ctx, clockSchema);
    deps.clock.advance(input.advanceSeconds);
    deps.state.clockOffsetMs = deps.clock.offsetMs;
    ok(ctx, changed(clockView(deps)));
  });

  router.on('PUT', '/_admin/webhooks', (ctx) => {
    const config: WebhookConfig = body(ctx, webhookSchema);
    deps.state.webhook = config;
    ok(ctx, changed({ ...config, verifierToken: '***' }));
  });

  router.on('GET', '/_admin/webhooks', (ctx) => {
    const config = deps.state.webhook;
    ok(ctx, config ? { ...config, verifierToken: '***' } : null);
  });

  router.on('DELETE', '/_admin/webhooks', (ctx) => {
    deps.state.webhook = null;
    ok(ctx, changed({ ok: true }));
  });

  router.on('GET', '/_admin/webhooks/deliveries', (ctx) =>
    ok(ctx, { deliveries: deps.webhooks.deliveries() }),
  );

  router.on('DELETE', '/_admin/webhooks/deliveries', (ctx) => {
    deps.webhooks.clearDeliveries();
    ok(ctx, { deliveries: [] });
  });
}

function clockView(deps: AdminDeps): Record<string, unknown> {
  const now = deps.clock.now();
  return { now: new Date(now).toISOString(), offsetSeconds: deps.clock.offsetMs / 1000 };
}
