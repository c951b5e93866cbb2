// The Call API (`/api/v1/calls`): a program rings an extension it may see, then a number; it follows and cancels
// the calls of its part of the owner tree. The same rules as the public page: the permission chain, the destination
// policy, the number's limit and one call in progress per number.

import { guardCall, numberLimit } from './abuse.ts';
import { canSee, type Principal } from './access.ts';
import {
  newCallRequest,
  type PlaceCallResult,
  type RequestCallPorts,
  screenVisitor,
  sendCall,
  type VisitorInput,
} from './call-requests.ts';
import { loadTarget } from './callnow-preferences.ts';
import { type CancelOutcome, cancelCallRequest } from './cancel.ts';
import { DEFAULT_SERVER_SETTINGS } from './defaults.ts';
import { callApiEligibility, describeIneligibility } from './eligibility.ts';
import { notFound } from './management-errors.ts';
import type { ManagementStore } from './management-ports.ts';
import type { CallRequest } from './model.ts';
import { extensionNode, loadExtension } from './owner-tree.ts';
import { type LimitCheck, type LimitOutcome, matchSubnetLimit } from './rate-limits.ts';

export interface CallApiPorts extends RequestCallPorts {
  readonly management: ManagementStore;
}

export type ApiCallResult =
  | PlaceCallResult
  | { readonly kind: 'not_callable'; readonly missingLink: string }
  | { readonly kind: 'duplicate'; readonly request: CallRequest }
  | { readonly kind: 'number_busy' | 'limited'; readonly retryAfterSeconds: number };

/** What a principal is counted as: the admin by username, one key, or one console login. */
export function requesterOf(principal: Principal): string {
  switch (principal.kind) {
    case 'admin':
      return `user#${principal.username}`;
    case 'key':
      return `key#${principal.keyId}`;
    case 'login':
      return `login#${principal.username}`;
  }
}

export async function placeApiCall(
  principal: Principal,
  input: VisitorInput & { readonly extensionId: string },
  ports: CallApiPorts,
): Promise<ApiCallResult> {
  const target = await loadTarget(
    ports.management,
    await loadExtension(ports.management, principal, input.extensionId),
  );
  const chain = callApiEligibility(target);
  if (!chain.callable)
    return { kind: 'not_callable', missingLink: describeIneligibility(chain.reason, target) };
  const visitor = screenVisitor(target, input, false);
  if (!visitor.ok) return visitor.result;
  const request = newCallRequest(target, visitor, ports.newRequestId(), ports.clock.now());
  const guard = await guardCall(
    {
      target,
      request,
      requester: requesterOf(principal),
      numberLimit: numberLimit(visitor.phone, target),
      limits: [],
    },
    ports,
  );
  return guard.kind === 'clear' ? sendCall(target, request, ports) : guard;
}

/** A call request of the principal's part of the tree; anyone else's is "not found", like one that does not exist. */
export async function loadVisibleCall(
  principal: Principal,
  requestId: string,
  { store, management }: Pick<CallApiPorts, 'store' | 'management'>,
): Promise<CallRequest> {
  const request = await store.getCallRequest(requestId);
  const extension = request ? await management.getExtension(request.extensionId) : undefined;
  if (!request || !extension || !canSee(principal, extensionNode(extension))) throw notFound('call request');
  return request;
}

export async function cancelApiCall(
  principal: Principal,
  requestId: string,
  ports: Pick<CallApiPorts, 'store' | 'management' | 'queue' | 'clock'>,
): Promise<{ readonly request: CallRequest; readonly outcome: CancelOutcome }> {
  const request = await loadVisibleCall(principal, requestId, ports);
  return { request, outcome: await cancelCallRequest(request, ports) };
}

/**
 * The Call API tab's limits on every authenticated request: "at most X requests from a user in Y seconds", and the
 * most specific subnet rule for the address. The first refusal answers.
 */
export async function checkRequestLimits(
  store: ManagementStore,
  principal: Principal,
  sourceIp: string,
  nowMs: number,
): Promise<LimitOutcome> {
  const settings = (await store.getServerSettings()) ?? DEFAULT_SERVER_SETTINGS;
  const checks: LimitCheck[] = [
    {
      subject: requesterOf(principal),
      limit: settings.requestLimit.requests,
      windowSeconds: settings.requestLimit.windowSeconds,
    },
  ];
  const subnetRule = matchSubnetLimit(settings.subnetLimits, sourceIp);
  if (subnetRule)
    checks.push({ subject: `address#${sourceIp}`, limit: subnetRule.requestsPerMinute, windowSeconds: 60 });
  for (const check of checks) {
    const outcome = await store.hit(check, nowMs);
    if (!outcome.allowed) return outcome;
  }
  return { allowed: true };
}
