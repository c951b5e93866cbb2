// The call-events queue consumer: validates each message, applies it, and reports only the ones to retry.
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CallEventSchema, type CallStatus, parseWireMessage } from '../../contracts/messages.ts';
import { applyCallEvent } from '../domain/call-events.ts';
import { announce, type CallEventsPublisher } from '../domain/call-notifications.ts';
import type { CallRequest } from '../domain/model.ts';
import type { CallEventsStore } from '../domain/ports.ts';
import { describeError, log, setLogContext } from '../lib/log.ts';
import { metrics } from '../lib/metrics.ts';

/**
 * Counts each request once, on the update that moved it (duplicates and late messages are `stale`). The time to
 * ring needs the request's createdAt, which the status message does not carry: the update answered it.
 */
function recordStatusMetrics(message: CallStatus, request: CallRequest | undefined): void {
  if (message.status === 'completed' || message.status === 'failed') {
    metrics.callFinished(message.status, message.reason);
  } else if (message.status === 'dialing_extension' && request) {
    metrics.timeToRing(Date.parse(message.at) - Date.parse(request.createdAt));
  }
}

export type CallEventsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Not a middy handler: it would use no middleware, and @middy/core loads node:stream/web at every cold start. */
export function createCallEventsHandler(
  store: CallEventsStore,
  events?: CallEventsPublisher,
): CallEventsHandler {
  return async (event, context) => {
    setLogContext(context.awsRequestId);
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const parsed = parseWireMessage(CallEventSchema, record.body);
      if (!parsed.ok) {
        // Retrying cannot fix it: it goes back until the redrive policy moves it to the DLQ, where it is kept for a look.
        log.warn('invalid call event', { messageId: record.messageId, problem: parsed.problem });
        batchItemFailures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        const { outcome, request } = await applyCallEvent(parsed.message, store);
        const { type } = parsed.message;
        const subject =
          parsed.message.type === 'call.status'
            ? { requestId: parsed.message.requestId, status: parsed.message.status }
            : { extension: parsed.message.extension, state: parsed.message.state };
        log.info('call event', { type, outcome, ...subject });
        if (outcome === 'applied' && parsed.message.type === 'call.status') {
          recordStatusMetrics(parsed.message, request);
        }
        // A message the bus did not take the event of comes back, finds its state already there (`repeated`) and
        // announces it again: the event is published at least once. A receiver drops an eventId it has seen.
        if (
          (outcome === 'applied' || outcome === 'repeated') &&
          request &&
          !(await announce(events, request))
        ) {
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      } catch (error) {
        log.error('call event not applied; will retry', {
          messageId: record.messageId,
          ...describeError(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
