import type { CompanyProfile } from '#shared/domain/company.ts';
import { currencyProblem } from '#shared/domain/company-currency.ts';
import type { Connection } from '#shared/domain/connection.ts';
import {
  homeCurrencyRateProblem,
  missingRateProblem,
  rateText,
} from '#shared/domain/exchange-rate.ts';
import type { InvoiceSnapshot } from '#shared/domain/invoice.ts';
import { PushRefusal } from '#shared/domain/push-refusal.ts';
import { readCompany } from '#shared/qbo/company-profile.ts';
import { qboExchangeRate } from '#shared/qbo/exchange-rates.ts';
import { invoicesNumbered } from '#shared/qbo/invoice-writes.ts';
import { numberHolderOf } from '#shared/qbo/number-holder.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/**
 * The company settings a push follows, checked before anything is created in QBO: an invoice in
 * a currency the company cannot hold is refused. The settings kept on the connection may be a day
 * old (the reconcile refreshes them), so before refusing for want of multicurrency they are read
 * again: an admin who just turned it on and re-syncs is not refused. A connection made before
 * the settings were read reads them now, and keeps them, rather than guessing the company's tax.
 *
 * @param deps - the connections, to keep settings read afresh
 * @param connection - the tenant's connection
 * @param qbo - a client of its company
 * @param currency - the invoice's currency
 * @throws PushRefusal `currency_not_held`
 */
export async function pushSettings(
  deps: { readonly connections: ConnectionRepository },
  connection: Connection,
  qbo: QboClient,
  currency: string,
): Promise<CompanyProfile> {
  let company = connection.company;
  if (company && !currencyProblem(currency, company)) return company;
  if (!company?.multiCurrency) {
    company = (await readCompany(qbo, connection.realmId)).profile;
    await deps.connections.patch(connection.tenantId, { company }, { status: 'connected' });
  }
  const problem = currencyProblem(currency, company);
  if (problem) throw new PushRefusal('validation', 'currency_not_held', problem);
  return company;
}

/**
 * The `ExchangeRate` the invoice goes to QBO with (docs/currency-and-numbering.md, *Exchange
 * rate*), checked before anything is created in QBO. QBO stores 1 when a create omits it, so in a
 * multicurrency company a foreign-currency invoice always carries one: TradelyHQ's, else QBO's
 * own for the invoice date (cached per company, currency and date, through the company's
 * limiter). `null`: none is sent (a home-currency invoice, or a company without multicurrency).
 *
 * @param qbo - a client of the company
 * @param realmId - the company
 * @param company - its settings, from {@link pushSettings}
 * @param snapshot - the invoice
 * @throws PushRefusal `exchange_rate_home_currency` (a rate other than 1 on a home-currency
 *   invoice), `exchange_rate_missing` (QBO has no rate for the date and TradelyHQ sent none)
 */
export async function exchangeRateFor(
  qbo: QboClient,
  realmId: string,
  company: CompanyProfile,
  snapshot: Pick<InvoiceSnapshot, 'currency' | 'issueDate' | 'exchangeRate'>,
): Promise<string | null> {
  const { currency, exchangeRate } = snapshot;
  if (currency === company.homeCurrency) {
    const problem = exchangeRate ? homeCurrencyRateProblem(currency, exchangeRate) : null;
    if (problem) throw new PushRefusal('validation', 'exchange_rate_home_currency', problem);
    return null;
  }
  if (!company.multiCurrency) return null;
  if (exchangeRate) return exchangeRate;
  const rate = await qboExchangeRate(qbo, realmId, currency, snapshot.issueDate);
  if (rate !== null) return rateText(rate);
  throw new PushRefusal(
    'validation',
    'exchange_rate_missing',
    missingRateProblem(currency, company.homeCurrency, snapshot.issueDate),
  );
}

/**
 * QBO refused the invoice's number (6140, custom transaction numbers on): the refusal, naming the
 * sales form that holds the number as QBO's fault detail names it ("… TxnType=Credit Memo with
 * TxnId=111"). An invoice (or a detail that names no type, as QBO's older wording did) is looked
 * up by a DocNumber query to say whose it is (else named from the detail's "TxnId=N"); another
 * form is named by its type and Id alone.
 *
 * @param qbo - a client of the company
 * @param docNumber - the number TradelyHQ sent
 * @param detail - QBO's fault detail
 */
export async function duplicateNumberRefusal(
  qbo: QboClient,
  docNumber: string,
  detail: string | undefined,
): Promise<PushRefusal> {
  const named = numberHolderOf(detail);
  const kind = named?.txnType?.toLowerCase();
  if (named && kind && kind !== 'invoice') {
    return refusal(
      `Invoice number ${docNumber} is already used by QuickBooks ${kind} ${named.txnId}, and ` +
        'QuickBooks refuses an invoice whose number another sales form already has. Give this ' +
        `invoice another number in TradelyHQ and send it again, or renumber that QuickBooks ${kind} ` +
        'and re-sync.',
    );
  }
  const [holder] = await invoicesNumbered(qbo, docNumber);
  const holderId = holder?.Id ?? named?.txnId;
  const ours = /\[TradelyHQ invoice ([^\]]+)\]/.exec(holder?.PrivateNote ?? '')?.[1];
  const who = holder
    ? [
        holder.CustomerRef?.name ? `for ${holder.CustomerRef.name}` : null,
        holder.TxnDate ? `dated ${holder.TxnDate}` : null,
        ours ? `sent from TradelyHQ invoice ${ours}` : null,
      ].filter(Boolean)
    : [];
  const which = holderId
    ? `QuickBooks invoice ${holderId}${who.length ? ` (${who.join(', ')})` : ''}`
    : 'another QuickBooks invoice';
  return refusal(
    `Invoice number ${docNumber} is already used by ${which}, and QuickBooks refuses a second ` +
      'invoice with the same number. Give this invoice another number in TradelyHQ and send it ' +
      'again, or renumber or delete that QuickBooks invoice and re-sync.',
  );
}

function refusal(message: string): PushRefusal {
  return new PushRefusal('duplicate_doc_number', 'duplicate_doc_number', message);
}
