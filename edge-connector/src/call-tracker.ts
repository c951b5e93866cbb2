// Follows each originated call through AMI events and says which call.status to report, forward only, one end each.
// Pure: no timers, no I/O. The caller passes the time and asks for due deadlines (`expireDue`), so tests use fake time.
import {
  type FailureReason,
  isForwardTransition,
  isTerminal,
  type ReportedState,
} from '../../contracts/call-states.ts';
import type { AmiEvent } from './ami/types.ts';
import {
  AMBIGUOUS_REASONS,
  type CallNowStage,
  type CallRecord,
  type CallTimingOptions,
  endingOf,
  HANGUP_CAUSE_USER_BUSY,
  PHASE_OF_REPORTED,
  PHASE_RANK,
  type Phase,
  phaseAllowanceMs,
  REASON_BUSY,
  REASON_NO_ANSWER,
  type ResumedProgress,
  type StatusUpdate,
  type TrackedCall,
  type Waits,
  waitsOf,
} from './call-phases.ts';

export class CallAlreadyTrackedError extends Error {
  constructor(readonly requestId: string) {
    super(`request ${requestId} is already being followed`);
    this.name = 'CallAlreadyTrackedError';
  }
}

function field(event: AmiEvent, name: string): string {
  return event.fields[name] ?? '';
}

export class CallTracker {
  readonly #calls = new Map<string, CallRecord>();
  readonly #byActionId = new Map<string, CallRecord>();
  readonly #waits: Waits;
  readonly #bootClockSlackMs: number;
  #learnedChannels: Array<{ readonly requestId: string; readonly channel: string }> = [];

  constructor(timing: CallTimingOptions = {}) {
    this.#waits = waitsOf(timing);
    this.#bootClockSlackMs = timing.bootClockSlackMs ?? 2000;
  }

  get size(): number {
    return this.#calls.size;
  }

  has(requestId: string): boolean {
    return this.#calls.has(requestId);
  }

