// The call-events queue consumer: validates each message, applies it, and reports only the ones to retry.
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CallEventSchema, parseWireMessage } from '../../contracts/messages.ts';
import { applyCallEvent } from '../domain/call-events.ts';
import type { CallNowStore } from '../domain/ports.ts';
import { describeError, log } from '../lib/log.ts';

export function createCallEventsHandler(store: CallNowStore) {
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
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
        const outcome = await applyCallEvent(parsed.message, store);
        const { type } = parsed.message;
        const subject =
          parsed.message.type === 'call.status'
            ? { requestId: parsed.message.requestId, status: parsed.message.status }
            : { extension: parsed.message.extension, state: parsed.message.state };
        log.info('call event', { type, outcome, ...subject });
      } catch (error) {
        log.error('call event not applied; will retry', {
          messageId: record.messageId,
          ...describeError(error),
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  });
}
