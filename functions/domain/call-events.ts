// What the connector reports: a call's progress and an extension's presence.
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
  return store.advanceCallRequest(
    reason === undefined ? { requestId, status, at } : { requestId, status, reason, at },
  );
}
