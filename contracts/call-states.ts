// The life of a call request, shared by the cloud (which stores it) and the connector (which drives it).

/** The states the connector reports; `queued` is the cloud's alone. */
export const REPORTED_STATES = [
  'dialing_extension',
  'awaiting_confirmation',
  'dialing_visitor',
  'connected',
  'completed',
  'failed',
] as const;

export type ReportedState = (typeof REPORTED_STATES)[number];

export const CALL_STATES = ['queued', ...REPORTED_STATES] as const;
export type CallState = (typeof CALL_STATES)[number];

export const FAILURE_REASONS = [
  'expired',
  'extension_busy',
  'extension_no_answer',
  'extension_declined',
  'visitor_busy',
  'visitor_no_answer',
  'visitor_unreachable',
  'pbx_unavailable',
  /** The PBX is set up wrong for CallNow (the confirmation prompt's sound files are missing, say): not the owner's doing. */
  'pbx_misconfigured',
  'rejected',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const TERMINAL_STATES: ReadonlySet<CallState> = new Set(['completed', 'failed']);

/**
 * States only move forward. Both terminal states share the top rank, so nothing
 * moves a request out of `completed` or `failed`, and a late `connected` cannot undo an end.
 */
export const STATE_RANK: Readonly<Record<CallState, number>> = {
  queued: 0,
  dialing_extension: 1,
  awaiting_confirmation: 2,
  dialing_visitor: 3,
  connected: 4,
  completed: 5,
  failed: 5,
};

export function isForwardTransition(from: CallState, to: CallState): boolean {
  return STATE_RANK[to] > STATE_RANK[from];
}

export function isTerminal(state: CallState): boolean {
  return TERMINAL_STATES.has(state);
}
