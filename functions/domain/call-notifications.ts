// What the customer's other systems hear of a call request: one event each time it reaches a state, on the
// EventBridge bus and to the client's webhooks. The detail is versioned; see docs/call-events.md.
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import type { CallRequest } from './model.ts';

export const CALL_EVENT_SOURCE = 'callnow';
export const CALL_STATUS_CHANGED = 'CallNow Call Status Changed';
export const CALL_EVENT_VERSION = '1';

export interface CallStatusChanged {
  readonly version: typeof CALL_EVENT_VERSION;
  /** `<requestId>:<state>`: a request reaches each state once, so a repeated delivery has the same id. */
  readonly eventId: string;
  readonly requestId: string;
  readonly callNowId: string;
  readonly extensionId: string;
  readonly siteId: string;
  readonly clientId?: string;
  readonly resellerId?: string;
  readonly state: CallRequest['status'];
  readonly reason?: NonNullable<CallRequest['reason']>;
  /** When the request reached this state. */
  readonly at: string;
  readonly createdAt: string;
  readonly visitor: {
    /** E.164; masked (`+1********00`) unless the client chose whole numbers. */
    readonly number: string;
    readonly numberMasked: boolean;
    readonly name?: string;
  };
  /** Present on the webhook console's "send a test event" only. */
  readonly test?: true;
}

/** Publishes each event; never throws (a lost event is logged and counted, the call goes on). */
export interface CallEventsPublisher {
  publish(event: CallStatusChanged): Promise<void>;
}

/** The event of the state the request is in now. */
export function callStatusChanged(request: CallRequest): CallStatusChanged {
  const whole = request.fullNumberInEvents === true;
  return {
    version: CALL_EVENT_VERSION,
    eventId: `${request.requestId}:${request.status}`,
    requestId: request.requestId,
    callNowId: request.callNowId,
    extensionId: request.extensionId,
    siteId: request.siteId,
    ...(request.clientId === undefined ? {} : { clientId: request.clientId }),
    ...(request.resellerId === undefined ? {} : { resellerId: request.resellerId }),
    state: request.status,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    at: request.statusTimes[request.status] ?? request.createdAt,
    createdAt: request.createdAt,
    visitor: {
      number: whole ? request.visitorPhone : maskPhoneNumber(request.visitorPhone),
      numberMasked: !whole,
      ...(request.visitorName === undefined ? {} : { name: request.visitorName }),
    },
  };
}

/** Publishes the request's current state, where there is a publisher (the tests and old callers have none). */
export async function announce(
  publisher: CallEventsPublisher | undefined,
  request: CallRequest,
): Promise<void> {
  await publisher?.publish(callStatusChanged(request));
}
