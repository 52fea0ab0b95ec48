import { readFile, rename, writeFile } from 'node:fs/promises';
import * as z from 'zod';
import { qboDateTime } from './clock.ts';
import type { RateTable } from './exchange-rates.ts';
import { type CompanyProfile, currencyRef, profilePreferences, seedTaxes } from './profiles.ts';
import type { SalesForms } from './sales-forms.ts';

/** The entity types the emulator stores per company. */
export const ENTITY_NAMES = [
  'Account',
  'Customer',
  'Vendor',
  'Employee',
  'Item',
  'Invoice',
  'Payment',
] as const;

/** One of {@link ENTITY_NAMES}. */
export type EntityName = (typeof ENTITY_NAMES)[number];

/** A stored entity, exactly as QBO JSON. */
export type Entity = Record<string, unknown> & {
  Id: string;
  SyncToken: string;
  MetaData: { CreateTime: string; LastUpdatedTime: string };
};

/** A deleted entity, kept as the stub CDC reports. */
export interface DeletedStub {
  readonly entity: EntityName;
  readonly id: string;
  readonly at: number;
}

/** A cached response for a `requestid`. */
export interface CachedResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One QBO company (realm). */
export interface CompanyState {
  realmId: string;
  name: string;
  country: string;
  /**
   * Sales tax percent applied to lines with `TaxCodeRef` `TAX`: by the engine of a company without
   * `salesTax` (0: it sets its tax by hand), or as the rate of a manual-tax company's default code.
   */
  taxRate: number;
  subscription: 'active' | 'lapsed';
  createdAt: number;
  companyInfo: Entity;
  preferences: Entity;
  entities: Record<EntityName, Record<string, Entity>>;
  /** Emulator time of the last change of each entity, keyed `Entity/Id`, for CDC. */
  changedAt: Record<string, number>;
  nextIds: Record<EntityName, number>;
  nextDocNumber: number;
  deleted: DeletedStub[];
  requestIds: Record<string, CachedResponse>;
  requestCount: number;
  /**
   * The settings a company was created with (country, sales tax, currency, numbering); absent
   * for a company created without any of them, which keeps the rules from before profiles.
   */
  profile?: CompanyProfile;
  /** The company's TaxCodes by Id (absent in state files from before profiles: none). */
  taxCodes?: Record<string, Entity>;
  /** The company's TaxRates by Id. */
  taxRates?: Record<string, Entity>;
  /** Its exchange rates (set by the admin API; absent: none but the home currency's 1). */
  exchangeRates?: RateTable;
  /** Its credit memos and sales receipts (seeded by the admin API; absent: none). */
  salesForms?: SalesForms;
}

/** A refresh token and its lifetime. */
export interface RefreshTokenState {
  issuedAt: number;
  expiresAt: number;
  /** When a newer refresh token replaced this one; it stays valid for 24 h after that. */
  supersededAt?: number;
}

/** One OAuth grant: a company connected to the app, and the tokens issued for it. */
export interface GrantState {
  id: string;
  realmId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  hardExpiresAt: number;
  revokedAt?: number;
  currentRefreshToken: string;
  refreshTokens: Record<string, RefreshTokenState>;
  /** access token → expiry (emulator ms) */
  accessTokens: Record<string, number>;
}

/** An authorization code waiting to be exchanged. */
export interface AuthCodeState {
  clientId: string;
  redirectUri: string;
  realmId: string;
  scopes: string[];
  issuedAt: number;
  usedAt?: number;
}

/** Where and how webhooks are delivered (one endpoint per app, as in the Intuit portal). */
export interface WebhookConfig {
  url: string;
  verifierToken: string;
  format: 'legacy' | 'cloudevents';
  /** Send every delivery twice (Intuit re-sends the same event ids on retries). */
  duplicate: boolean;
  /** Deliver the events of a batch out of order. */
  shuffle: boolean;
  /** How long events are collected before one delivery is sent, in real ms. */
  batchWindowMs: number;
  /** A delivery not answered within this many real ms counts as failed (Intuit: 3 s). */
  timeoutMs: number;
  /** Attempts before a delivery is given up (Intuit states no end; this keeps memory bounded). */
  maxAttempts: number;
}

