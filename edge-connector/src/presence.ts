// Extension presence for the cloud: Asterisk hint states mapped to idle / ringing / in_use / unavailable, and sent
// coalesced: at most one message per extension per interval, the last state wins, and no message when nothing changed.
import type { PresenceState } from '../../contracts/messages.ts';

/** Hint state bits of ExtensionState / ExtensionStatus (`Status`): 1 InUse, 2 Busy, 4 Unavailable, 8 Ringing, 16 OnHold. */
const IN_USE = 1;
const BUSY = 2;
const UNAVAILABLE = 4;
const RINGING = 8;
const ON_HOLD = 16;

/** undefined for -1 (no hint for it) and -2 (removed), or anything that is not a hint state. */
export function presenceFromHintStatus(status: string | undefined): PresenceState | undefined {
  if (status === undefined || !/^-?\d+$/.test(status)) return undefined;
  const value = Number(status);
  if (value < 0) return undefined;
  if (value === 0) return 'idle';
  if (value & UNAVAILABLE) return 'unavailable';
  if (value & (IN_USE | BUSY | ON_HOLD)) return 'in_use';
  if (value & RINGING) return 'ringing';
  return undefined;
}

/** "Not while I am on the phone": in a call, busy or holding one. A phone that only rings is not on the phone. */
export function isOnThePhone(status: string | undefined): boolean {
  if (status === undefined || !/^\d+$/.test(status)) return false;
  return (Number(status) & (IN_USE | BUSY | ON_HOLD)) !== 0;
}

export interface PresenceReporterOptions {
  /** Sends one extension.presence message; a rejection is retried later with the then latest state. */
  readonly send: (extension: string, state: PresenceState) => Promise<void>;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** After a failed send. @default 5000 */
  readonly retryMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface ExtensionPresenceState {
  sent: PresenceState | undefined;
  sentAt: number;
  latest: PresenceState | undefined;
  timer: NodeJS.Timeout | undefined;
  sending: boolean;
}

export class PresenceReporter {
  readonly #send: (extension: string, state: PresenceState) => Promise<void>;
  readonly #intervalMs: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #extensions = new Map<string, ExtensionPresenceState>();
  #stopped = false;

  constructor(options: PresenceReporterOptions) {
    this.#send = options.send;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#retryMs = options.retryMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /** Starts reporting an extension's presence; true when it was not watched yet. */
  watch(extension: string): boolean {
    if (this.#extensions.has(extension)) return false;
    this.#extensions.set(extension, {
      sent: undefined,
      sentAt: Number.NEGATIVE_INFINITY,
      latest: undefined,
      timer: undefined,
      sending: false,
    });
    return true;
  }

  isWatched(extension: string): boolean {
    return this.#extensions.has(extension);
  }

  watched(): string[] {
    return [...this.#extensions.keys()];
  }

  /** The extension's state now; sent at once if the interval allows, else at its end if still different. */
  update(extension: string, state: PresenceState): void {
    const entry = this.#extensions.get(extension);
    if (!entry || this.#stopped) return;
    entry.latest = state;
    this.#schedule(extension, entry, 0);
  }

  stop(): void {
    this.#stopped = true;
    for (const entry of this.#extensions.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
  }

  #schedule(extension: string, entry: ExtensionPresenceState, minimumDelayMs: number): void {
    if (entry.timer !== undefined || entry.sending) return;
    // Even when the interval allows, wait for the end of this turn: AMI delivers a burst of events in one read.
    const waitMs = Math.max(minimumDelayMs, entry.sentAt + this.#intervalMs - this.#now(), 0);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.#flush(extension, entry);
    }, waitMs);
    entry.timer.unref();
  }

  async #flush(extension: string, entry: ExtensionPresenceState): Promise<void> {
    const state = entry.latest;
    if (this.#stopped || state === undefined || state === entry.sent) return;
    entry.sending = true;
    entry.sentAt = this.#now();
    let failed = false;
    try {
      await this.#send(extension, state);
      entry.sent = state;
    } catch {
      failed = true;
    } finally {
      entry.sending = false;
    }
    // A newer state came while sending, or the send failed: try again after the interval.
    if (entry.latest !== entry.sent) this.#schedule(extension, entry, failed ? this.#retryMs : 0);
  }
}
