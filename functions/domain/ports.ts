// What the domain needs from the outside world. Lambda, the local stack and tests each supply their own.
import type { CallState, FailureReason } from '../../contracts/call-states.ts';
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import type { CaptchaChallenge } from './captcha.ts';
import type { CallNowTarget, CallRequest, ExtensionPresenceRecord } from './model.ts';
import type { LimitCheck, LimitOutcome } from './rate-limits.ts';

export interface CallNowStore {
  /** The extension behind a CallNow ID with its owner chain and the server settings, or undefined if any is missing. */
  getCallNowTarget(callNowId: string): Promise<CallNowTarget | undefined>;
  /**
   * Writes a new request as pending, kept `retentionDays` after it expires; fails with RequestExistsError if the id
   * is taken. Nobody reads a pending request (getCallRequest answers undefined) until it is revealed.
   */
  createCallRequest(request: CallRequest, retentionDays: number): Promise<void>;
  /** Makes a pending request readable, as it was written or, with `failure`, already failed. */
  revealCallRequest(requestId: string, failure?: CallRequestChange): Promise<void>;
  /** Deletes a request that is still pending: one that did not go ahead leaves nothing behind. */
  discardCallRequest(requestId: string): Promise<void>;
  getCallRequest(requestId: string): Promise<CallRequest | undefined>;
  /**
   * Moves a request forward to `status` in one conditional write, answering the request as that write left it; a
   * move that is not forward (a duplicate or late message) changes nothing and answers `stale`. A status from the
   * PBX reveals a pending request: it was sent, so it went ahead.
   */
  advanceCallRequest(change: CallRequestChange): Promise<CallRequestAdvance>;
  /** Keeps the newest presence report of an extension; older reports change nothing. */
  putExtensionPresence(presence: ExtensionPresenceRecord): Promise<void>;
  /** The newest presence report of an extension (its number on the site's PBX), if any came. */
  getExtensionPresence(siteId: string, extension: string): Promise<ExtensionPresenceRecord | undefined>;
  /** Stores a new CAPTCHA challenge. */
  putCaptchaChallenge(challenge: CaptchaChallenge): Promise<void>;
  /**
   * Removes a challenge and answers it, in one conditional delete: of any number of concurrent callers only one
   * gets it, so a challenge is answered at most once. Undefined when it is unknown or already taken.
   */
  takeCaptchaChallenge(challengeId: string): Promise<CaptchaChallenge | undefined>;
  /** Counts one hit in the subject's current window, refusing it (and counting nothing) at the limit. */
  hit(check: LimitCheck, nowMs: number): Promise<LimitOutcome>;
  /** Forces image validation on for a CallNow ID until `until` (an ISO instant). */
  raiseShield(callNowId: string, until: string): Promise<void>;
  /**
   * Takes the hold on a number if nobody has it and the number is under `limit`, counting the call against the
   * limit in the same write; otherwise answers who holds it or how long the limit lasts, changing nothing.
   */
  claimDestination(hold: DestinationHold, limit: LimitCheck, nowMs: number): Promise<HoldClaim>;
  /** The same, taking the hold over from `previousRequestId` if that request still has it. */
  replaceDestinationHold(
    hold: DestinationHold,
    previousRequestId: string,
    limit: LimitCheck,
    nowMs: number,
  ): Promise<HoldClaim>;
  /**
   * Lets go of a number, if `requestId` still holds it; with `uncount`, the call its claim counted is taken back
   * too (the request did not go ahead).
   */
  releaseDestination(
    phone: string,
    requestId: string,
    uncount?: { readonly limit: LimitCheck; readonly nowMs: number },
  ): Promise<void>;
  /** The key that signs the form's CSRF tokens: made once for the deployment, on first use, and kept. */
  formSigningKey(): Promise<Uint8Array>;
}

/** What the call-events consumer needs of the store. */
export type CallEventsStore = Pick<
  CallNowStore,
  'advanceCallRequest' | 'putExtensionPresence' | 'releaseDestination'
>;

export type HoldClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'held'; readonly holder: DestinationHold }
  | { readonly kind: 'limited'; readonly retryAfterSeconds: number }
  /** Taken and let go by others again and again while it was asked for: busy all the same. */
  | { readonly kind: 'contended' };

/** One request in progress per destination number: the hold says which. */
export interface DestinationHold {
  /** E.164. */
  readonly phone: string;
  readonly requestId: string;
  /** The page's CallNow ID in its lower-case form. */
  readonly callNowId: string;
  /** Who asked (see CallGuard); absent on holds written before it was recorded. */
  readonly requester?: string | undefined;
  readonly heldAt: string;
}

export interface CallRequestChange {
  readonly requestId: string;
  readonly status: CallState;
  readonly reason?: FailureReason;
  readonly at: string;
}

export type CallRequestAdvance =
  /** `request` is the request after the write; undefined only if the stored item no longer reads as a request. */
  | { readonly outcome: 'applied'; readonly request: CallRequest | undefined }
  /** `request` is the request as it stands, where the store could read it. */
  | { readonly outcome: 'stale'; readonly request?: CallRequest | undefined }
  | { readonly outcome: 'unknown' };

export interface CallRequestQueue {
  /** Sends to the call-requests queue of the message's site. */
  send(message: SiteQueueMessage): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export class RequestExistsError extends Error {
  constructor(requestId: string) {
    super(`call request ${requestId} already exists`);
    this.name = 'RequestExistsError';
  }
}
