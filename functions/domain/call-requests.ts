// The public side of a call request: who may be called, what the visitor typed, and the life of the request.
import { hasControlCharacters, MAX_CALLER_NAME_LENGTH, toAmiSafeText } from '../../contracts/ami-safe.ts';
import { STATE_RANK } from '../../contracts/call-states.ts';
import { type CallRequested, WIRE_VERSION } from '../../contracts/messages.ts';
import { isAvailableAt } from './availability.ts';
import { callNowEligibility } from './eligibility.ts';
import type { CallNowTarget, CallRequest } from './model.ts';
import { parseVisitorPhone } from './phone.ts';
import type { CallNowStore, CallRequestQueue, Clock } from './ports.ts';

/** A request not picked up by the PBX within this time is never dialled. */
export const REQUEST_LIFETIME_SECONDS = 120;
/** How long past `expiresAt` a still-queued request is reported as expired by the cloud itself (the connector may be down). */
export const EXPIRY_GRACE_SECONDS = 15;

export interface VisitorInput {
  readonly phoneNumber: string;
  readonly callerName?: string | undefined;
}

export type InputProblem = { readonly field: 'phoneNumber' | 'callerName'; readonly message: string };

export type PlaceCallResult =
  | { readonly kind: 'accepted'; readonly request: CallRequest }
  | { readonly kind: 'invalid_input'; readonly problem: InputProblem; readonly target: CallNowTarget }
  | { readonly kind: 'pbx_unreachable'; readonly requestId: string; readonly cause: unknown };

export type RequestCallResult =
  | PlaceCallResult
  | { readonly kind: 'not_available' }
  | { readonly kind: 'outside_availability'; readonly target: CallNowTarget };

export interface RequestCallPorts {
  readonly store: CallNowStore;
  readonly queue: CallRequestQueue;
  readonly clock: Clock;
  readonly newRequestId: () => string;
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
): { ok: true; phone: string; name?: string } | { ok: false; problem: InputProblem } {
  const phone = parseVisitorPhone(input.phoneNumber, target.server.defaultCountry);
  if (!phone.ok) {
    return {
      ok: false,
      problem: { field: 'phoneNumber', message: 'phoneNumber is not a valid phone number' },
    };
  }
  const name = input.callerName?.trim() ?? '';
  if (hasControlCharacters(name)) {
    return {
      ok: false,
      problem: { field: 'callerName', message: 'callerName must not hold control characters' },
    };
  }
  if (name.length > MAX_CALLER_NAME_LENGTH) {
    return {
      ok: false,
      problem: {
        field: 'callerName',
        message: `callerName must be at most ${MAX_CALLER_NAME_LENGTH} characters`,
      },
    };
  }
  if (name === '' && nameRequired) {
    return { ok: false, problem: { field: 'callerName', message: 'callerName is required' } };
  }
  return name === '' ? { ok: true, phone: phone.e164 } : { ok: true, phone: phone.e164, name };
}

/** A visitor asks to be called from a CallNow page: the page must be callable, and within its hours. */
export async function requestCall(
  callNowId: string,
  input: VisitorInput,
  ports: RequestCallPorts,
): Promise<RequestCallResult> {
  const target = await findCallableTarget(ports.store, callNowId);
  if (!target) return { kind: 'not_available' };
  if (!isAvailableAt(target.extension.callNow.availability, ports.clock.now())) {
    return { kind: 'outside_availability', target };
  }
  return placeCall(target, input, ports, { nameRequired: target.extension.callNow.askCallerName });
}

/**
 * Places a call to an extension already known to be callable. The request is written as `queued` and then sent to
 * the site's queue; if the send fails it is marked failed, so no request ever says queued without having been sent.
 * The CallNow page asks for a name when its owner wants one; a program using the Call API never has to give one.
 */
export async function placeCall(
  target: CallNowTarget,
  input: VisitorInput,
  { store, queue, clock, newRequestId }: RequestCallPorts,
  { nameRequired }: { nameRequired: boolean },
): Promise<PlaceCallResult> {
  const visitor = checkVisitorInput(target, input, nameRequired);
  if (!visitor.ok) return { kind: 'invalid_input', problem: visitor.problem, target };

  const { extension } = target;
  const now = clock.now();
  const createdAt = now.toISOString();
  const request: CallRequest = {
    requestId: newRequestId(),
    callNowId: extension.callNow.callNowId,
    extensionId: extension.extensionId,
    siteId: extension.siteId,
    status: 'queued',
    visitorPhone: visitor.phone,
    ...(visitor.name === undefined ? {} : { visitorName: visitor.name }),
    createdAt,
    expiresAt: new Date(now.getTime() + REQUEST_LIFETIME_SECONDS * 1000).toISOString(),
    statusTimes: { queued: createdAt },
  };
  await store.createCallRequest(request);

  try {
    await queue.send(toCallRequested(request, target));
  } catch (error) {
    await store.advanceCallRequest({
      requestId: request.requestId,
      status: 'failed',
      reason: 'pbx_unavailable',
      at: clock.now().toISOString(),
    });
    return { kind: 'pbx_unreachable', requestId: request.requestId, cause: error };
  }
  return { kind: 'accepted', request };
}

export function toCallRequested(request: CallRequest, { extension }: CallNowTarget): CallRequested {
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
  { store, clock }: Pick<RequestCallPorts, 'store' | 'clock'>,
): Promise<CallRequest | undefined> {
  const request = await store.getCallRequest(requestId);
  if (!request || request.callNowId !== callNowId) return undefined;
  const now = clock.now();
  const abandonedAt = Date.parse(request.expiresAt) + EXPIRY_GRACE_SECONDS * 1000;
  if (STATE_RANK[request.status] === STATE_RANK.queued && now.getTime() > abandonedAt) {
    const at = now.toISOString();
    const outcome = await store.advanceCallRequest({ requestId, status: 'failed', reason: 'expired', at });
    if (outcome === 'applied') {
      return {
        ...request,
        status: 'failed',
        reason: 'expired',
        statusTimes: { ...request.statusTimes, failed: at },
      };
    }
    return store.getCallRequest(requestId);
  }
  return request;
}
