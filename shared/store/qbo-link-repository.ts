import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';

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
   */
  async invoiceOf(
    tenantId: string,
    realmId: string,
    qboInvoiceId: string,
  ): Promise<string | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantPk(tenantId), sk: `QBOINVOICE#${realmId}#${qboInvoiceId}` },
      }),
    );
    return typeof Item?.invoiceId === 'string' ? Item.invoiceId : undefined;
  }

  /**
   * Remembers every QBO invoice a payment was ever applied to (adds to what is known).
   *
   * @param tenantId - the tenant
   * @param realmId - the company
   * @param paymentId - the QBO Payment Id
   * @param qboInvoiceIds - the invoices it is applied to now
   * @returns every invoice it was ever applied to
   */
  async rememberPayment(
    tenantId: string,
    realmId: string,
    paymentId: string,
    qboInvoiceIds: readonly string[],
  ): Promise<string[]> {
    const known = await this.paymentInvoices(tenantId, realmId, paymentId);
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
   */
  async paymentInvoices(tenantId: string, realmId: string, paymentId: string): Promise<string[]> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: tenantPk(tenantId), sk: `PAYMENT#${realmId}#${paymentId}` },
      }),
    );
    return Array.isArray(Item?.qboInvoiceIds) ? (Item.qboInvoiceIds as string[]) : [];
  }
}
