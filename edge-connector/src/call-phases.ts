// What a followed call can be in: its phases and their order, the statuses it reports, the waits it allows, and
// the AMI codes (Asterisk 22, test/fixtures/asterisk) that move it on.
import type { CallState, FailureReason, ReportedState } from '../../contracts/call-states.ts';

export type StatusUpdate =
  | { readonly requestId: string; readonly status: Exclude<ReportedState, 'failed'> }
  | { readonly requestId: string; readonly status: 'failed'; readonly reason: FailureReason };

/** The `Stage` values of `UserEvent(CallNow, ...)` that the tracker understands (the dialplan contract). */
export const CALLNOW_STAGES = [
  'extension-answered',
  'confirm-prompt',
  'confirm',
  'dialing-visitor',
  'visitor-answered',
  'dial-end',
  'hangup',
] as const;
export type CallNowStage = (typeof CALLNOW_STAGES)[number];

export interface CallTimingOptions {
  /**
   * Added to every wait below, for AMI and dialplan latency.
   * @default 15
   */
  readonly marginSeconds?: number;
  /**
   * From the confirmation prompt to the `confirm` event: must cover the prompt and the dialplan's Read() timeout (10 s).
   * @default 30
   */
  readonly confirmSeconds?: number;
  /**
   * After `OriginateResponse` Failure with Reason 0, 1 or 8, how long to wait for the busy evidence of chan_pjsip
   * (`DialEnd BUSY`, `Hangup Cause 17`) that Asterisk may send just after it, before calling it pbx_unavailable.
   * @default 1000
   */
  readonly busyEvidenceGraceMs?: number;
  /**
   * A connected call whose end is never seen is reported `completed` after this long.
   * @default 14400 (4 hours)
   */
  readonly maxConnectedSeconds?: number;
  /**
   * A call that began less than this before Asterisk's start time (FullyBooted's Uptime) is taken as having
   * survived it: the two clocks and the Uptime's whole seconds differ a little.
   * @default 2000
   */
  readonly bootClockSlackMs?: number;
}

export interface TrackedCall {
  readonly requestId: string;
  /** The ActionID of the Originate, which OriginateResponse carries back. */
  readonly actionId: string;
  /** The extension's dial string (e.g. `PJSIP/101`); its channels are `<extensionChannel>-<suffix>`. */
  readonly extensionChannel: string;
  readonly confirm: boolean;
  readonly ringSeconds: number;
}

/** Where a call followed by an earlier run of the connector had got to (see request-journal.ts). */
export interface ResumedProgress {
  /** The last status reported for it. */
  readonly reported: CallState;
  /** The extension leg's channel, if it was known. */
  readonly channel?: string;
  /** Epoch ms at which its Originate was (or may have been) sent. */
  readonly startedAt: number;
}

export type Phase =
  /** Originate sent, Asterisk has not said anything about it yet. */
  | 'originating'
  /** Asterisk is ringing the extension. */
  | 'ringing_extension'
  /** OriginateResponse said Failure with an ambiguous Reason; waiting briefly for busy evidence. */
  | 'originate_failed'
  | 'extension_answered'
  | 'awaiting_confirmation'
  | 'confirmed'
  | 'dialing_visitor'
  | 'connected';

/** Phases only move forward too, so a late event (their order varies) cannot shorten a call's deadline or undo `connected`. */
export const PHASE_RANK: Readonly<Record<Phase, number>> = {
  originating: 0,
  ringing_extension: 1,
  originate_failed: 2,
  extension_answered: 2,
  awaiting_confirmation: 3,
  confirmed: 4,
  dialing_visitor: 5,
  connected: 6,
};

