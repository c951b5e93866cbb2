// An in-memory CallNowStore for unit tests, with the same forward-only rule as the DynamoDB store.
import { STATE_RANK } from '../../contracts/call-states.ts';
import type { CaptchaChallenge } from '../../functions/domain/captcha.ts';
import type { CallNowTarget, CallRequest, ExtensionPresenceRecord } from '../../functions/domain/model.ts';
import {
  type CallNowStore,
  type CallRequestChange,
  RequestExistsError,
} from '../../functions/domain/ports.ts';

export class MemoryStore implements CallNowStore {
  readonly targets = new Map<string, CallNowTarget>();
  readonly requests = new Map<string, CallRequest>();
  readonly presence = new Map<string, ExtensionPresenceRecord>();
  readonly captchas = new Map<string, CaptchaChallenge>();

  async getCallNowTarget(callNowId: string) {
    return this.targets.get(callNowId);
  }

  async createCallRequest(request: CallRequest) {
    if (this.requests.has(request.requestId)) throw new RequestExistsError(request.requestId);
    this.requests.set(request.requestId, request);
  }

  async getCallRequest(requestId: string) {
    return this.requests.get(requestId);
  }

  async advanceCallRequest({ requestId, status, reason, at }: CallRequestChange) {
    const request = this.requests.get(requestId);
    if (!request) return 'unknown' as const;
    if (STATE_RANK[status] <= STATE_RANK[request.status]) return 'stale' as const;
    const statusTimes = { ...request.statusTimes, [status]: at };
    this.requests.set(requestId, { ...request, status, ...(reason ? { reason } : {}), statusTimes });
    return 'applied' as const;
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
}
