// The call events on the deployment's EventBridge bus: one PutEvents entry per event, `source` callnow. The client
// loads at the first event, not at every cold start (a page view publishes none).
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CALL_EVENT_SOURCE,
  CALL_STATUS_CHANGED,
  type CallEventsPublisher,
  type CallStatusChanged,
} from '../domain/call-notifications.ts';
import { FUNCTION_ENV } from './config.ts';
import { describeError, log } from './log.ts';
import { metrics } from './metrics.ts';

type EventBridge = typeof import('@aws-sdk/client-eventbridge');

export function eventBridgePublisher(busName: string, client?: EventBridgeClient): CallEventsPublisher {
  let loaded: Promise<{ sdk: EventBridge; client: EventBridgeClient }> | undefined;
  const load = () => {
    loaded ??= import('@aws-sdk/client-eventbridge').then((sdk) => ({
      sdk,
      client: client ?? new sdk.EventBridgeClient({}),
    }));
    return loaded;
  };
  return {
    async publish(event: CallStatusChanged) {
      try {
        const { sdk, client } = await load();
        const result = await client.send(
          new sdk.PutEventsCommand({
            Entries: [
              {
                EventBusName: busName,
                Source: CALL_EVENT_SOURCE,
                DetailType: CALL_STATUS_CHANGED,
                Detail: JSON.stringify(event),
                Time: new Date(event.at),
              },
            ],
          }),
        );
        if (result.FailedEntryCount) {
          const entry = result.Entries?.[0];
          throw new Error(`${entry?.ErrorCode ?? 'PutEvents failed'}: ${entry?.ErrorMessage ?? ''}`);
        }
        return true;
      } catch (error) {
        metrics.callEventNotPublished();
        log.error('call event not published', { eventId: event.eventId, ...describeError(error) });
        return false;
      }
    },
  };
}

/** The bus of the stack's EVENT_BUS_NAME; none where it is unset. */
export function callEventsFromEnv(env: NodeJS.ProcessEnv): CallEventsPublisher | undefined {
  const busName = env[FUNCTION_ENV.eventBusName];
  return busName ? eventBridgePublisher(busName) : undefined;
}

/** `{ events }` for a function's ports where the stack named a bus. */
export function withCallEvents(env: NodeJS.ProcessEnv): { events?: CallEventsPublisher } {
  const events = callEventsFromEnv(env);
  return events ? { events } : {};
}
