// What the customer's other systems hear of a call request: one event each time it reaches a state, on the
// EventBridge bus and to the client's webhooks. The detail is versioned; see docs/call-events.md.
import { CALL_STATES, FAILURE_REASONS } from '../../contracts/call-states.ts';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import * as z from '../../contracts/zod.ts';
import type { CallRequest } from './model.ts';

export const CALL_EVENT_SOURCE = 'callnow';
export const CALL_STATUS_CHANGED = 'CallNow Call Status Changed';
export const CALL_EVENT_VERSION = '1';

/** The `detail` of version 1, as published and as webhooks receive it; docs/call-event.schema.json is made from it. */
export const CallStatusChangedSchema = z.onFirstUse(() =>
  z.object({
    version: z
      .literal(CALL_EVENT_VERSION)
      .check(z.describe('The version of this shape; fields are only ever added within one')),
    eventId: z
      .string()
      .check(
        z.describe(
          '`<requestId>:<state>`: a request reaches each state once, so every delivery of this event has this id',
        ),
      ),
    requestId: z
      .string()
      .check(z.describe('The call request, as the page and GET /api/v1/calls/{requestId} know it')),
    callNowId: z.string().check(z.describe('The CallNow ID of the page the visitor used')),
    extensionId: z.string().check(z.describe('The extension that was rung')),
    extensionNumber: z.optional(z.string().check(z.describe("The extension's number on its site, e.g. 101"))),
    siteId: z.string().check(z.describe('The PBX site of the extension')),
    clientId: z.optional(z.string().check(z.describe('The client that owns the extension'))),
    resellerId: z.optional(z.string().check(z.describe("The client's reseller"))),
    state: z.enum(CALL_STATES).check(z.describe('The state the request has just reached')),
    reason: z.optional(z.enum(FAILURE_REASONS).check(z.describe('Why it failed; with state `failed` only'))),
    at: z.iso.datetime().check(z.describe('When the request reached this state')),
    createdAt: z.iso.datetime().check(z.describe('When the visitor pressed Call')),
    visitor: z.object({
      number: z
        .string()
        .check(z.describe('E.164; masked (`+1********00`) unless the client set fullNumbersInEvents')),
      numberMasked: z.boolean(),
      name: z.optional(
        z.string().check(z.describe('The name the visitor typed, where the page asks for one')),
      ),
    }),
    test: z.optional(z.literal(true).check(z.describe('Present on a "send a test event" only'))),
  }),
);
export type CallStatusChanged = z.infer<typeof CallStatusChangedSchema>;

/**
 * Publishes each event; never throws (a lost event is logged and counted, the call goes on). Answers whether the
 * bus took it, so that a caller that can come back (the events consumer) tries again.
 */
export interface CallEventsPublisher {
  publish(event: CallStatusChanged): Promise<boolean>;
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
    ...(request.extensionNumber === undefined ? {} : { extensionNumber: request.extensionNumber }),
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

/**
 * Publishes the request's current state, where there is a publisher (the tests and old callers have none); false
 * only when the bus did not take it.
 */
export async function announce(
  publisher: CallEventsPublisher | undefined,
  request: CallRequest,
): Promise<boolean> {
  return (await publisher?.publish(callStatusChanged(request))) ?? true;
}
