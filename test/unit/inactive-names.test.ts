import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLiveName, type QboNameRecord, unusableNameNotice } from '#shared/qbo/names.ts';
import type { QboClient, QboRequest } from '#shared/qbo/qbo-client.ts';
import type { Mapping, MappingRepository } from '#shared/store/mapping-repository.ts';
import { ensureCustomer } from '#shared/use-cases/mirror.ts';

// QBO's answers to a deactivation, as minimul/qbo_api recorded them (docs/qbo-facts.md).
const recorded = (name: string, entity: string) =>
  (
    JSON.parse(
      readFileSync(new URL(`../fixtures/qbo-samples/${name}`, import.meta.url), 'utf8'),
    ) as Record<string, QboNameRecord>
  )[entity] as QboNameRecord;
const emily = recorded('employee-deactivated-qbo-api.json', 'Employee');
const fees = recorded('account-deactivated-qbo-api.json', 'Account');

describe('A name QBO made inactive ("Name (deleted)", qbo_api recordings)', () => {
  it('is not live, and the notice shows it under the name QBO gave it', () => {
    expect(emily).toMatchObject({ DisplayName: 'Emily Platt (deleted)', Active: false });
    expect(isLiveName(emily)).toBe(false);
    expect(unusableNameNotice('Customer', emily.Id, emily)).toBe(
      'The QuickBooks customer "Emily Platt (deleted)" was made inactive or merged away in ' +
        "QuickBooks, so the invoice was sent to an active customer with the client's name.",
    );
    expect(unusableNameNotice('Item', fees.Id, fees)).toBe(
      'The QuickBooks item "Fees Billed (deleted)" was made inactive or merged away in ' +
        'QuickBooks, so the line was sent with an active item of its name.',
    );
  });

  it('a live record needs no notice; a gone one or a Category gets its own', () => {
    const live = { ...emily, DisplayName: 'Emily Platt', Active: true };
    expect(isLiveName(live)).toBe(true);
    expect(unusableNameNotice('Customer', '55', live)).toBeUndefined();
    expect(unusableNameNotice('Customer', '55', undefined)).toBe(
      "The QuickBooks customer 55 no longer exists, so the invoice was sent to an active customer with the client's name.",
    );
    expect(
      unusableNameNotice('Item', '7', { Id: '7', Name: 'Plumbing', Type: 'Category' }),
    ).toContain('"Plumbing" is a category');
  });

  it('the mirror never links it: a stale mapping to it is replaced by a new customer under the plain name', async () => {
    // The client's mapping names the recorded record, refused by QBO and marked stale.
    const stale: Mapping = {
      qboId: emily.Id,
      qboName: 'Emily Platt',
      originalName: 'Emily Platt',
      how: 'created',
      stale: true,
    };
    let recordedMapping: Mapping | undefined;
    const mappings = {
      get: async () => stale,
      putIfAbsent: async (...args: unknown[]) => {
        recordedMapping = args[4] as Mapping;
        return recordedMapping;
      },
    } as unknown as MappingRepository;
    const sent: QboRequest[] = [];
    const qbo = {
      send: async (request: QboRequest) => {
        sent.push(request);
        // A lenient store answering the recorded inactive record to the name query.
        if (request.path === 'query') return { QueryResponse: { Customer: [emily] } };
        return { Customer: { Id: '56', DisplayName: 'Emily Platt', Active: true } };
      },
    } as unknown as QboClient;
    const ctx = { mappings, qbo, tenantId: 't1', realmId: 'r1', incomeAccountId: null };

    const result = await ensureCustomer(ctx, {
      id: 'cl_9',
      displayName: 'Emily Platt',
      companyName: null,
      email: null,
      phone: null,
      billingAddress: null,
    });

    expect(result).toEqual({ qboId: '56' });
    const create = sent.find((r) => r.path === 'customer');
    expect(create?.body).toMatchObject({ DisplayName: 'Emily Platt' });
    expect(recordedMapping).toMatchObject({ qboId: '56', qboName: 'Emily Platt', how: 'created' });
  });
});
