// The public side of a call request: who may be called, what the visitor typed, and the life of the request.
import { hasControlCharacters, MAX_CALLER_NAME_LENGTH, toAmiSafeText } from '../../contracts/ami-safe.ts';
import { STATE_RANK } from '../../contracts/call-states.ts';
import { type CallRequested, WIRE_VERSION } from '../../contracts/messages.ts';
import { countRefusedNumber, guardPublicRequest, imageValidationRequired } from './abuse.ts';
import { isAvailableAt } from './availability.ts';
import { announce, type CallEventsPublisher } from './call-notifications.ts';
import { type CaptchaAnswer, checkCaptcha } from './captcha.ts';
import { checkDestination, type DestinationRule, effectiveDestinationPolicy } from './destination-policy.ts';
import { callNowEligibility } from './eligibility.ts';
import { type CallNowTarget, type CallRequest, callNowKey } from './model.ts';
import { type ParsedVisitorPhone, parseVisitorPhone } from './phone.ts';
import { effectiveVisitorCallerId } from './phone-resources.ts';
import type { CallNowStore, CallRequestQueue, Clock } from './ports.ts';

/** A request not picked up by the PBX within this time is never dialled. */
export const REQUEST_LIFETIME_SECONDS = 120;
/** How long past `expiresAt` a still-queued request is reported as expired by the cloud itself (the connector may be down). */
export const EXPIRY_GRACE_SECONDS = 15;
/**
 * A presence report older than this says nothing about now (a lost message, a connector that stopped): the owner
 * is then taken as free, and the connector, which checks the phone itself before ringing it, has the last word.
 */
export const PRESENCE_FRESH_SECONDS = 300;

export interface VisitorInput {
  readonly phoneNumber: string;
  readonly callerName?: string | undefined;
}

export type InputProblemCode =
  | 'invalid_phone_number'
  | 'caller_name_invalid'
  | 'caller_name_too_long'
  | 'caller_name_required';

export type InputProblem = {
  readonly field: 'phoneNumber' | 'callerName';
  readonly code: InputProblemCode;
  readonly message: string;
};

export type PlaceCallResult =
  | { readonly kind: 'accepted'; readonly request: CallRequest }
  | { readonly kind: 'invalid_input'; readonly problem: InputProblem; readonly target: CallNowTarget }
  | { readonly kind: 'number_not_allowed'; readonly rule: DestinationRule; readonly target: CallNowTarget }
  | { readonly kind: 'pbx_unreachable'; readonly requestId: string; readonly cause: unknown };

export type RequestCallResult =
  | PlaceCallResult
  | { readonly kind: 'not_available' }
  | { readonly kind: 'outside_availability'; readonly target: CallNowTarget }
  | { readonly kind: 'owner_busy'; readonly target: CallNowTarget }
  | { readonly kind: 'captcha_failed'; readonly target: CallNowTarget }
  /** A second press while the first call to the number is still under way: the first request, nothing new. */
  | { readonly kind: 'duplicate'; readonly request: CallRequest }
  /** A call to the number asked from another page is under way. */
  | { readonly kind: 'number_busy'; readonly retryAfterSeconds: number; readonly target: CallNowTarget }
  | { readonly kind: 'limited'; readonly retryAfterSeconds: number; readonly target: CallNowTarget };

/** A visitor's request from the CallNow page: what they typed, and their answer to the picture when there is one. */
export interface PublicVisitorInput extends VisitorInput {
  readonly captcha?: CaptchaAnswer | undefined;
  /** The address the request came from, as the edge saw it. */
  readonly sourceIp: string;
}

export interface RequestCallPorts {
  readonly store: CallNowStore;
  readonly queue: CallRequestQueue;
  readonly clock: Clock;
  readonly newRequestId: () => string;
  /** Where each state a request reaches is announced (EventBridge). @default none */
  readonly events?: CallEventsPublisher;
}

/** Loads the target of a CallNow ID only if it may be called; callers cannot tell "unknown" from "not allowed". */
export async function findCallableTarget(
  store: CallNowStore,
  callNowId: string,
): Promise<CallNowTarget | undefined> {
  const target = await store.getCallNowTarget(callNowId);
  return target && callNowEligibility(target).callable ? target : undefined;
}

