import type { InvoiceRecord, InvoiceRepository } from './invoice-repository.ts';

/** Writes tried over an invoice that keeps changing before the caller's message is retried. */
const MAX_TRIES = 10;

/** A try of {@link retryOnConflict} whose version-checked write found the record changed. */
export const CONFLICT: unique symbol = Symbol('conflict');

/**
 * Optimistic concurrency over one invoice record: `attempt` gets the record (as the caller last
 * read it, else read now) and answers {@link CONFLICT} when its write
 * ({@link InvoiceRepository.update}) found the record changed meanwhile; then the record is read
 * again and `attempt` tried over it, up to 10 times in all.
 *
 * @param invoices - the repository to read the record from
 * @param key - which invoice
 * @param read - the record as the caller last read it, if it did
 * @param attempt - one try over the record (`undefined`: there is none)
 * @throws Error when every try met a conflict (the caller's message is retried)
 */
export async function retryOnConflict<T>(
  invoices: Pick<InvoiceRepository, 'get'>,
  key: { readonly tenantId: string; readonly invoiceId: string },
  read: InvoiceRecord | undefined,
  attempt: (record: InvoiceRecord | undefined) => Promise<T | typeof CONFLICT>,
): Promise<T> {
  let record = read ?? (await invoices.get(key.tenantId, key.invoiceId));
  for (let tries = 1; ; tries++) {
    const out = await attempt(record);
    if (out !== CONFLICT) return out;
    if (tries >= MAX_TRIES) throw new Error(`Invoice ${key.invoiceId} kept changing; will retry`);
    record = await invoices.get(key.tenantId, key.invoiceId);
  }
}
