// What the connector reports: a call's progress and an extension's presence.
import { TERMINAL_STATES } from '../../contracts/call-states.ts';
import type { CallEvent } from '../../contracts/messages.ts';
import type { CallRequest } from './model.ts';
import type { CallEventsStore } from './ports.ts';

/** `repeated`: the request is already in the reported state (the message came again), so nothing changed. */
export type CallEventOutcome = 'applied' | 'repeated' | 'stale' | 'unknown';

/**
 * Applies one event. Duplicates and late arrivals (SQS is at-least-once and unordered) change nothing. What the
 * caller needs to know about the request comes back from the write itself: no second read.
 */
export async function applyCallEvent(
  event: CallEvent,
  store: CallEventsStore,
): Promise<{ readonly outcome: CallEventOutcome; readonly request?: CallRequest | undefined }> {
  if (event.type === 'extension.presence') {
    const { siteId, extension, state, at } = event;
    await store.putExtensionPresence({ siteId, extension, state, at });
    return { outcome: 'applied' };
  }
  const { requestId, status, reason, at } = event;
  const advance = await store.advanceCallRequest(
    reason === undefined ? { requestId, status, at } : { requestId, status, reason, at },
  );
  if (advance.outcome === 'stale' && advance.request?.status === status) {
    return { outcome: 'repeated', request: advance.request };
  }
  if (advance.outcome !== 'applied') return { outcome: advance.outcome };
  // A call that ended lets go of its number now, so the next call to it takes the hold in one write.
  if (TERMINAL_STATES.has(status) && advance.request) {
    await store.releaseDestination(advance.request.visitorPhone, requestId);
  }
  return advance;
}
