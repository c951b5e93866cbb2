// What keeps a public CallNow page from becoming a toll-fraud or harassment machine, beyond the destination
// policy: limits per visitor address, page and destination number, one call in progress per number, and image
// validation forced on while a page's limits keep tripping.
import { isIPv6 } from 'node:net';
import { STATE_RANK, TERMINAL_STATES } from '../../contracts/call-states.ts';
import { EXPIRY_GRACE_SECONDS } from './call-requests.ts';
import { type CallNowTarget, type CallRequest, callNowKey, type RequestLimit } from './model.ts';
import type { CallNowStore, Clock, DestinationHold } from './ports.ts';
import { type LimitCheck, type LimitOutcome, matchSubnetLimit } from './rate-limits.ts';

/** This many refusals by a page's limits within the window turn image validation on for it. */
export const SHIELD_TRIP_LIMIT = 10;
export const SHIELD_TRIP_WINDOW_SECONDS = 600;
export const SHIELD_SECONDS = 3600;
/** A hold whose request is not found yet is taken as one being written for this long. */
const HOLD_WRITE_SECONDS = 10;
/** A call not reported ended this long after it was asked for is taken as over (its last report was lost). */
const HOLD_MAX_SECONDS = 4 * 3600;

/** Image validation is on when the owner asked for it, or while the page is shielded. */
export function imageValidationRequired(target: CallNowTarget, now: Date): boolean {
  return target.extension.callNow.imageValidation || isShielded(target, now);
}

function isShielded({ shieldedUntil }: CallNowTarget, now: Date): boolean {
  return shieldedUntil !== undefined && Date.parse(shieldedUntil) > now.getTime();
}

/** What a visitor's address counts as: IPv4 addresses one by one, IPv6 per /64 (one home or one server). */
export function visitorAddress(sourceIp: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(sourceIp);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(sourceIp)) return sourceIp;
  const groups = ipv6Groups(sourceIp).slice(0, 4);
  return `${groups.map((group) => group.toString(16)).join(':')}::/64`;
}

