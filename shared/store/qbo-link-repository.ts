import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';
import { type ItemRef, ReadAhead, readItem } from './read-ahead.ts';

/**
 * Links from QBO ids back to this stack's records, per tenant and company: which TradelyHQ
 * invoice a QBO Invoice is, and which invoices a QBO Payment was applied to (needed when the
 * payment is later deleted and QBO no longer says).
 */
export class QboLinkRepository {
  /** @param tableName - the sync-state table's physical name */
  constructor(private readonly tableName: string) {}

  /**
   * Records that a QBO Invoice is a TradelyHQ invoice.
   *
   * @param tenantId - the tenant
   * @param realmId - the company
   * @param qboInvoiceId - the QBO Invoice Id
   * @param invoiceId - TradelyHQ's invoice id
   */
  async linkInvoice(
    tenantId: string,
    realmId: string,
    qboInvoiceId: string,
    invoiceId: string,
  ): Promise<void> {
    await documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: tenantPk(tenantId), sk: `QBOINVOICE#${realmId}#${qboInvoiceId}`, invoiceId },
      }),
    );
  }

  /**
   * The TradelyHQ invoice a QBO Invoice is, if this stack pushed it.
   *
   * @param tenantId - the tenant
   * @param realmId - the company
   * @param qboInvoiceId - the QBO Invoice Id
   * @param ahead - items read ahead, if the link is among them
   */
  async invoiceOf(
    tenantId: string,
    realmId: string,
    qboInvoiceId: string,
    ahead: ReadAhead = ReadAhead.none,
  ): Promise<string | undefined> {
    const item = await readItem(this.invoiceRef(tenantId, realmId, qboInvoiceId), ahead);
    return typeof item?.invoiceId === 'string' ? item.invoiceId : undefined;
  }

  /**
   * The link item of a QBO Invoice, to read it ahead with others ({@link ReadAhead}).
   *
   * @param tenantId - the tenant
   * @param realmId - the company
   * @param qboInvoiceId - the QBO Invoice Id
   */
  invoiceRef(tenantId: string, realmId: string, qboInvoiceId: string): ItemRef {
    const sk = `QBOINVOICE#${realmId}#${qboInvoiceId}`;
    return { tableName: this.tableName, key: { pk: tenantPk(tenantId), sk } };
  }

  /**
   * The item of a QBO Payment's invoices, to read it ahead with others ({@link ReadAhead}).
   *
   * @param tenantId - the tenant
   * @param realmId - the company
   * @param paymentId - the QBO Payment Id
   */
  paymentRef(tenantId: string, realmId: string, paymentId: string): ItemRef {
    const sk = `PAYMENT#${realmId}#${paymentId}`;
    return { tableName: this.tableName, key: { pk: tenantPk(tenantId), sk } };
  }

  /**
   * Remembers every QBO invoice a payment was ever applied to (adds to what is known).
   *
   * @param tenantId - the tenant
   * @param realmId - the company
   * @param paymentId - the QBO Payment Id
   * @param qboInvoiceIds - the invoices it is applied to now
   * @param ahead - items read ahead, if the payment's is among them
   * @returns every invoice it was ever applied to
   */
  async rememberPayment(
    tenantId: string,
    realmId: string,
    paymentId: string,
    qboInvoiceIds: readonly string[],
    ahead: ReadAhead = ReadAhead.none,
  ): Promise<string[]> {
    const known = await this.paymentInvoices(tenantId, realmId, paymentId, ahead);
    const all = [...new Set([...known, ...qboInvoiceIds])];
    if (all.length !== known.length) {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: tenantPk(tenantId),
            sk: `PAYMENT#${realmId}#${paymentId}`,
            qboInvoiceIds: all,
          },
        }),
      );
    }
    return all;
  }

  /**
   * The QBO invoices a payment was ever applied to, as far as this stack saw.
   *
   * @param tenantId - the tenant
   * @param realmId - the company
   * @param paymentId - the QBO Payment Id
   * @param ahead - items read ahead, if the payment's is among them
   */
  async paymentInvoices(
    tenantId: string,
    realmId: string,
    paymentId: string,
    ahead: ReadAhead = ReadAhead.none,
  ): Promise<string[]> {
    const item = await readItem(this.paymentRef(tenantId, realmId, paymentId), ahead);
    return Array.isArray(item?.qboInvoiceIds) ? (item.qboInvoiceIds as string[]) : [];
  }
}
