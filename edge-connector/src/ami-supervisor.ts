// Watches the AMI connection and Asterisk itself: a shutdown or a restart ends the calls it took down; a lost
// connection leaves calls unverified for a grace period, then ends them; when AMI is back, each call still
// followed is checked, and presence is read again. It also reads extension states for presence and for
// "not while on the phone".
import { isTerminal } from '../../contracts/call-states.ts';
import type { PresenceState } from '../../contracts/messages.ts';
import { AmiNotReadyError } from './ami/errors.ts';
import type { AmiClient, AmiConnectionStatus, AmiEvent } from './ami/types.ts';
import type { CallBook } from './call-book.ts';
import type { StatusUpdate } from './call-phases.ts';
import type { ChangeSignal } from './change-signal.ts';
import { type ConnectorLogger, describeError } from './log.ts';
import type { ConnectorMetrics } from './metrics.ts';
import { isOnThePhone, type PresenceReporter, presenceFromHintStatus } from './presence.ts';

/** AST_SOFTHANGUP_SHUTDOWN: the `Cause` of the SoftHangupRequest that `core restart|stop now` sends each channel first (f2). */
const SOFT_HANGUP_SHUTDOWN = 4;

export interface AmiSupervisorDeps {
  readonly ami: AmiClient;
  readonly book: CallBook;
  readonly presence: PresenceReporter;
  readonly log: ConnectorLogger;
  readonly now: () => number;
  readonly metrics: ConnectorMetrics;
  readonly changes: ChangeSignal;
  readonly hintContext: string;
  readonly extensionStateTimeoutMs: number;
  /** After AMI is lost without Asterisk saying Shutdown, how long calls in flight wait for it to come back. */
  readonly amiLossGraceMs: number;
  readonly isStopping: () => boolean;
}

