// An in-memory CallNowStore for unit tests, with the same forward-only rule as the DynamoDB store.
import { STATE_RANK } from '../../contracts/call-states.ts';
import type { CaptchaChallenge } from '../../functions/domain/captcha.ts';
import type { CallNowTarget, CallRequest, ExtensionPresenceRecord } from '../../functions/domain/model.ts';
import {
  type CallNowStore,
  type CallRequestAdvance,
  type CallRequestChange,
  type DestinationHold,
  type HoldClaim,
  RequestExistsError,
} from '../../functions/domain/ports.ts';
import { type LimitCheck, type LimitOutcome, windowStart } from '../../functions/domain/rate-limits.ts';

export class MemoryStore implements CallNowStore {
  readonly targets = new Map<string, CallNowTarget>();
  readonly requests = new Map<string, CallRequest>();
  /** Requests written but not revealed: getCallRequest does not see them. */
  readonly pending = new Set<string>();
  readonly presence = new Map<string, ExtensionPresenceRecord>();
  readonly captchas = new Map<string, CaptchaChallenge>();
  readonly counters = new Map<string, number>();
  readonly shields = new Map<string, string>();
  readonly holds = new Map<string, DestinationHold>();
  readonly formKey = new Uint8Array(32).fill(7);

  async getCallNowTarget(callNowId: string) {
    const target = this.targets.get(callNowId);
    const shieldedUntil = this.shields.get(callNowId);
    return target && shieldedUntil ? { ...target, shieldedUntil } : target;
  }

  async createCallRequest(request: CallRequest, _retentionDays: number) {
    if (this.requests.has(request.requestId)) throw new RequestExistsError(request.requestId);
    this.requests.set(request.requestId, request);
    this.pending.add(request.requestId);
  }

  async revealCallRequest(requestId: string, failure?: CallRequestChange) {
    if (failure) await this.advanceCallRequest(failure);
    this.pending.delete(requestId);
  }

  async discardCallRequest(requestId: string) {
    if (this.pending.delete(requestId)) this.requests.delete(requestId);
  }

  async getCallRequest(requestId: string) {
    return this.pending.has(requestId) ? undefined : this.requests.get(requestId);
  }

  async advanceCallRequest({
    requestId,
    status,
    reason,
    at,
  }: CallRequestChange): Promise<CallRequestAdvance> {
    const request = this.requests.get(requestId);
    if (!request) return { outcome: 'unknown' };
    if (STATE_RANK[status] <= STATE_RANK[request.status]) return { outcome: 'stale', request };
    const statusTimes = { ...request.statusTimes, [status]: at };
    const advanced = { ...request, status, ...(reason ? { reason } : {}), statusTimes };
    this.requests.set(requestId, advanced);
    this.pending.delete(requestId);
    return { outcome: 'applied', request: advanced };
  }

  async putExtensionPresence(presence: ExtensionPresenceRecord) {
    const key = `${presence.siteId}#${presence.extension}`;
    const known = this.presence.get(key);
    if (!known || known.at < presence.at) this.presence.set(key, presence);
  }

  async getExtensionPresence(siteId: string, extension: string) {
    return this.presence.get(`${siteId}#${extension}`);
  }

  async putCaptchaChallenge(challenge: CaptchaChallenge) {
    if (this.captchas.has(challenge.challengeId)) throw new Error(`captcha ${challenge.challengeId} exists`);
    this.captchas.set(challenge.challengeId, challenge);
  }

  async takeCaptchaChallenge(challengeId: string) {
    const challenge = this.captchas.get(challengeId);
    this.captchas.delete(challengeId);
    return challenge;
  }

  async hit({ subject, limit, windowSeconds }: LimitCheck, nowMs: number): Promise<LimitOutcome> {
    const start = windowStart(nowMs, windowSeconds);
    const key = `${subject}@${start}`;
    const hits = this.counters.get(key) ?? 0;
    if (hits >= limit) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil(start + windowSeconds - nowMs / 1000)),
      };
    }
    this.counters.set(key, hits + 1);
    return { allowed: true };
  }

  async raiseShield(callNowId: string, until: string) {
    this.shields.set(callNowId, until);
  }

  /** The number's calls count in `counters` under the limit's subject, as the limits do; the hold decides them. */
  async claimDestination(hold: DestinationHold, limit: LimitCheck, nowMs: number): Promise<HoldClaim> {
    const holder = this.holds.get(hold.phone);
    if (holder) return { kind: 'held', holder };
    return this.take(hold, limit, nowMs);
  }

  async replaceDestinationHold(
    hold: DestinationHold,
    previousRequestId: string,
    limit: LimitCheck,
    nowMs: number,
  ): Promise<HoldClaim> {
    const holder = this.holds.get(hold.phone);
    if (holder && holder.requestId !== previousRequestId) return { kind: 'held', holder };
    return this.take(hold, limit, nowMs);
  }

  async releaseDestination(
    phone: string,
    requestId: string,
    uncount?: { readonly limit: LimitCheck; readonly nowMs: number },
  ) {
    if (this.holds.get(phone)?.requestId !== requestId) return;
    this.holds.delete(phone);
    if (!uncount) return;
    const key = `${uncount.limit.subject}@${windowStart(uncount.nowMs, uncount.limit.windowSeconds)}`;
    const hits = this.counters.get(key) ?? 0;
    if (hits > 0) this.counters.set(key, hits - 1);
  }

  private async take(hold: DestinationHold, limit: LimitCheck, nowMs: number): Promise<HoldClaim> {
    const counted = await this.hit(limit, nowMs);
    if (!counted.allowed) return { kind: 'limited', retryAfterSeconds: counted.retryAfterSeconds };
    this.holds.set(hold.phone, hold);
    return { kind: 'claimed' };
  }

  async formSigningKey() {
    return this.formKey;
  }
}
