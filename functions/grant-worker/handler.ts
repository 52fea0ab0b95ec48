/**
 * Grant worker (SQS standard → Lambda, partial batch failures): revokes grants that no connection
 * holds (a disconnect, a refused or expired confirmation) until Intuit confirms, and checks the
 * grant of a company named by Intuit's Disconnect URL. The only function besides the API's token
 * routes and the QBO workers that opens tokens; no public function does. A failed job is retried
 * with backoff and, after 40 receives (about eight hours), goes to the dead-letter queue, which
 * alarms.
 */
import { type GrantJob, grantJobSchema } from '#shared/ports/grant-queue.ts';
import { expireConfirmation } from '#shared/use-cases/expire-confirmation.ts';
import { revokeHeldGrant } from '#shared/use-cases/revoke-held-grant.ts';
import { verifyDisconnectNotice } from '#shared/use-cases/verify-disconnect-notice.ts';
import { intuitServices } from '#shared/wiring/intuit-services.ts';
import { queueWorker } from '#shared/worker/queue-worker.ts';

const deps = await intuitServices();
const queue = deps.grantQueue;

async function run(work: GrantJob): Promise<void> {
  if (work.job === 'revoke') {
    await revokeHeldGrant(deps, work.ref);
  } else if (work.job === 'expire') {
    const result = await expireConfirmation(deps, work.ref);
    // Came early (clocks apart): look again when the deadline has passed.
    if (result.outcome === 'not_yet') {
      await queue.send(work, Math.min(900, result.secondsLeft + 1));
    }
  } else {
    await verifyDisconnectNotice(deps, work.realmId);
  }
}

export const handler = queueWorker(
  {
    schema: grantJobSchema,
    consumes: 'grants',
    queue,
    logKeys: (work) => ({ job: work.job }),
    // Most expiry jobs find their grant confirmed long ago: nothing to do, and nothing to log.
    skip: async (work) => work.job === 'expire' && !(await deps.grants.get(work.ref)),
    onError: { retry: 'backoff', what: 'A grant job' },
  },
  async ({ message }) => {
    await run(message);
    return undefined;
  },
);
