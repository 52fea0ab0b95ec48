/**
 * Work on grants that no tenant's connection holds, for the grant worker:
 *
 * - `revoke`: give a held grant back to Intuit (retried with backoff until Intuit confirms).
 * - `expire`: a pending confirmation's deadline has passed; revoke its grant if nobody confirmed.
 * - `disconnect-notice`: Intuit's Disconnect URL named this company; ask Intuit whether the
 *   grant of the tenant that holds it still works.
 */
export type GrantJob =
  | { readonly job: 'revoke'; readonly ref: string }
  | { readonly job: 'expire'; readonly ref: string }
  | { readonly job: 'disconnect-notice'; readonly realmId: string };

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