export class AmiSupervisor {
  #status: AmiConnectionStatus;
  #everReady: boolean;
  #shutdownAnnounced = false;
  #asteriskBootedAt: number | undefined;
  #lossTimer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(private readonly deps: AmiSupervisorDeps) {
    this.#status = deps.ami.status;
    this.#everReady = this.#status === 'ready';
  }

  get status(): AmiConnectionStatus {
    return this.#status;
  }

  get ready(): boolean {
    return this.#status === 'ready';
  }

  start(): void {
    const { ami, log } = this.deps;
    this.#unsubscribe.push(
      ami.onEvent((event) => {
        try {
          this.onEvent(event);
        } catch (error) {
          log.error('handling an AMI event failed', { event: event.name, ...describeError(error) });
        }
      }),
      ami.onStatus((status) => this.onStatus(status)),
    );
    if (this.ready) void this.amiReady();
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    clearTimeout(this.#lossTimer);
  }

  /** Starts reporting an extension's presence the first time a request names it. */
  watchExtension(extension: string): void {
    if (this.deps.presence.watch(extension) && this.ready) void this.refreshPresence([extension]);
  }

  /** Whether the extension is on the phone now, by its hint; `not_ready` when AMI went away meanwhile. */
  async checkOnThePhone(
    extension: string,
    requestLog: ConnectorLogger,
  ): Promise<'on_the_phone' | 'free' | 'not_ready'> {
    const { ami, hintContext, extensionStateTimeoutMs, presence } = this.deps;
    let status: string | undefined;
    try {
      const response = await ami.send(
        { Action: 'ExtensionState', Exten: extension, Context: hintContext },
        { timeoutMs: extensionStateTimeoutMs },
      );
      if (response.response !== 'Success') {
        requestLog.error(
          'Asterisk refused ExtensionState, so "not while on the phone" cannot be checked: dialling anyway ' +
            '(the AMI user needs write = originate,reporting)',
          { refusal: response.message },
        );
        return 'free';
      }
      status = response.fields.status;
    } catch (error) {
      if (error instanceof AmiNotReadyError || !this.ready) return 'not_ready';
      requestLog.warn(
        'ExtensionState got no answer: dialling without knowing whether the extension is busy',
        {
          ...describeError(error),
        },
      );
      return 'free';
    }
    const state = presenceFromHintStatus(status);
    if (state) presence.update(extension, state);
    if (status === '-1') {
      requestLog.warn(
        `no hint for extension ${extension} in context ${hintContext}: cannot tell whether it is on the phone ` +
          '(set EXTENSION_HINT_CONTEXT to the context of its hint)',
      );
    }
    return isOnThePhone(status) ? 'on_the_phone' : 'free';
  }

  private onEvent(event: AmiEvent): void {
    const { book, presence, hintContext, now } = this.deps;
    switch (event.name) {
      case 'Shutdown':
        this.#shutdownAnnounced = true;
        break;
      case 'SoftHangupRequest':
        // Asterisk hangs every channel up before it says Shutdown, and the dialplan's hangup handlers then report
        // ordinary-looking ends (ANSWER, CANCEL): the calls did not end, the PBX ended them.
        if (Number(event.fields.cause) === SOFT_HANGUP_SHUTDOWN) {
          this.#shutdownAnnounced = true;
          this.endCallsForShutdown();
        }
        break;
      case 'FullyBooted': {
        const uptimeSeconds = Number(event.fields.uptime);
        if (event.fields.uptime !== undefined && Number.isFinite(uptimeSeconds)) {
          this.#asteriskBootedAt = now() - uptimeSeconds * 1000;
        }
        break;
      }
      case 'ExtensionStatus': {
        const extension = event.fields.exten ?? '';
        const state = presenceFromHintStatus(event.fields.status);
        if (state && event.fields.context === hintContext && presence.isWatched(extension)) {
          presence.update(extension, state);
        }
        break;
      }
    }
    book.apply(book.tracker.handleEvent(event, now()));
  }

  private onStatus(status: AmiConnectionStatus): void {
    const { ami, log, metrics, changes } = this.deps;
    const previous = this.#status;
    this.#status = status;
    if (status === previous) return;
    const lastError = ami.lastError?.message;
    (previous === 'ready' || status === 'closed' ? log.warn : log.info)('AMI connection status changed', {
      from: previous,
      to: status,
      ...(lastError === undefined || status === 'ready' ? {} : { lastError }),
    });
    if (previous === 'ready') this.amiLost();
    if (status === 'ready') {
      if (this.#everReady) metrics.amiReconnects.inc();
      this.#everReady = true;
      void this.amiReady();
    }
    changes.notify();
  }

  /** Asterisk is restarting or stopping now: it hangs up every call (f1, f2), so each ends failed/pbx_unavailable. */
  private endCallsForShutdown(): void {
    const updates = this.deps.book.tracker.asteriskStopped();
    const ended = updates.filter((update) => isTerminal(update.status));
    this.endWithWarning(
      updates,
      'Asterisk is shutting down during calls: they end as failed/pbx_unavailable',
      {
        requestIds: ended.map((update) => update.requestId),
      },
    );
  }

  private amiLost(): void {
    const { book, presence, amiLossGraceMs } = this.deps;
    if (this.#shutdownAnnounced) {
      this.#shutdownAnnounced = false;
      this.endCallsForShutdown();
    } else {
      // A crash (f5) or only the socket: the calls may go on. They are checked when AMI is back.
      book.tracker.connectionLost();
    }
    this.#asteriskBootedAt = undefined;
    clearTimeout(this.#lossTimer);
    this.#lossTimer = setTimeout(() => {
      this.#lossTimer = undefined;
      if (this.ready) return;
      const updates = book.tracker.endUnverified();
      this.endWithWarning(updates, 'AMI stayed away: calls in flight end as failed/pbx_unavailable', {
        requestIds: updates.map((update) => update.requestId),
        graceMs: amiLossGraceMs,
      });
      for (const extension of presence.watched()) presence.update(extension, 'unavailable');
    }, amiLossGraceMs);
    this.#lossTimer.unref();
  }

  /** AMI is (back) up: settle the calls whose events may have been missed, and refresh presence. */
  private async amiReady(): Promise<void> {
    clearTimeout(this.#lossTimer);
    this.#lossTimer = undefined;
    const { book } = this.deps;
    if (this.#asteriskBootedAt !== undefined) {
      const updates = book.tracker.asteriskBootedAt(this.#asteriskBootedAt);
      const message = 'Asterisk restarted while calls were in flight: they end as failed/pbx_unavailable';
      this.endWithWarning(updates, message, { requestIds: updates.map((update) => update.requestId) });
    }
    for (const { requestId, channel } of book.tracker.callsToVerify()) {
      if (!this.ready) return;
      await this.verify(requestId, channel);
    }
    await this.refreshPresence(this.deps.presence.watched());
  }

  /** Asks Asterisk whether the call's channel is still this request's; a channel gone means the call ended. */
  private async verify(requestId: string, channel: string): Promise<void> {
    const { ami, book, extensionStateTimeoutMs } = this.deps;
    const requestLog = book.logFor(requestId);
    try {
      const response = await ami.send(
        { Action: 'Getvar', Channel: channel, Variable: 'CALLNOW_REQUEST_ID' },
        { timeoutMs: extensionStateTimeoutMs },
      );
      const alive = response.response === 'Success' && response.fields.value === requestId;
      if (!alive && response.response !== 'Success' && !/no such channel/i.test(response.message ?? '')) {
        requestLog.warn('could not check whether a call is still up', { refusal: response.message });
        return;
      }
      requestLog.info(alive ? 'call still up after AMI came back' : 'call ended while AMI was away', {
        channel,
      });
      book.apply(book.tracker.verified(requestId, alive));
    } catch (error) {
      requestLog.warn('could not check whether a call is still up', describeError(error));
    }
  }

  private async refreshPresence(extensions: readonly string[]): Promise<void> {
    const { ami, presence, hintContext, extensionStateTimeoutMs, log } = this.deps;
    for (const extension of extensions) {
      if (!this.ready || this.deps.isStopping()) return;
      try {
        const response = await ami.send(
          { Action: 'ExtensionState', Exten: extension, Context: hintContext },
          { timeoutMs: extensionStateTimeoutMs },
        );
        const state: PresenceState | undefined = presenceFromHintStatus(response.fields.status);
        if (state) presence.update(extension, state);
      } catch (error) {
        log.debug('could not read an extension state for presence', { extension, ...describeError(error) });
      }
    }
  }

  /** Applies updates that end calls the PBX took down, saying so when there are any. */
  private endWithWarning(
    updates: readonly StatusUpdate[],
    message: string,
    fields: Record<string, unknown>,
  ): void {
    if (updates.length > 0) this.deps.log.warn(message, fields);
    this.deps.book.apply(updates);
  }
}
