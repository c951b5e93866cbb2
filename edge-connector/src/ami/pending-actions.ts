// The actions written and not yet answered: unique ActionIDs, a timeout on each, and one call to fail them all.

import { randomBytes } from 'node:crypto';
import { AmiActionTimeoutError, AmiInvalidActionError } from './errors.ts';
import type { AmiResponse } from './types.ts';

interface PendingAction {
  readonly action: string;
  readonly resolve: (response: AmiResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class PendingActions {
  readonly #entries = new Map<string, PendingAction>();
  readonly #onSettled: (actionId: string) => void;
  readonly #idPrefix = `cn${randomBytes(4).toString('hex')}`;
  #idCounter = 0;

  /** @param onSettled called once per action when it leaves the table (answered, timed out or failed) */
  constructor(onSettled: (actionId: string) => void = () => {}) {
    this.#onSettled = onSettled;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(actionId: string): boolean {
    return this.#entries.has(actionId);
  }

  /** A fresh ActionID, unique in this process (random prefix + counter) and not pending. */
  nextActionId(): string {
    let actionId: string;
    do {
      this.#idCounter += 1;
      actionId = `${this.#idPrefix}-${this.#idCounter}`;
    } while (this.#entries.has(actionId));
    return actionId;
  }

  /** Throws AmiInvalidActionError, synchronously, when the ActionID is already pending. */
  add(actionId: string, action: string, timeoutMs: number): Promise<AmiResponse> {
    if (this.#entries.has(actionId)) {
      throw new AmiInvalidActionError(`ActionID ${actionId} is already pending`);
    }
    return new Promise<AmiResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#take(actionId)?.reject(new AmiActionTimeoutError(action, actionId, timeoutMs));
      }, timeoutMs);
      this.#entries.set(actionId, { action, resolve, reject, timer });
    });
  }

  /** Resolves the action waiting for this response; false when none is (late, unknown or foreign ActionID). */
  settle(response: AmiResponse): boolean {
    const entry = this.#take(response.actionId);
    entry?.resolve(response);
    return entry !== undefined;
  }

  reject(actionId: string, error: Error): void {
    this.#take(actionId)?.reject(error);
  }

  rejectAll(errorFor: (action: string, actionId: string) => Error): void {
    for (const actionId of [...this.#entries.keys()]) {
      const entry = this.#take(actionId);
      entry?.reject(errorFor(entry.action, actionId));
    }
  }

  #take(actionId: string): PendingAction | undefined {
    const entry = this.#entries.get(actionId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.#entries.delete(actionId);
    this.#onSettled(actionId);
    return entry;
  }
}