/** Everything the emulator holds that survives a restart when a state file is used. */
export interface EmulatorState {
  version: 1;
  clockOffsetMs: number;
  companies: Record<string, CompanyState>;
  grants: Record<string, GrantState>;
  codes: Record<string, AuthCodeState>;
  webhook: WebhookConfig | null;
}

/** An empty state. */
export function emptyState(): EmulatorState {
  return { version: 1, clockOffsetMs: 0, companies: {}, grants: {}, codes: {}, webhook: null };
}

/**
 * Builds the system fields every stored entity carries.
 *
 * @param id - the entity Id
 * @param now - emulator ms
 */
export function systemFields(id: string, now: number): Entity {
  const time = qboDateTime(now);
  return {
    domain: 'QBO',
    sparse: false,
    Id: id,
    SyncToken: '0',
    MetaData: { CreateTime: time, LastUpdatedTime: time },
  };
}

interface SeedAccount {
  readonly Name: string;
  readonly AccountType: string;
  readonly AccountSubType: string;
  readonly Classification: string;
}

/** A new QBO company's chart of accounts, trimmed to what invoices and payments touch. */
const SEED_ACCOUNTS: readonly SeedAccount[] = [
  {
    Name: 'Services',
    AccountType: 'Income',
    AccountSubType: 'ServiceFeeIncome',
    Classification: 'Revenue',
  },
  {
    Name: 'Sales of Product Income',
    AccountType: 'Income',
    AccountSubType: 'SalesOfProductIncome',
    Classification: 'Revenue',
  },
  {
    Name: 'Design income',
    AccountType: 'Income',
    AccountSubType: 'ServiceFeeIncome',
    Classification: 'Revenue',
  },
  {
    Name: 'Undeposited Funds',
    AccountType: 'Other Current Asset',
    AccountSubType: 'UndepositedFunds',
    Classification: 'Asset',
  },
  {
    Name: 'Accounts Receivable (A/R)',
    AccountType: 'Accounts Receivable',
    AccountSubType: 'AccountsReceivable',
    Classification: 'Asset',
  },
];

/** Account Id of "Undeposited Funds", where payments land by default. */
export const UNDEPOSITED_FUNDS_ACCOUNT_ID = '4';

/** Options for a new company. */
export interface NewCompany {
  readonly realmId: string;
  readonly name: string;
  readonly country?: string;
  readonly taxRate?: number;
  readonly profile?: CompanyProfile;
  readonly now: number;
}

/**
 * Creates a company as QBO provisions one: CompanyInfo, Preferences, a few accounts and the
 * two items every new QBO company starts with ("Services" and "Hours").
 *
 * @param input - realm id, name, country, tax rate and creation time
 */
