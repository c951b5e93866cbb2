// The calls this connector follows: the pure tracker's updates turned into reports and journal entries, each
// call's log and expiry, and the safety timer that ends a call AMI went silent on.
import { isTerminal } from '../../contracts/call-states.ts';
import type { StatusUpdate } from './call-phases.ts';
import type { CallTracker } from './call-tracker.ts';
import type { ChangeSignal } from './change-signal.ts';
import type { EventsReporter } from './events-reporter.ts';
import { type ConnectorLogger, describeError } from './log.ts';
import type { ConnectorMetrics } from './metrics.ts';
import type { FinalOutcome, RequestJournal } from './request-journal.ts';

/** What the connector keeps about a request while its call is followed. */
export interface CallContext {
  readonly log: ConnectorLogger;
  readonly expiresAt: string;
}

export interface CallBookDeps {
  readonly tracker: CallTracker;
  readonly journal: RequestJournal;
  readonly reporter: EventsReporter;
  readonly log: ConnectorLogger;
  readonly now: () => number;
  readonly metrics: ConnectorMetrics;
  readonly changes: ChangeSignal;
}

export class CallBook {
  readonly tracker: CallTracker;
  readonly #contexts = new Map<string, CallContext>();
  #setupProblemLogged = false;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #deadlineTimerAt: number | undefined;

  constructor(private readonly deps: CallBookDeps) {
    this.tracker = deps.tracker;
  }

  logFor(requestId: string): ConnectorLogger {
    return this.#contexts.get(requestId)?.log ?? this.deps.log.child({ requestId });
  }

  follow(requestId: string, context: CallContext): void {
    this.#contexts.set(requestId, context);
  }

  forget(requestId: string): void {
    this.#contexts.delete(requestId);
  }

  /** Counts a request's final status once, when it is decided (not when it is sent again). */
  countFinal(update: StatusUpdate): void {
    this.deps.metrics.finalStatuses.inc(
      update.status === 'failed' ? { status: 'failed', reason: update.reason } : { status: update.status },
    );
  }

  /** Once per process: every such call ends the same way until the PBX is fixed, and one line says how. */
  #logSetupProblem(log: ConnectorLogger): void {
    if (this.#setupProblemLogged) return;
    this.#setupProblemLogged = true;
    log.error(
      'Asterisk cannot play the confirmation prompt, so calls with confirmation fail: install its core sounds ' +
        '(vm-press and digits/0, e.g. the asterisk-core-sounds-en package) or set CALLNOW_CONFIRM_PROMPT to a ' +
        'sound that exists; `callnow-connector doctor` checks it',
    );
  }

  /** Reports the tracker's updates, notes them in the journal, and re-arms the safety timer. */
  apply(updates: readonly StatusUpdate[]): void {
    const { journal, reporter, metrics, now } = this.deps;
    for (const update of updates) {
      const requestLog = this.logFor(update.requestId);
      if (!isTerminal(update.status)) {
        journal.progress(update.requestId, { reported: update.status });
        void reporter.report(update, requestLog);
        continue;
      }
      this.countFinal(update);
      if (update.status === 'failed' && update.reason === 'pbx_misconfigured')
        this.#logSetupProblem(requestLog);
      const expiresAt = this.#contexts.get(update.requestId)?.expiresAt ?? new Date(now()).toISOString();
      this.#contexts.delete(update.requestId);
      journal.decide(update.requestId, expiresAt, outcomeOf(update)).catch((error: unknown) => {
        metrics.journalErrors.inc();
        requestLog.error('could not note the outcome of a call in the journal', describeError(error));
      });
      void reporter.reportFinal(update, requestLog, true);
    }
    for (const { requestId, channel } of this.tracker.takeLearnedChannels()) {
      journal.progress(requestId, { channel });
    }
    this.scheduleDeadline();
    if (updates.length > 0) this.deps.changes.notify();
  }

  scheduleDeadline(): void {
    const deadlineAt = this.tracker.nextDeadlineAt();
    if (deadlineAt === this.#deadlineTimerAt) return;
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#deadlineTimerAt = deadlineAt;
    if (deadlineAt === undefined) return;
    this.#deadlineTimer = setTimeout(() => this.endOverdue(), Math.max(0, deadlineAt - this.deps.now()));
    this.#deadlineTimer.unref();
  }

  stop(): void {
    clearTimeout(this.#deadlineTimer);
  }

  /**
   * At start: sends the final statuses decided before a restart, and follows again the calls the journal has as
   * going on (`watch` starts their extensions' presence). Answers how many calls it follows again.
   */
  resume(watch: (extension: string) => void): number {
    const { journal, reporter, log, now } = this.deps;
    for (const decided of journal.unreported()) {
      const requestLog = log.child({ requestId: decided.requestId });
      requestLog.info('sending a final status decided before the restart');
      void reporter.reportFinal({ requestId: decided.requestId, ...decided.outcome }, requestLog, true);
    }
    const resumed = journal.unfinished();
    for (const entry of resumed) {
      const requestLog = log.child({ requestId: entry.requestId, extension: entry.extensionNumber });
      const { requestId, actionId, extensionChannel, confirm, ringSeconds, channel } = entry;
      const progress = {
        reported: entry.reported,
        startedAt: entry.claimedAt,
        ...(channel === undefined ? {} : { channel }),
      };
      this.tracker.resume({ requestId, actionId, extensionChannel, confirm, ringSeconds }, progress, now());
      this.follow(requestId, { log: requestLog, expiresAt: entry.expiresAt });
      watch(entry.extensionNumber);
      requestLog.info('following again a call from before the restart', {
        reported: entry.reported,
        channel,
      });
    }
    this.scheduleDeadline();
    return resumed.length;
  }

  private endOverdue(): void {
    this.#deadlineTimer = undefined;
    this.#deadlineTimerAt = undefined;
    const updates = this.tracker.expireDue(this.deps.now());
    for (const update of updates) {
      this.logFor(update.requestId).warn('call ended by its safety timer: nothing more came from AMI', {
        status: update.status,
        reason: update.status === 'failed' ? update.reason : undefined,
      });
    }
    this.apply(updates);
  }
}

export function outcomeOf(update: StatusUpdate): FinalOutcome {
  return update.status === 'failed' ? { status: 'failed', reason: update.reason } : { status: 'completed' };
}