  requestIds(): string[] {
    return [...this.#calls.keys()];
  }

  /**
   * Starts following a call. Call it before sending the Originate: its first events can beat the response.
   * @throws CallAlreadyTrackedError when the request is already being followed
   */
  track(call: TrackedCall, nowMs: number): void {
    if (this.#calls.has(call.requestId)) throw new CallAlreadyTrackedError(call.requestId);
    const record: CallRecord = {
      call,
      phase: 'originating',
      reported: 'queued',
      deadlineAt: nowMs + phaseAllowanceMs(this.#waits, call, 'originating'),
      busySeen: false,
      startedAt: nowMs,
      unverified: false,
    };
    this.#calls.set(call.requestId, record);
    this.#byActionId.set(call.actionId, record);
  }

  /**
   * Follows again a call that an earlier run of the connector had originated and not seen to its end. Its events
   * may have been missed, so it is unverified until one arrives or `verified` says it is still up; its safety timer
   * starts now, from the phase its last reported status implies.
   * @throws CallAlreadyTrackedError when the request is already being followed
   */
  resume(call: TrackedCall, progress: ResumedProgress, nowMs: number): void {
    if (this.#calls.has(call.requestId)) throw new CallAlreadyTrackedError(call.requestId);
    let phase = PHASE_OF_REPORTED[progress.reported];
    if (progress.channel !== undefined && PHASE_RANK[phase] < PHASE_RANK.extension_answered) {
      phase = 'extension_answered';
    }
    const record: CallRecord = {
      call,
      phase,
      reported: isTerminal(progress.reported) ? 'connected' : progress.reported,
      deadlineAt: 0,
      busySeen: false,
      startedAt: progress.startedAt,
      unverified: true,
      ...(progress.channel === undefined ? {} : { channel: progress.channel }),
    };
    record.deadlineAt = nowMs + phaseAllowanceMs(this.#waits, record.call, phase);
    this.#calls.set(call.requestId, record);
    this.#byActionId.set(call.actionId, record);
  }

  /** The channels learned since the last call (for the journal), oldest first. */
  takeLearnedChannels(): Array<{ readonly requestId: string; readonly channel: string }> {
    const learned = this.#learnedChannels;
    this.#learnedChannels = [];
    return learned;
  }

  /** Forgets a call without reporting anything, e.g. when its Originate was never written and the request will be retried. */
  untrack(requestId: string): void {
    const record = this.#calls.get(requestId);
    if (record) this.#forget(record);
  }

  /** Asterisk answered the Originate with `Response: Success`: it is ringing the extension. */
  originateAccepted(requestId: string, nowMs: number): StatusUpdate[] {
    const record = this.#calls.get(requestId);
    if (!record) return [];
    const updates: StatusUpdate[] = [];
    this.#ensureDialing(record, nowMs, updates);
    return updates;
  }

  /** The call could not be started or followed (Originate refused, unsafe value, lost response). */
  fail(requestId: string, reason: FailureReason): StatusUpdate[] {
    const record = this.#calls.get(requestId);
    if (!record) return [];
    const updates: StatusUpdate[] = [];
    this.#end(record, updates, reason);
    return updates;
  }

  handleEvent(event: AmiEvent, nowMs: number): StatusUpdate[] {
    if (this.#calls.size === 0) return [];
    const updates: StatusUpdate[] = [];
    switch (event.name) {
      case 'OriginateResponse':
        this.#onOriginateResponse(event, nowMs, updates);
        break;
      case 'UserEvent':
        if (field(event, 'userevent') === 'CallNow') this.#onCallNowEvent(event, nowMs, updates);
        break;
      case 'DialEnd':
        if (field(event, 'dialstatus') === 'BUSY') {
          this.#onBusyEvidence([field(event, 'destchannel'), field(event, 'channel')], updates);
        }
        break;
      case 'Hangup':
        if (field(event, 'cause') === HANGUP_CAUSE_USER_BUSY)
          this.#onBusyEvidence([field(event, 'channel')], updates);
        break;
    }
    return updates;
  }

  /**
   * Asterisk said `Shutdown` (a restart or stop, fixtures f1 and f2): it hangs up every call, so each call in flight,
   * connected or not, ends `failed/pbx_unavailable`.
   */
  asteriskStopped(): StatusUpdate[] {
    const updates: StatusUpdate[] = [];
    for (const record of [...this.#calls.values()]) this.#end(record, updates, 'pbx_unavailable');
    return updates;
  }

  /**
   * The AMI connection dropped without a `Shutdown`: Asterisk crashed (f5), or only the socket went (the calls go
   * on). Events may be missed from now on, so every call is unverified until an event, `asteriskBootedAt` or
   * `verified` settles it, or `endUnverified` gives up on it.
   */
  connectionLost(): void {
    for (const record of this.#calls.values()) record.unverified = true;
  }

  /**
   * A new AMI session said when Asterisk started (now - FullyBooted's Uptime). An unverified call that began before
   * that did not survive the restart: `failed/pbx_unavailable`.
   */
  asteriskBootedAt(bootedAtMs: number): StatusUpdate[] {
    const updates: StatusUpdate[] = [];
    for (const record of [...this.#calls.values()]) {
      if (record.unverified && record.startedAt < bootedAtMs - this.#bootClockSlackMs) {
        this.#end(record, updates, 'pbx_unavailable');
      }
    }
    return updates;
  }

  /** Unverified calls whose channel is known, to ask Asterisk whether it still exists. */
  callsToVerify(): Array<{ readonly requestId: string; readonly channel: string }> {
    const calls: Array<{ readonly requestId: string; readonly channel: string }> = [];
    for (const record of this.#calls.values()) {
      if (record.unverified && record.channel !== undefined) {
        calls.push({ requestId: record.call.requestId, channel: record.channel });
      }
    }
    return calls;
  }

  /**
   * Asterisk said whether the call's channel still exists. Up: followed as before. Gone while Asterisk ran on: it
   * ended while its events were missed, `completed` if the visitor had answered, else `failed/pbx_unavailable`
   * (the real outcome is not known).
   */
  verified(requestId: string, alive: boolean): StatusUpdate[] {
    const record = this.#calls.get(requestId);
    if (!record?.unverified) return [];
    const updates: StatusUpdate[] = [];
    if (alive) record.unverified = false;
    else if (record.phase === 'connected') this.#end(record, updates);
    else this.#end(record, updates, 'pbx_unavailable');
    return updates;
  }

  /** AMI stayed away too long: unverified calls are taken as lost with Asterisk, `failed/pbx_unavailable`. */
  endUnverified(): StatusUpdate[] {
    const updates: StatusUpdate[] = [];
    for (const record of [...this.#calls.values()]) {
      if (record.unverified) this.#end(record, updates, 'pbx_unavailable');
    }
    return updates;
  }

  get unverifiedCount(): number {
    let count = 0;
    for (const record of this.#calls.values()) if (record.unverified) count += 1;
    return count;
  }

  /** The earliest deadline among followed calls (epoch ms), to schedule one timer for `expireDue`. */
  nextDeadlineAt(): number | undefined {
    let earliest: number | undefined;
    for (const record of this.#calls.values()) {
      if (earliest === undefined || record.deadlineAt < earliest) earliest = record.deadlineAt;
    }
    return earliest;
  }

  /** Ends every call whose deadline has passed: nothing more can come for it. */
  expireDue(nowMs: number): StatusUpdate[] {
    const updates: StatusUpdate[] = [];
    for (const record of [...this.#calls.values()]) {
      if (record.deadlineAt > nowMs) continue;
      if (record.phase === 'connected') this.#end(record, updates);
      else this.#end(record, updates, 'pbx_unavailable');
    }
    return updates;
  }

  #onOriginateResponse(event: AmiEvent, nowMs: number, updates: StatusUpdate[]): void {
    const record = this.#byActionId.get(field(event, 'actionid'));
    if (!record) return;
    record.unverified = false;
    this.#ensureDialing(record, nowMs, updates);
    if (field(event, 'response') === 'Success') {
      this.#learnChannel(record, field(event, 'channel'));
      // The extension answered; the dialplan's events take it from here.
      this.#enterPhase(record, 'extension_answered', nowMs);
      return;
    }
    if (record.phase !== 'ringing_extension') return;
    const reason = field(event, 'reason');
    if (reason === REASON_NO_ANSWER) this.#end(record, updates, 'extension_no_answer');
    else if (reason === REASON_BUSY) this.#end(record, updates, 'extension_busy');
    else if (AMBIGUOUS_REASONS.has(reason)) {
      if (record.busySeen) this.#end(record, updates, 'extension_busy');
      else this.#enterPhase(record, 'originate_failed', nowMs);
    } else this.#end(record, updates, 'pbx_unavailable');
  }

  #onBusyEvidence(channels: readonly string[], updates: StatusUpdate[]): void {
    for (const record of [...this.#calls.values()]) {
      if (
        record.phase !== 'ringing_extension' &&
        record.phase !== 'originate_failed' &&
        record.phase !== 'originating'
      ) {
        continue;
      }
      const prefix = `${record.call.extensionChannel}-`;
      if (!channels.some((channel) => channel.startsWith(prefix))) continue;
      if (record.phase === 'originate_failed') this.#end(record, updates, 'extension_busy');
      else record.busySeen = true;
    }
  }

  #onCallNowEvent(event: AmiEvent, nowMs: number, updates: StatusUpdate[]): void {
    const record = this.#calls.get(field(event, 'requestid'));
    if (!record) return;
    record.unverified = false;
    this.#ensureDialing(record, nowMs, updates);
    const stage = field(event, 'stage');
    // Every stage but visitor-answered runs on the extension's leg.
    if (stage !== 'visitor-answered') this.#learnChannel(record, field(event, 'channel'));
    switch (stage as CallNowStage) {
      case 'extension-answered':
        this.#enterPhase(record, 'extension_answered', nowMs);
        break;
      case 'confirm-prompt':
        this.#report(record, 'awaiting_confirmation', updates);
        this.#enterPhase(record, 'awaiting_confirmation', nowMs);
        break;
      case 'confirm': {
        const outcome = field(event, 'outcome');
        if (outcome === 'accepted') this.#enterPhase(record, 'confirmed', nowMs);
        // Asterisk could not play the prompt: the owner was never asked.
        else if (outcome === 'prompt-missing') this.#end(record, updates, 'pbx_misconfigured');
        else this.#end(record, updates, 'extension_declined');
        break;
      }
      case 'dialing-visitor':
        this.#report(record, 'dialing_visitor', updates);
        this.#enterPhase(record, 'dialing_visitor', nowMs);
        break;
      case 'visitor-answered':
        this.#report(record, 'connected', updates);
        this.#enterPhase(record, 'connected', nowMs);
        break;
      case 'dial-end':
      case 'hangup':
        this.#onDialOutcome(record, field(event, 'dialstatus'), updates);
        break;
    }
  }

  /** `dial-end` and `hangup` both carry DIALSTATUS; whichever comes first ends the call. */
  #onDialOutcome(record: CallRecord, dialStatus: string, updates: StatusUpdate[]): void {
    const ending = endingOf(record.phase, dialStatus);
    // The visitor answered even if visitor-answered was lost: report the connection before its end.
    if (ending.connected) this.#report(record, 'connected', updates);
    this.#end(record, updates, ending.reason);
  }

  #learnChannel(record: CallRecord, channel: string): void {
    if (channel === '' || channel === record.channel) return;
    record.channel = channel;
    this.#learnedChannels.push({ requestId: record.call.requestId, channel });
  }

  /** Anything Asterisk says about a call proves its Originate was queued, even if its response is still on the way. */
  #ensureDialing(record: CallRecord, nowMs: number, updates: StatusUpdate[]): void {
    if (record.phase !== 'originating') return;
    this.#report(record, 'dialing_extension', updates);
    this.#enterPhase(record, 'ringing_extension', nowMs);
  }

  #enterPhase(record: CallRecord, phase: Phase, nowMs: number): void {
    if (PHASE_RANK[phase] <= PHASE_RANK[record.phase]) return;
    record.phase = phase;
    record.deadlineAt = nowMs + phaseAllowanceMs(this.#waits, record.call, phase);
  }

  #report(
    record: CallRecord,
    status: Exclude<ReportedState, 'failed' | 'completed'>,
    updates: StatusUpdate[],
  ): void {
    if (!isForwardTransition(record.reported, status)) return;
    record.reported = status;
    updates.push({ requestId: record.call.requestId, status });
  }

  /** Reports the one terminal status of a call (`failed/<reason>`, or `completed` without a reason) and forgets it. */
  #end(record: CallRecord, updates: StatusUpdate[], reason?: FailureReason): void {
    if (isTerminal(record.reported)) return;
    this.#forget(record);
    if (reason === undefined) {
      record.reported = 'completed';
      updates.push({ requestId: record.call.requestId, status: 'completed' });
    } else {
      record.reported = 'failed';
      updates.push({ requestId: record.call.requestId, status: 'failed', reason });
    }
  }

  #forget(record: CallRecord): void {
    this.#calls.delete(record.call.requestId);
    this.#byActionId.delete(record.call.actionId);
  }
}