/** Checks what the visitor typed; the name is required only where the owner asks for it (`nameRequired`). */
export function checkVisitorInput(
  target: CallNowTarget,
  input: VisitorInput,
  nameRequired: boolean,
):
  | { ok: true; phone: string; parsed: ParsedVisitorPhone; name?: string }
  | { ok: false; problem: InputProblem } {
  // The parser skips what it does not read (a trailing NUL, say): anything but a clean number is refused here.
  const phone = hasControlCharacters(input.phoneNumber)
    ? ({ ok: false } as const)
    : parseVisitorPhone(input.phoneNumber, target.server.defaultCountry);
  if (!phone.ok) {
    return {
      ok: false,
      problem: {
        field: 'phoneNumber',
        code: 'invalid_phone_number',
        message: 'phoneNumber is not a valid phone number',
      },
    };
  }
  const name = input.callerName?.trim() ?? '';
  if (hasControlCharacters(name)) {
    return {
      ok: false,
      problem: {
        field: 'callerName',
        code: 'caller_name_invalid',
        message: 'callerName must not hold control characters',
      },
    };
  }
  if (name.length > MAX_CALLER_NAME_LENGTH) {
    return {
      ok: false,
      problem: {
        field: 'callerName',
        code: 'caller_name_too_long',
        message: `callerName must be at most ${MAX_CALLER_NAME_LENGTH} characters`,
      },
    };
  }
  if (name === '' && nameRequired) {
    return {
      ok: false,
      problem: { field: 'callerName', code: 'caller_name_required', message: 'callerName is required' },
    };
  }
  return name === ''
    ? { ok: true, phone: phone.e164, parsed: phone }
    : { ok: true, phone: phone.e164, parsed: phone, name };
}

export type ScreenedVisitor =
  | { readonly ok: true; readonly phone: string; readonly name?: string }
  | {
      readonly ok: false;
      readonly result: Extract<PlaceCallResult, { kind: 'invalid_input' | 'number_not_allowed' }>;
    };

/** What the visitor typed, checked, and their number checked against the destination policy that applies. */
export function screenVisitor(
  target: CallNowTarget,
  input: VisitorInput,
  nameRequired: boolean,
): ScreenedVisitor {
  const visitor = checkVisitorInput(target, input, nameRequired);
  if (!visitor.ok) return { ok: false, result: { kind: 'invalid_input', problem: visitor.problem, target } };
  const { server, client, extension } = target;
  const policy = effectiveDestinationPolicy(
    server.destinationPolicy,
    client.destinationPolicy,
    extension.destinationPolicy,
  );
  const destination = checkDestination(visitor.parsed, policy, server.defaultCountry);
  if (!destination.allowed)
    return { ok: false, result: { kind: 'number_not_allowed', rule: destination.rule, target } };
  return visitor.name === undefined
    ? { ok: true, phone: visitor.phone }
    : { ok: true, phone: visitor.phone, name: visitor.name };
}

/**
 * True when the owner asked not to be called while on the phone and the extension's latest presence, still fresh,
 * says it is in use. Reads presence only for owners who asked.
 */
export async function isOwnerOnThePhone(
  store: CallNowStore,
  { extension }: CallNowTarget,
  now: Date,
): Promise<boolean> {
  if (!extension.callNow.notWhileOnPhone) return false;
  const presence = await store.getExtensionPresence(extension.siteId, extension.number);
  if (presence?.state !== 'in_use') return false;
  return now.getTime() - Date.parse(presence.at) < PRESENCE_FRESH_SECONDS * 1000;
}

/**
 * A visitor asks to be called from a CallNow page. Every preference of the page is checked again here, whatever
 * the page showed: callable, within its hours, the owner not on the phone (when they asked), the input valid, the
 * number one this page may call, and the picture answered (when image validation is on). Input is checked before
 * the picture, so a typing mistake does not use the challenge up; nothing is written for a refused request until
 * the limits, which count it.
 */
export async function requestCall(
  callNowId: string,
  input: PublicVisitorInput,
  ports: RequestCallPorts,
): Promise<RequestCallResult> {
  const target = await findCallableTarget(ports.store, callNowId);
  if (!target) return { kind: 'not_available' };
  const preferences = target.extension.callNow;
  const now = ports.clock.now();
  if (!isAvailableAt(preferences.availability, now)) return { kind: 'outside_availability', target };
  if (await isOwnerOnThePhone(ports.store, target, now)) return { kind: 'owner_busy', target };
  const visitor = screenVisitor(target, input, preferences.askCallerName);
  if (!visitor.ok) {
    if (visitor.result.kind !== 'number_not_allowed') return visitor.result;
    const counted = await countRefusedNumber(target, input.sourceIp, ports);
    return counted.allowed
      ? visitor.result
      : { kind: 'limited', retryAfterSeconds: counted.retryAfterSeconds, target };
  }
  if (imageValidationRequired(target, now)) {
    const passed = input.captcha !== undefined && (await checkCaptcha(callNowId, input.captcha, ports));
    if (!passed) return { kind: 'captcha_failed', target };
  }
  const request = newCallRequest(target, visitor, ports.newRequestId(), now);
  const guard = await guardPublicRequest({ target, request, sourceIp: input.sourceIp }, ports);
  switch (guard.kind) {
    case 'duplicate':
      return guard;
    case 'number_busy':
    case 'limited':
      return { ...guard, target };
    case 'clear':
      return sendCall(target, request, ports);
  }
}