function ipv6Groups(address: string): number[] {
  const [head = '', tail] = (address.split('%')[0] ?? '').split('::');
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [a * 256 + b, c * 256 + d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export type GuardOutcome =
  /** The number is held for this request: place it. */
  | { readonly kind: 'clear' }
  /** The same requester asked again while their call to the number is under way: their request, nothing new. */
  | { readonly kind: 'duplicate'; readonly request: CallRequest }
  /** Someone else's call to the number is under way: they are told no more than that. */
  | { readonly kind: 'number_busy'; readonly retryAfterSeconds: number }
  | { readonly kind: 'limited'; readonly retryAfterSeconds: number };

export interface CallGuard {
  readonly target: CallNowTarget;
  /** The request to place, written pending with the wave and revealed by the caller only if it is clear. */
  readonly request: CallRequest;
  /** Who asks: a visitor's address (`visitor#...`), an API key (`key#...`) or the admin (`user#...`). */
  readonly requester: string;
  /** The number's own limit, counted only for the request that gets the number's hold. */
  readonly numberLimit: LimitCheck;
  /** Counted for every request, with the hold. */
  readonly limits: readonly LimitCheck[];
}

export interface GuardedRequest {
  readonly target: CallNowTarget;
  /** The request to place: its number is the one the visitor typed (E.164). */
  readonly request: CallRequest;
  readonly sourceIp: string;
}

const check = (subject: string, { requests, windowSeconds }: RequestLimit): LimitCheck => ({
  subject,
  limit: requests,
  windowSeconds,
});

export const numberLimit = (phone: string, target: CallNowTarget) =>
  check(`number#${phone}`, target.server.publicLimits.perDestinationNumber);
const visitorLimit = (sourceIp: string, target: CallNowTarget) =>
  check(`visitor#${visitorAddress(sourceIp)}`, target.server.publicLimits.perVisitorAddress);

/**
 * One wave of single-item conditional writes: the number's hold, which counts the call against the number's own
 * limit in the same write (so only the request that holds the number is counted: a press while a call is under
 * way, or a crowd pressing at once, costs the number nothing), the request's other limits, and the request itself,
 * written pending. A clear request is left pending for the caller to send and reveal; any other gives back what
 * it took and leaves nothing behind. Every count is one conditional update, so concurrent requests cannot
 * overshoot a limit, and only one of them holds the number.
 */
export async function guardCall(
  { target, request, requester, numberLimit, limits }: CallGuard,
  { store, clock }: { store: CallNowStore; clock: Clock },
): Promise<GuardOutcome> {
  const now = clock.now();
  const nowMs = now.getTime();
  const { requestId, visitorPhone: phone } = request;
  const callNowId = callNowKey(target.extension.callNow.callNowId);
  const hold = { phone, requestId, callNowId, requester, heldAt: now.toISOString() };
  const [held, written, ...counted] = await Promise.allSettled([
    takeHold(hold, numberLimit, store, nowMs),
    store.createCallRequest(request, target.server.callRequestRetentionDays),
    ...limits.map((limit) => store.hit(limit, nowMs)),
  ]);
  const outcomes = counted.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = [held, written, ...counted].find((outcome) => outcome.status === 'rejected');
  const holds = held.status === 'fulfilled' && held.value.kind === 'clear';
  if (holds && !failure && longestWait(outcomes) === undefined) return { kind: 'clear' };
  await Promise.all([
    written.status === 'fulfilled' ? store.discardCallRequest(requestId) : undefined,
    holds ? store.releaseDestination(phone, requestId, { limit: numberLimit, nowMs }) : undefined,
  ]);
  if (failure || held.status === 'rejected') throw failure?.reason;
  // Pressing again while one's own call is under way is answered with that call, whatever the limits say.
  if (held.value.kind === 'duplicate') return held.value;
  const { value } = held;
  const waits: LimitOutcome[] =
    value.kind === 'limited'
      ? [...outcomes, { allowed: false, retryAfterSeconds: value.retryAfterSeconds }]
      : outcomes;
  const retryAfterSeconds = longestWait(waits);
  return retryAfterSeconds === undefined ? value : { kind: 'limited', retryAfterSeconds };
}

/**
 * A visitor's request from a CallNow page: counted against the visitor's address, the page, the number and the
 * server's subnet rule. A page whose limits keep refusing requests is under attack: it asks for the picture.
 */
export async function guardPublicRequest(
  { target, request, sourceIp }: GuardedRequest,
  ports: { store: CallNowStore; clock: Clock },
): Promise<GuardOutcome> {
  const { publicLimits, subnetLimits } = target.server;
  const limits = [
    visitorLimit(sourceIp, target),
    check(`callnow#${callNowKey(target.extension.callNow.callNowId)}`, publicLimits.perCallNowId),
  ];
  const subnetRule = matchSubnetLimit(subnetLimits, sourceIp);
  if (subnetRule) {
    limits.push({ subject: `address#${sourceIp}`, limit: subnetRule.requestsPerMinute, windowSeconds: 60 });
  }
  const requester = `visitor#${visitorAddress(sourceIp)}`;
  const numberCheck = numberLimit(request.visitorPhone, target);
  const outcome = await guardCall({ target, request, requester, numberLimit: numberCheck, limits }, ports);
  if (outcome.kind === 'limited') await noteTrip(target, ports.store, ports.clock.now());
  return outcome;
}

/** A number the destination policy refuses counts against the visitor all the same: nobody probes the policy for free. */
export async function countRefusedNumber(
  target: CallNowTarget,
  sourceIp: string,
  { store, clock }: { store: CallNowStore; clock: Clock },
): Promise<LimitOutcome> {
  return store.hit(visitorLimit(sourceIp, target), clock.now().getTime());
}

function longestWait(outcomes: readonly LimitOutcome[]): number | undefined {
  const waits = outcomes.flatMap((outcome) => (outcome.allowed ? [] : [outcome.retryAfterSeconds]));
  return waits.length > 0 ? Math.max(...waits) : undefined;
}

/** A page whose limits keep refusing requests is under attack: it asks for the picture for a while. */
async function noteTrip(target: CallNowTarget, store: CallNowStore, now: Date): Promise<void> {
  const callNowId = callNowKey(target.extension.callNow.callNowId);
  // The counter lets LIMIT - 1 trips through: the refusal of the LIMIT-th raises the shield.
  const trips = await store.hit(
    {
      subject: `trips#${callNowId}`,
      limit: SHIELD_TRIP_LIMIT - 1,
      windowSeconds: SHIELD_TRIP_WINDOW_SECONDS,
    },
    now.getTime(),
  );
  if (!trips.allowed && !isShielded(target, now)) {
    await store.raiseShield(callNowId, new Date(now.getTime() + SHIELD_SECONDS * 1000).toISOString());
  }
}

/** Whether the request holding a number still stands for a call that can ring. */
function isUnderWay(request: CallRequest, nowMs: number): boolean {
  if (TERMINAL_STATES.has(request.status)) return false;
  if (nowMs - Date.parse(request.createdAt) > HOLD_MAX_SECONDS * 1000) return false;
  const neverPickedUp = Date.parse(request.expiresAt) + EXPIRY_GRACE_SECONDS * 1000;
  return !(STATE_RANK[request.status] === STATE_RANK.queued && nowMs > neverPickedUp);
}

/**
 * One request in progress per number. A hold left by a call that ended (or was never written) is taken over; the
 * take-over is conditional on the old holder, so of two requests racing for it only one wins. Only the requester
 * of the call under way learns its id: to anyone else the number is just busy.
 */
async function takeHold(
  hold: DestinationHold,
  limit: LimitCheck,
  store: CallNowStore,
  nowMs: number,
): Promise<GuardOutcome> {
  let claim = await store.claimDestination(hold, limit, nowMs);
  for (let attempt = 0; attempt < 3 && claim.kind === 'held'; attempt++) {
    const { holder } = claim;
    const request = await store.getCallRequest(holder.requestId);
    if (request && isUnderWay(request, nowMs)) {
      const same = holder.requester === hold.requester && callNowKey(request.callNowId) === hold.callNowId;
      return same ? { kind: 'duplicate', request } : { kind: 'number_busy', retryAfterSeconds: 60 };
    }
    if (!request && nowMs - Date.parse(holder.heldAt) < HOLD_WRITE_SECONDS * 1000) {
      return { kind: 'number_busy', retryAfterSeconds: HOLD_WRITE_SECONDS };
    }
    claim = await store.replaceDestinationHold(hold, holder.requestId, limit, nowMs);
  }
  switch (claim.kind) {
    case 'claimed':
      return { kind: 'clear' };
    case 'limited':
      return { kind: 'limited', retryAfterSeconds: claim.retryAfterSeconds };
    case 'held':
    case 'contended':
      return { kind: 'number_busy', retryAfterSeconds: HOLD_WRITE_SECONDS };
  }
}
