// What the domain needs from the outside world. Lambda, the local stack and tests each supply their own.
import type { CallState, FailureReason } from '../../contracts/call-states.ts';
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import type { CallNowTarget, CallRequest, ExtensionPresenceRecord } from './model.ts';

export interface CallNowStore {
  /** The extension behind a CallNow ID with its owner chain and the server settings, or undefined if any is missing. */
  getCallNowTarget(callNowId: string): Promise<CallNowTarget | undefined>;
  /** Writes a new request; fails with RequestExistsError if the id is taken. */
  createCallRequest(request: CallRequest): Promise<void>;
  getCallRequest(requestId: string): Promise<CallRequest | undefined>;
  /**
   * Moves a request forward to `status` in one conditional write; a move that is not forward
   * (a duplicate or late message) changes nothing and answers `stale`.
   */
  advanceCallRequest(change: CallRequestChange): Promise<'applied' | 'stale' | 'unknown'>;
  /** Keeps the newest presence report of an extension; older reports change nothing. */
  putExtensionPresence(presence: ExtensionPresenceRecord): Promise<void>;
}

export interface CallRequestChange {
  readonly requestId: string;
  readonly status: CallState;
  readonly reason?: FailureReason;
  readonly at: string;
}

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