/** A request as it is written, pending, with the wave that decides whether it goes ahead (guardCall). */
export function newCallRequest(
  { extension, client }: CallNowTarget,
  visitor: { readonly phone: string; readonly name?: string },
  requestId: string,
  now: Date,
): CallRequest {
  const createdAt = now.toISOString();
  return {
    requestId,
    callNowId: extension.callNow.callNowId,
    extensionId: extension.extensionId,
    extensionNumber: extension.number,
    siteId: extension.siteId,
    clientId: client.clientId,
    resellerId: client.resellerId,
    ...(client.fullNumbersInEvents ? { fullNumberInEvents: true } : {}),
    status: 'queued',
    visitorPhone: visitor.phone,
    ...(visitor.name === undefined ? {} : { visitorName: visitor.name }),
    createdAt,
    expiresAt: new Date(now.getTime() + REQUEST_LIFETIME_SECONDS * 1000).toISOString(),
    statusTimes: { queued: createdAt },
  };
}

/**
 * A request the wave let through, still pending, is sent to its site's queue and then revealed: as `queued`, or
 * as failed if the send failed, so that no request ever says queued without having been sent. The connector's
 * first status reveals it too, should the reveal not get there first.
 */
export async function sendCall(
  target: CallNowTarget,
  request: CallRequest,
  { store, queue, clock, events }: Pick<RequestCallPorts, 'store' | 'queue' | 'clock' | 'events'>,
): Promise<PlaceCallResult> {
  const { requestId } = request;
  try {
    await queue.send(toCallRequested(request, target));
  } catch (error) {
    const at = clock.now().toISOString();
    // The event waits for nothing the write decides, so it costs the visitor no round trip of its own.
    await Promise.all([
      store.revealCallRequest(requestId, { requestId, status: 'failed', reason: 'pbx_unavailable', at }),
      announce(events, {
        ...request,
        status: 'failed',
        reason: 'pbx_unavailable',
        statusTimes: { ...request.statusTimes, failed: at },
      }),
    ]);
    return { kind: 'pbx_unreachable', requestId, cause: error };
  }
  await Promise.all([store.revealCallRequest(requestId), announce(events, request)]);
  return { kind: 'accepted', request };
}

export function toCallRequested(request: CallRequest, target: CallNowTarget): CallRequested {
  const { extension } = target;
  const visitorCallerId = effectiveVisitorCallerId(target);
  const visitorName = request.visitorName === undefined ? undefined : toAmiSafeText(request.visitorName);
  return {
    v: WIRE_VERSION,
    type: 'call.requested',
    requestId: request.requestId,
    siteId: request.siteId,
    extension: { number: extension.number },
    visitor: visitorName
      ? { phone: request.visitorPhone, name: visitorName }
      : { phone: request.visitorPhone },
    confirm: extension.callNow.confirm,
    notWhileOnPhone: extension.callNow.notWhileOnPhone,
    ringSeconds: extension.callNow.ringSeconds,
    callerIdName: toAmiSafeText(visitorName ? `CallNow: ${visitorName}` : 'CallNow'),
    ...(visitorCallerId === undefined ? {} : { visitorCallerId }),
    createdAt: request.createdAt,
    expiresAt: request.expiresAt,
  };
}

/**
 * The status a visitor sees. A request still queued well after it expired was never picked up
 * (the connector is down or the queue is backed up): it is ended here as `failed/expired`, so the visitor learns how it ended.
 */
export async function callRequestStatus(
  callNowId: string,
  requestId: string,
  { store, clock, events }: Pick<RequestCallPorts, 'store' | 'clock' | 'events'>,
): Promise<CallRequest | undefined> {
  const request = await store.getCallRequest(requestId);
  if (!request || callNowKey(request.callNowId) !== callNowKey(callNowId)) return undefined;
  const now = clock.now();
  const abandonedAt = Date.parse(request.expiresAt) + EXPIRY_GRACE_SECONDS * 1000;
  if (STATE_RANK[request.status] === STATE_RANK.queued && now.getTime() > abandonedAt) {
    const at = now.toISOString();
    const advance = await store.advanceCallRequest({ requestId, status: 'failed', reason: 'expired', at });
    if (advance.outcome === 'applied' && advance.request) {
      await announce(events, advance.request);
      return advance.request;
    }
    return store.getCallRequest(requestId);
  }
  return request;
}
