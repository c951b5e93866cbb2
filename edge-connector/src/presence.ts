// Extension presence for the cloud: Asterisk hint states mapped to idle / ringing / in_use / unavailable, and sent
// coalesced: at most one message per extension per interval, the last state wins, and no message when nothing changed,
// except that an unchanged state is sent again every refresh period, before the cloud takes it as stale.
import type { PresenceState } from '../../contracts/messages.ts';
import { DEFAULT_PRESENCE_REFRESH_SECONDS } from './config.ts';

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
  /**
   * An extension whose state has not changed for this long has it sent again: the cloud takes presence older
   * than 300 s as unknown (PRESENCE_FRESH_SECONDS), so an owner on a long call would read as free.
   * @default DEFAULT_PRESENCE_REFRESH_SECONDS (120 s)
   */
  readonly refreshMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface ExtensionPresenceState {
  sent: PresenceState | undefined;
  /** When the last send began (successful or not): the interval counts from it. */
  sentAt: number;
  /** When the last send that reached the cloud began: the refresh counts from it. */
  confirmedAt: number;
  latest: PresenceState | undefined;
  timer: NodeJS.Timeout | undefined;
  sending: boolean;
  refreshTimer: NodeJS.Timeout | undefined;
  /** The refresh period is over: the latest state goes out even if it is the one last sent. */
  refreshDue: boolean;
}

export class PresenceReporter {
  readonly #send: (extension: string, state: PresenceState) => Promise<void>;
  readonly #intervalMs: number;
  readonly #retryMs: number;
  readonly #refreshMs: number;
  readonly #now: () => number;
  readonly #extensions = new Map<string, ExtensionPresenceState>();
  #stopped = false;

  constructor(options: PresenceReporterOptions) {
    this.#send = options.send;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#retryMs = options.retryMs ?? 5000;
    this.#refreshMs = options.refreshMs ?? DEFAULT_PRESENCE_REFRESH_SECONDS * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Starts reporting an extension's presence; true when it was not watched yet. */
  watch(extension: string): boolean {
    if (this.#extensions.has(extension)) return false;
    this.#extensions.set(extension, {
      sent: undefined,
      sentAt: Number.NEGATIVE_INFINITY,
      confirmedAt: Number.NEGATIVE_INFINITY,
      latest: undefined,
      timer: undefined,
      sending: false,
      refreshTimer: undefined,
      refreshDue: false,
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
      clearTimeout(entry.refreshTimer);
      entry.refreshTimer = undefined;
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

  /** The state the cloud has goes out again a refresh period after it last reached it, unless a change goes first. */
  #scheduleRefresh(extension: string, entry: ExtensionPresenceState): void {
    clearTimeout(entry.refreshTimer);
    entry.refreshTimer = undefined;
    if (this.#stopped || entry.sent === undefined) return;
    const waitMs = Math.max(0, entry.confirmedAt + this.#refreshMs - this.#now());
    entry.refreshTimer = setTimeout(() => {
      entry.refreshTimer = undefined;
      entry.refreshDue = true;
      // No burst to wait for here: sent now, unless a send is under way or the interval says later.
      const idle = entry.timer === undefined && !entry.sending;
      if (idle && this.#now() >= entry.sentAt + this.#intervalMs) void this.#flush(extension, entry);
      else this.#schedule(extension, entry, 0);
    }, waitMs);
    entry.refreshTimer.unref();
  }

  async #flush(extension: string, entry: ExtensionPresenceState): Promise<void> {
    const state = entry.latest;
    if (this.#stopped || state === undefined) return;
    if (state === entry.sent && !entry.refreshDue) {
      // A burst that ended where it started: the cloud has this state already, its refresh is what is left.
      this.#scheduleRefresh(extension, entry);
      return;
    }
    const refreshing = state === entry.sent;
    entry.sending = true;
    entry.refreshDue = false;
    const startedAt = this.#now();
    entry.sentAt = startedAt;
    let failed = false;
    try {
      await this.#send(extension, state);
      entry.sent = state;
      entry.confirmedAt = startedAt;
      // Whatever went out counts as the refresh, even if its period ended while it was sent.
      entry.refreshDue = false;
    } catch {
      failed = true;
      if (refreshing) entry.refreshDue = true;
    } finally {
      entry.sending = false;
    }
    // A newer state came while sending, or the send failed: try again after the interval.
    if (entry.latest !== entry.sent || entry.refreshDue) {
      this.#schedule(extension, entry, failed ? this.#retryMs : 0);
    } else {
      this.#scheduleRefresh(extension, entry);
    }
  }
}
