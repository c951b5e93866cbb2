// Cancelling a call request that has not been dialled yet, for a visitor or a program.
import { WIRE_VERSION } from '../../contracts/messages.ts';
import type { CallRequest } from './model.ts';
import type { CallRequestQueue, Clock } from './ports.ts';

export type CancelOutcome = 'cancelling' | 'too_late';

/**
 * Asks the connector not to dial. Only the connector knows whether it already has, so the request's status is
 * left to it: `failed/rejected` if the cancel came first, the call's own statuses if not.
 */
export async function cancelCallRequest(
  request: CallRequest,
  { queue, clock }: { queue: CallRequestQueue; clock: Clock },
): Promise<CancelOutcome> {
  if (request.status !== 'queued') return 'too_late';
  await queue.send({
    v: WIRE_VERSION,
    type: 'call.cancelled',
    requestId: request.requestId,
    siteId: request.siteId,
    at: clock.now().toISOString(),
  });
  return 'cancelling';
}