export interface CallRecord {
  readonly call: TrackedCall;
  phase: Phase;
  reported: CallState;
  /** Epoch ms at which the call is ended if nothing more is heard. */
  deadlineAt: number;
  /** chan_pjsip's sign of a busy extension (DialEnd BUSY or Hangup Cause 17 on its channel) was seen. */
  busySeen: boolean;
  /** Epoch ms at which the Originate was (or may have been) sent. */
  readonly startedAt: number;
  /** The extension leg's channel once Asterisk has named it (OriginateResponse Success, the dialplan's events). */
  channel?: string;
  /** Events may have been missed (AMI was lost, or an earlier run followed it): is it still up? */
  unverified: boolean;
}

/** The phase a resumed call is in, from the last status reported for it. */
export const PHASE_OF_REPORTED: Readonly<Record<CallState, Phase>> = {
  queued: 'originating',
  dialing_extension: 'ringing_extension',
  awaiting_confirmation: 'awaiting_confirmation',
  dialing_visitor: 'dialing_visitor',
  connected: 'connected',
  completed: 'connected',
  failed: 'connected',
};

// Reasons of OriginateResponse (Asterisk's AST_CONTROL_* codes).
export const REASON_NO_ANSWER = '3';
export const REASON_BUSY = '5';
export const AMBIGUOUS_REASONS: ReadonlySet<string> = new Set(['0', '1', '8']);
export const HANGUP_CAUSE_USER_BUSY = '17';

/** What DIALSTATUS of the visitor leg means for the request, `ANSWER` aside. */
const DIAL_STATUS_FAILURE: Readonly<Record<string, FailureReason>> = {
  BUSY: 'visitor_busy',
  NOANSWER: 'visitor_no_answer',
  CONGESTION: 'visitor_unreachable',
  CHANUNAVAIL: 'visitor_unreachable',
  // Privacy manager refusals on the visitor's side.
  DONTCALL: 'visitor_unreachable',
  TORTURE: 'visitor_unreachable',
  // The extension hung up while the visitor was ringing.
  CANCEL: 'extension_declined',
  INVALIDARGS: 'pbx_unavailable',
};

/** The waits of CallTimingOptions, in ms, defaults filled in. */
export interface Waits {
  readonly marginMs: number;
  readonly confirmMs: number;
  readonly busyEvidenceGraceMs: number;
  readonly maxConnectedMs: number;
}

export function waitsOf(timing: CallTimingOptions): Waits {
  return {
    marginMs: (timing.marginSeconds ?? 15) * 1000,
    confirmMs: (timing.confirmSeconds ?? 30) * 1000,
    busyEvidenceGraceMs: timing.busyEvidenceGraceMs ?? 1000,
    maxConnectedMs: (timing.maxConnectedSeconds ?? 14_400) * 1000,
  };
}

/** How long a call may stay in a phase before it is ended as gone silent. */
export function phaseAllowanceMs(waits: Waits, call: TrackedCall, phase: Phase): number {
  switch (phase) {
    case 'originating':
    case 'ringing_extension':
    case 'dialing_visitor':
      return call.ringSeconds * 1000 + waits.marginMs;
    case 'originate_failed':
      return waits.busyEvidenceGraceMs;
    case 'extension_answered':
      return (call.confirm ? waits.confirmMs : 0) + waits.marginMs;
    case 'awaiting_confirmation':
      return waits.confirmMs + waits.marginMs;
    case 'confirmed':
      return waits.marginMs;
    case 'connected':
      return waits.maxConnectedMs;
  }
}

/**
 * How a call in `phase` ends on the dialplan's DIALSTATUS: `connected` first when the visitor answered (even if
 * visitor-answered was lost), and a failure reason unless it completed.
 */
export function endingOf(phase: Phase, dialStatus: string): { connected?: true; reason?: FailureReason } {
  if (dialStatus === 'ANSWER') return { connected: true };
  const failure = DIAL_STATUS_FAILURE[dialStatus];
  if (failure) return { reason: failure };
  if (dialStatus !== '') return { reason: 'pbx_unavailable' };
  // No Dial() ran: the extension hung up before the visitor was dialled (during or instead of the confirmation).
  if (phase === 'connected') return {};
  return { reason: phase === 'dialing_visitor' ? 'pbx_unavailable' : 'extension_declined' };
}
