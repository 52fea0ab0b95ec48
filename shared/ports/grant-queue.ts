// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';

/**
 * Work on grants that no tenant's connection holds, for the grant worker:
 *
 * - `revoke`: give a held grant back to Intuit (retried with backoff until Intuit confirms).
 * - `expire`: a pending confirmation's deadline has passed; revoke its grant if nobody confirmed.
 * - `disconnect-notice`: Intuit's Disconnect URL named this company; ask Intuit whether the
 *   grant of the tenant that holds it still works.
 */
export const grantJobSchema = z.union([
  z.object({ job: z.literal('revoke'), ref: z.string().check(z.minLength(1)) }),
  z.object({ job: z.literal('expire'), ref: z.string().check(z.minLength(1)) }),
  z.object({
    job: z.literal('disconnect-notice'),
    realmId: z.string().check(z.regex(/^\d{1,32}$/)),
  }),
]);

/** A grant job: see {@link grantJobSchema}. */
export type GrantJob = z.infer<typeof grantJobSchema>;

/** The grant queue (standard SQS: a job may be delayed, up to 15 minutes). */
export interface GrantQueue {
  /**
   * Queues a job.
   *
   * @param job - the job
   * @param delaySeconds - deliver it no sooner than this (at most 900)
   */
  send(job: GrantJob, delaySeconds?: number): Promise<void>;
}
