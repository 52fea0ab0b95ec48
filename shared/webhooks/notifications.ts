import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { ChangeNotice } from '#shared/ports/change-queue.ts';

/** One change Intuit notified, in either payload format: the change queue's own type. */
export type { ChangeNotice };

const deletedIdField = z.string().min(1).max(64).optional();

const legacyEntity = z
  .object({
    name: z.string().min(1).max(64),
    id: z.string().min(1).max(64),
    operation: z.string().min(1).max(32),
    lastUpdated: z.string().max(64).optional(),
    // A Merge's merged-away record, in both spellings: Intuit's webhooks page spells `deletedID`;
    // Intuit's SDKs read `deletedId` (.NET `Intuit.Ipp.WebHooksService/Entity.cs`, Java
    // `ipp-v3-java-data/.../Entity.java`).
    deletedId: deletedIdField,
    deletedID: deletedIdField,
  })
  .transform(({ deletedID, ...entity }) => ({
    ...entity,
    deletedId: entity.deletedId ?? deletedID,
  }));

const legacyNotification = z.object({
  realmId: z.string().min(1).max(32),
  dataChangeEvent: z.object({
    // Malformed entities are dropped one by one, like malformed notifications.
    entities: z.array(z.unknown()).transform((list) =>
      list.flatMap((e) => {
        const one = legacyEntity.safeParse(e);
        return one.success ? [one.data] : [];
      }),
    ),
  }),
});

const legacyEnvelope = z.object({ eventNotifications: z.array(z.unknown()) });

const cloudEventSchema = z.object({
  specversion: z.string(),
  id: z.string().min(1).max(200),
  type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/),
  time: z.string().max(64).optional(),
  intuitentityid: z.string().min(1).max(64),
  intuitaccountid: z.string().min(1).max(32),
  // Intuit's samples: `{}`, `{"deletedid":"27"}` on a merge, or no `data` at all.
  data: z
    .unknown()
    .optional()
    .transform((data) => {
      const id = (data as { deletedid?: unknown } | null | undefined)?.deletedid;
      return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
    }),
});

/** CloudEvents' past-tense verbs in `qbo.<entity>.<verb>.v1`, as legacy operations. */
const VERBS: Record<string, string> = {
  created: 'Create',
  updated: 'Update',
  deleted: 'Delete',
  voided: 'Void',
  merged: 'Merge',
  emailed: 'Emailed',
};

/** Entity names in CloudEvents types are lower case; the legacy names, for the ones we use. */
const ENTITY_NAMES: Record<string, string> = {
  invoice: 'Invoice',
  payment: 'Payment',
  customer: 'Customer',
  item: 'Item',
};

/**
 * Reads a webhook body in either of Intuit's formats: the legacy `{"eventNotifications": [...]}`
 * or the CloudEvents JSON array. Extra fields are ignored; `data` is never relied on (Intuit
 * often sends it empty): the worker re-reads the entity.
 *
 * @param body - the parsed JSON body
 * @returns the notices, or `undefined` when the body is in neither format
 */
export function readNotifications(body: unknown): ChangeNotice[] | undefined {
  if (Array.isArray(body)) {
    // Each event on its own: one malformed element must not cost the others.
    const events = body.flatMap((element) => {
      const parsed = cloudEventSchema.safeParse(element);
      return parsed.success ? [parsed.data] : [];
    });
    if (body.length > 0 && events.length === 0) return undefined;
    return events.map((e) => {
      const [, entity = '', verb = ''] = e.type.split('.');
      return {
        realmId: e.intuitaccountid,
        entity: ENTITY_NAMES[entity] ?? entity,
        entityId: e.intuitentityid,
        operation: VERBS[verb] ?? verb,
        occurredAt: e.time ?? '',
        dedupeKey: `ce:${e.id}`,
        ...(e.data ? { deletedId: e.data } : {}),
      };
    });
  }
  const parsed = legacyEnvelope.safeParse(body);
  if (!parsed.success) return undefined;
  const notifications = parsed.data.eventNotifications.flatMap((element) => {
    const one = legacyNotification.safeParse(element);
    return one.success ? [one.data] : [];
  });
  if (parsed.data.eventNotifications.length > 0 && notifications.length === 0) return undefined;
  return notifications.flatMap((n) =>
    n.dataChangeEvent.entities.map((e) => ({
      realmId: n.realmId,
      entity: e.name,
      entityId: e.id,
      operation: e.operation,
      occurredAt: e.lastUpdated ?? '',
      dedupeKey: `legacy:${createHash('sha256')
        .update([n.realmId, e.name, e.id, e.operation, e.lastUpdated ?? ''].join('\n'))
        .digest('hex')
        .slice(0, 40)}`,
      ...(e.deletedId ? { deletedId: e.deletedId } : {}),
    })),
  );
}

/**
 * The entities whose changes matter here: invoices and payments move a pushed invoice's state;
 * customers and items are merged (the mappings follow the survivor).
 */
export const HANDLED_ENTITIES: ReadonlySet<string> = new Set([
  'Invoice',
  'Payment',
  'Customer',
  'Item',
]);
