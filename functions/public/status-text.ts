// What a visitor reads for each state of their request.
import type { CallState, FailureReason } from '../../contracts/call-states.ts';

export const STATUS_TEXT: Readonly<Record<Exclude<CallState, 'failed'>, string>> = {
  queued: 'Your request is on its way to the phone system…',
  dialing_extension: 'Ringing the person you want to reach…',
  awaiting_confirmation: 'They answered and are confirming the call…',
  dialing_visitor: 'Calling you now. Your phone should ring in a moment.',
  connected: 'You are connected.',
  completed: 'The call has ended. Thank you for calling.',
};

export const FAILURE_TEXT: Readonly<Record<FailureReason, string>> = {
  expired: 'We could not place the call in time. Please try again.',
  extension_busy: 'They are on another call right now. Please try again later.',
  extension_no_answer: 'They did not answer. Please try again later.',
  extension_declined: 'They could not take the call right now. Please try again later.',
  visitor_busy: 'Your line was busy when we called.',
  visitor_no_answer: 'We called, but nobody answered your phone.',
  visitor_unreachable: 'We could not reach your number.',
  pbx_unavailable: 'The phone system is not reachable right now. Please try again later.',
  rejected: 'This call could not be placed.',
};

export function statusText(status: CallState, reason: FailureReason | undefined): string {
  if (status === 'failed') return FAILURE_TEXT[reason ?? 'rejected'];
  return STATUS_TEXT[status];
}
