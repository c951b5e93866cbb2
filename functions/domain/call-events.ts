// What the connector reports: a call's progress and an extension's presence.
import { TERMINAL_STATES } from '../../contracts/call-states.ts';
import type { CallEvent } from '../../contracts/messages.ts';
import type { CallNowStore } from './ports.ts';

export type CallEventOutcome = 'applied' | 'stale' | 'unknown';

/** Applies one event. Duplicates and late arrivals (SQS is at-least-once and unordered) change nothing. */
export async function applyCallEvent(event: CallEvent, store: CallNowStore): Promise<CallEventOutcome> {
  if (event.type === 'extension.presence') {
    const { siteId, extension, state, at } = event;
    await store.putExtensionPresence({ siteId, extension, state, at });
    return 'applied';
  }
  const { requestId, status, reason, at } = event;
  const outcome = await store.advanceCallRequest(
    reason === undefined ? { requestId, status, at } : { requestId, status, reason, at },
  );
  // A call that ended lets go of its number now, so the next call to it takes the hold in one write.
  if (outcome === 'applied' && TERMINAL_STATES.has(status)) {
    const request = await store.getCallRequest(requestId);
    if (request) await store.releaseDestination(request.visitorPhone, requestId);
  }
  return outcome;
}