export function createCompany(input: NewCompany): CompanyState {
  const { realmId, name, now, profile } = input;
  const country = profile?.country ?? input.country ?? 'US';
  const home = currencyRef(profile?.homeCurrency ?? 'USD');
  const taxRate = input.taxRate ?? 0;
  const addr = { Id: '1', Line1: '123 Main St.', City: 'Mountain View', PostalCode: '94043' };
  const company: CompanyState = {
    realmId,
    name,
    country,
    taxRate,
    subscription: 'active',
    createdAt: now,
    companyInfo: {
      ...systemFields('1', now),
      CompanyName: name,
      LegalName: name,
      CompanyAddr: { ...addr, Country: country },
      LegalAddr: { ...addr, Country: country },
      CustomerCommunicationAddr: { ...addr, Country: country },
      PrimaryPhone: {},
      CompanyStartDate: qboDateTime(now).slice(0, 10),
      FiscalYearStartMonth: 'January',
      Country: country,
      Email: { Address: 'noreply@quickbooks.com' },
      WebAddr: {},
      SupportedLanguages: 'en',
      NameValue: [
        { Name: 'NeoEnabled', Value: 'true' },
        { Name: 'IndustryType', Value: 'Construction Trades' },
        { Name: 'SubscriptionStatus', Value: 'SUBSCRIBED' },
        { Name: 'OfferingSku', Value: 'QuickBooks Online Plus' },
      ],
    },
    preferences: {
      ...systemFields('1', now),
      AccountingInfoPrefs: { TrackDepartments: false, ClassTrackingPerTxn: false },
      SalesFormsPrefs: {
        // It keeps the DocNumber sent, as a custom-numbers company does (README, Company profiles).
        CustomTxnNumbers: true,
        AllowDiscount: true,
        AllowShipping: false,
        DefaultTerms: { value: '3' },
      },
      TaxPrefs: { UsingSalesTax: true, PartnerTaxEnabled: taxRate > 0 },
      CurrencyPrefs: { MultiCurrencyEnabled: false, HomeCurrency: { value: 'USD' } },
    },
    entities: {
      Account: {},
      Customer: {},
      Vendor: {},
      Employee: {},
      Item: {},
      Invoice: {},
      Payment: {},
    },
    changedAt: {},
    nextIds: { Account: 1, Customer: 1, Vendor: 1, Employee: 1, Item: 1, Invoice: 1, Payment: 1 },
    nextDocNumber: 1001,
    deleted: [],
    requestIds: {},
    requestCount: 0,
  };
  for (const seed of SEED_ACCOUNTS) {
    const id = String(company.nextIds.Account++);
    company.entities.Account[id] = {
      ...systemFields(id, now),
      Name: seed.Name,
      SubAccount: false,
      FullyQualifiedName: seed.Name,
      Active: true,
      Classification: seed.Classification,
      AccountType: seed.AccountType,
      AccountSubType: seed.AccountSubType,
      CurrentBalance: 0,
      CurrentBalanceWithSubAccounts: 0,
      CurrencyRef: home,
    };
    company.changedAt[`Account/${id}`] = now;
  }
  for (const itemName of ['Services', 'Hours']) {
    const id = String(company.nextIds.Item++);
    company.entities.Item[id] = {
      ...systemFields(id, now),
      Name: itemName,
      Active: true,
      FullyQualifiedName: itemName,
      Taxable: false,
      UnitPrice: 0,
      Type: 'Service',
      IncomeAccountRef: { value: '1', name: 'Services' },
      PurchaseCost: 0,
      TrackQtyOnHand: false,
    };
    company.changedAt[`Item/${id}`] = now;
  }
  if (profile) {
    company.profile = profile;
    company.preferences = {
      ...company.preferences,
      ...profilePreferences(profile, company.preferences.TaxPrefs),
    };
  }
  const { taxCodes, taxRates, defaultCodeId } = seedTaxes(profile, taxRate, now);
  company.taxCodes = taxCodes;
  company.taxRates = taxRates;
  if (defaultCodeId !== null) {
    const taxPrefs = company.preferences.TaxPrefs as Record<string, unknown>;
    company.preferences.TaxPrefs = { ...taxPrefs, TaxGroupCodeRef: { value: defaultCodeId } };
  }
  return company;
}

const stateFileSchema = z.looseObject({
  version: z.literal(1),
  clockOffsetMs: z.number(),
  companies: z.record(z.string(), z.any()),
  grants: z.record(z.string(), z.any()),
  codes: z.record(z.string(), z.any()),
  webhook: z.any().nullable(),
});

/**
 * Loads a state file; a missing file gives an empty state.
 *
 * @param path - the JSON state file
 * @throws when the file exists but is not an emulator state file
 */
export async function loadState(path: string): Promise<EmulatorState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
  return stateFileSchema.parse(JSON.parse(text)) as EmulatorState;
}

/**
 * Writes the state atomically (temp file + rename), so a crash never leaves half a file.
 *
 * @param path - the JSON state file
 * @param state - the state to write
 */
export async function saveState(path: string, state: EmulatorState): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, path);
}
