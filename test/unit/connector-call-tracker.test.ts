// The call tracker, driven by event sequences modelled on the real Asterisk transcripts (test/fixtures/asterisk).
import { describe, expect, it } from 'vitest';
import type { AmiEvent } from '../../edge-connector/src/ami/types.ts';
import type { StatusUpdate, TrackedCall } from '../../edge-connector/src/call-phases.ts';
import { CallTracker } from '../../edge-connector/src/call-tracker.ts';

const T0 = 1_800_000_000_000;

function call(overrides: Partial<TrackedCall> = {}): TrackedCall {
  return {
    requestId: 'req-1',
    actionId: 'callnow-req-1-1',
    extensionChannel: 'PJSIP/101',
    confirm: true,
    ringSeconds: 30,
    ...overrides,
  };
}

function ev(name: string, fields: Record<string, string>): AmiEvent {
  return {
    name,
    fields: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key.toLowerCase(), value])),
  };
}

const originateResponse = (
  actionId: string,
  response: 'Success' | 'Failure',
  reason: string,
  channel = 'PJSIP/101',
) =>
  ev('OriginateResponse', {
    ActionID: actionId,
    Response: response,
    Channel: channel,
    Reason: reason,
    Uniqueid: response === 'Success' ? '1795714987.4' : '<unknown>',
  });

const callNow = (requestId: string, stage: string, extra: Record<string, string> = {}) =>
  ev('UserEvent', {
    Channel: 'PJSIP/101-00000002',
    UserEvent: 'CallNow',
    RequestId: requestId,
    Stage: stage,
    ...extra,
  });

const dialEnd = (destChannel: string, dialStatus: string, channel?: string) =>
  ev('DialEnd', {
    ...(channel ? { Channel: channel } : {}),
    DestChannel: destChannel,
    DialStatus: dialStatus,
  });

const hangup = (channel: string, cause: string) => ev('Hangup', { Channel: channel, Cause: cause });

/** Feeds events one millisecond apart and returns every status the tracker produced, in order. */
function drive(tracker: CallTracker, events: readonly AmiEvent[], startMs = T0): StatusUpdate[] {
  return events.flatMap((event, index) => tracker.handleEvent(event, startMs + index));
}

function startedTracker(tracked: TrackedCall = call()): { tracker: CallTracker; accepted: StatusUpdate[] } {
  const tracker = new CallTracker();
  tracker.track(tracked, T0);
  return { tracker, accepted: tracker.originateAccepted(tracked.requestId, T0) };
}

describe('call tracker: the happy path', () => {
  it('reports every step of a confirmed call in order (b_originate_101_confirm_answer)', () => {
    // Prepare
    const { tracker, accepted } = startedTracker();

    // Act
    const updates = drive(tracker, [
      dialEnd('PJSIP/101-00000002', 'ANSWER'),
      originateResponse('callnow-req-1-1', 'Success', '4', 'PJSIP/101-00000002'),
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'confirm-prompt'),
      callNow('req-1', 'confirm', { Outcome: 'accepted' }),
      callNow('req-1', 'dialing-visitor'),
      callNow('req-1', 'visitor-answered'),
      dialEnd('PJSIP/trunk-00000003', 'ANSWER', 'PJSIP/101-00000002'),
      hangup('PJSIP/trunk-00000003', '16'),
      callNow('req-1', 'dial-end', { DialStatus: 'ANSWER' }),
      callNow('req-1', 'hangup', { DialStatus: 'ANSWER', Cause: '16' }),
      hangup('PJSIP/101-00000002', '16'),
    ]);

    // Assess
    expect([...accepted, ...updates]).toEqual([
      { requestId: 'req-1', status: 'dialing_extension' },
      { requestId: 'req-1', status: 'awaiting_confirmation' },
      { requestId: 'req-1', status: 'dialing_visitor' },
      { requestId: 'req-1', status: 'connected' },
      { requestId: 'req-1', status: 'completed' },
    ]);
    expect(tracker.size).toBe(0);
  });

  it('skips awaiting_confirmation when the request does not ask for it', () => {
    const { tracker, accepted } = startedTracker(call({ confirm: false }));

    const updates = drive(tracker, [
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'dialing-visitor'),
      callNow('req-1', 'visitor-answered'),
      callNow('req-1', 'dial-end', { DialStatus: 'ANSWER' }),
    ]);

    expect([...accepted, ...updates].map((u) => u.status)).toEqual([
      'dialing_extension',
      'dialing_visitor',
      'connected',
      'completed',
    ]);
  });

  it('reports dialing_extension first even when the dialplan speaks before the Originate response (c4)', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);

    const early = drive(tracker, [
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'confirm-prompt'),
    ]);
    const late = tracker.originateAccepted('req-1', T0 + 10);

    expect(early.map((u) => u.status)).toEqual(['dialing_extension', 'awaiting_confirmation']);
    expect(late).toEqual([]);
  });

  it('reports connected then completed when the extension hangs up first and visitor-answered was missed (c9)', () => {
    const { tracker } = startedTracker();

    const updates = drive(tracker, [
      originateResponse('callnow-req-1-1', 'Success', '4'),
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'confirm-prompt'),
      callNow('req-1', 'confirm', { Outcome: 'accepted' }),
      callNow('req-1', 'dialing-visitor'),
      hangup('PJSIP/101-00000010', '16'),
      callNow('req-1', 'hangup', { DialStatus: 'ANSWER', Cause: '16' }),
    ]);

    expect(updates.map((u) => u.status)).toEqual([
      'awaiting_confirmation',
      'dialing_visitor',
      'connected',
      'completed',
    ]);
  });
});

describe('call tracker: the extension does not take the call', () => {
  it('maps OriginateResponse Reason 3 to extension_no_answer (c1_originate_102_noanswer)', () => {
    const { tracker } = startedTracker(call({ extensionChannel: 'Local/102@sim-phones' }));

    const updates = drive(tracker, [
      hangup('Local/102@sim-phones-00000004;1', '19'),
      originateResponse('callnow-req-1-1', 'Failure', '3', 'Local/102@sim-phones'),
      hangup('Local/102@sim-phones-00000004;2', '19'),
    ]);

    expect(updates).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'extension_no_answer' }]);
  });

  it('maps OriginateResponse Reason 5 to extension_busy (c2_originate_103_busy, Local channels)', () => {
    const { tracker } = startedTracker(call({ extensionChannel: 'Local/103@sim-phones' }));

    const updates = drive(tracker, [
      dialEnd('Local/103@sim-phones-00000005;1', 'BUSY'),
      originateResponse('callnow-req-1-1', 'Failure', '5', 'Local/103@sim-phones'),
      hangup('Local/103@sim-phones-00000005;2', '17'),
    ]);

    expect(updates).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'extension_busy' }]);
  });

  it('maps Reason 0 after DialEnd BUSY on the extension channel to extension_busy (chan_pjsip busy)', () => {
    const { tracker } = startedTracker(call({ extensionChannel: 'PJSIP/103' }));

    const updates = drive(tracker, [
      dialEnd('PJSIP/103-0000000a', 'BUSY'),
      originateResponse('callnow-req-1-1', 'Failure', '0', 'PJSIP/103'),
    ]);

    expect(updates).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'extension_busy' }]);
  });

  it('maps Reason 0 followed shortly by Hangup Cause 17 on the extension channel to extension_busy', () => {
    const { tracker } = startedTracker(call({ extensionChannel: 'PJSIP/103' }));

    const pending = drive(tracker, [originateResponse('callnow-req-1-1', 'Failure', '0', 'PJSIP/103')]);
    const updates = drive(tracker, [hangup('PJSIP/103-0000000a', '17')], T0 + 200);

    expect(pending).toEqual([]);
    expect(updates).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'extension_busy' }]);
  });

  it('does not take a busy visitor or another extension as evidence that this extension is busy', () => {
    const { tracker } = startedTracker(call({ extensionChannel: 'PJSIP/10' }));

    drive(tracker, [dialEnd('PJSIP/103-0000000a', 'BUSY'), hangup('PJSIP/trunk-0000000b', '17')]);
    drive(tracker, [originateResponse('callnow-req-1-1', 'Failure', '0', 'PJSIP/10')], T0 + 10);
    const updates = tracker.expireDue(T0 + 10 + 1000);

    expect(updates).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' }]);
  });

  it('maps Reason 0 with no busy evidence to pbx_unavailable once the grace time passes (c10 unknown extension)', () => {
    const { tracker } = startedTracker(call({ extensionChannel: 'Local/999@sim-phones' }));

    const immediate = drive(tracker, [
      hangup('Local/999@sim-phones-00000012;2', '0'),
      originateResponse('callnow-req-1-1', 'Failure', '0', 'Local/999@sim-phones'),
    ]);
    const beforeGrace = tracker.expireDue(T0 + 1 + 999);
    const afterGrace = tracker.expireDue(T0 + 1 + 1000);

    expect(immediate).toEqual([]);
    expect(beforeGrace).toEqual([]);
    expect(afterGrace).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' }]);
  });

  it.each([
    ['1', 'pbx_unavailable'],
    ['8', 'pbx_unavailable'],
    ['2', 'pbx_unavailable'],
  ])('maps Reason %s without busy evidence to %s', (reason, expected) => {
    const { tracker } = startedTracker();

    const updates = [
      ...drive(tracker, [originateResponse('callnow-req-1-1', 'Failure', reason)]),
      ...tracker.expireDue(T0 + 60_000),
    ];

    expect(updates).toEqual([{ requestId: 'req-1', status: 'failed', reason: expected }]);
  });

  it.each([
    ['refused', 'c3_originate_104_confirm_refused'],
    ['timeout', 'c8_originate_105_confirm_timeout'],
  ])('maps confirm Outcome %s to extension_declined (%s)', (outcome) => {
    const { tracker } = startedTracker();

    const updates = drive(tracker, [
      originateResponse('callnow-req-1-1', 'Success', '4'),
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'confirm-prompt'),
      callNow('req-1', 'confirm', { Outcome: outcome }),
      callNow('req-1', 'hangup', { DialStatus: '', Cause: '16' }),
    ]);

    expect(updates).toEqual([
      { requestId: 'req-1', status: 'awaiting_confirmation' },
      { requestId: 'req-1', status: 'failed', reason: 'extension_declined' },
    ]);
  });

  it('maps a prompt Asterisk could not play to pbx_misconfigured: the owner was never asked', () => {
    const { tracker } = startedTracker();

    const updates = drive(tracker, [
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'confirm-prompt'),
      callNow('req-1', 'confirm', { Outcome: 'prompt-missing', Prompt: 'vm-press&digits/0' }),
      callNow('req-1', 'hangup', { DialStatus: '', Cause: '16' }),
    ]);

    expect(updates).toEqual([
      { requestId: 'req-1', status: 'awaiting_confirmation' },
      { requestId: 'req-1', status: 'failed', reason: 'pbx_misconfigured' },
    ]);
  });

  it('maps a hang-up during the confirmation prompt to extension_declined', () => {
    const { tracker } = startedTracker();

    const updates = drive(tracker, [
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'confirm-prompt'),
      callNow('req-1', 'hangup', { DialStatus: '', Cause: '16' }),
    ]);

    expect(updates.at(-1)).toEqual({ requestId: 'req-1', status: 'failed', reason: 'extension_declined' });
  });
});

describe('call tracker: the visitor leg', () => {
  it.each([
    ['BUSY', 'visitor_busy', 'c4_visitor_busy'],
    ['NOANSWER', 'visitor_no_answer', 'c5_visitor_noanswer'],
    ['CONGESTION', 'visitor_unreachable', 'c6_visitor_congestion'],
    ['CHANUNAVAIL', 'visitor_unreachable', 'c7_visitor_unknown_number_chanunavail'],
    ['CANCEL', 'extension_declined', 'the extension hangs up while the visitor rings'],
  ])('maps DialStatus %s to failed/%s (%s)', (dialStatus, reason) => {
    const { tracker } = startedTracker();

    const updates = drive(tracker, [
      callNow('req-1', 'extension-answered'),
      callNow('req-1', 'confirm-prompt'),
      callNow('req-1', 'confirm', { Outcome: 'accepted' }),
      callNow('req-1', 'dialing-visitor'),
      dialEnd('PJSIP/trunk-00000008', dialStatus, 'PJSIP/101-00000007'),
      hangup('PJSIP/trunk-00000008', dialStatus === 'BUSY' ? '17' : '0'),
      callNow('req-1', 'dial-end', { DialStatus: dialStatus }),
      callNow('req-1', 'hangup', { DialStatus: dialStatus, Cause: '16' }),
    ]);

    expect(updates).toEqual([
      { requestId: 'req-1', status: 'awaiting_confirmation' },
      { requestId: 'req-1', status: 'dialing_visitor' },
      { requestId: 'req-1', status: 'failed', reason },
    ]);
  });

  it('ends the call on the hangup event when dial-end was lost', () => {
    const { tracker } = startedTracker(call({ confirm: false }));

    const updates = drive(tracker, [
      callNow('req-1', 'dialing-visitor'),
      callNow('req-1', 'hangup', { DialStatus: 'NOANSWER', Cause: '16' }),
    ]);

    expect(updates.at(-1)).toEqual({ requestId: 'req-1', status: 'failed', reason: 'visitor_no_answer' });
  });
});

describe('call tracker: forward only, one end', () => {
  it('ignores late and repeated events once a call has ended', () => {
    const { tracker } = startedTracker();
    drive(tracker, [
      callNow('req-1', 'dialing-visitor'),
      callNow('req-1', 'dial-end', { DialStatus: 'BUSY' }),
    ]);

    const late = drive(tracker, [
      callNow('req-1', 'visitor-answered'),
      callNow('req-1', 'dial-end', { DialStatus: 'ANSWER' }),
      callNow('req-1', 'hangup', { DialStatus: 'BUSY' }),
      originateResponse('callnow-req-1-1', 'Failure', '3'),
    ]);

    expect(late).toEqual([]);
    expect(tracker.expireDue(T0 + 86_400_000)).toEqual([]);
  });

  it('never moves a call back: a late confirm-prompt after dialing-visitor is ignored', () => {
    const { tracker } = startedTracker();

    const updates = drive(tracker, [callNow('req-1', 'dialing-visitor'), callNow('req-1', 'confirm-prompt')]);

    expect(updates.map((u) => u.status)).toEqual(['dialing_visitor']);
  });

  it('keeps a connected call connected when an earlier stage arrives late', () => {
    const { tracker } = startedTracker();
    drive(tracker, [callNow('req-1', 'visitor-answered'), callNow('req-1', 'dialing-visitor')]);
    drive(tracker, [originateResponse('callnow-req-1-1', 'Success', '4')], T0 + 10);

    expect(tracker.expireDue(T0 + 3_600_000)).toEqual([]);
    tracker.connectionLost();
    expect(tracker.verified('req-1', false)).toEqual([{ requestId: 'req-1', status: 'completed' }]);
  });

  it('ignores OriginateResponse for an ActionID it does not know (an earlier attempt of the same request)', () => {
    const { tracker } = startedTracker(call({ actionId: 'callnow-req-1-2' }));

    const updates = drive(tracker, [originateResponse('callnow-req-1-1', 'Failure', '3')]);

    expect(updates).toEqual([]);
    expect(tracker.has('req-1')).toBe(true);
  });

  it('keeps concurrent calls apart by request id and ActionID', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);
    tracker.track(
      call({ requestId: 'req-2', actionId: 'callnow-req-2-1', extensionChannel: 'PJSIP/102' }),
      T0,
    );

    const updates = drive(tracker, [
      originateResponse('callnow-req-2-1', 'Failure', '3', 'PJSIP/102'),
      callNow('req-1', 'dialing-visitor'),
    ]);

    expect(updates).toEqual([
      { requestId: 'req-2', status: 'dialing_extension' },
      { requestId: 'req-2', status: 'failed', reason: 'extension_no_answer' },
      { requestId: 'req-1', status: 'dialing_extension' },
      { requestId: 'req-1', status: 'dialing_visitor' },
    ]);
  });
});

describe('call tracker: when nothing more can come', () => {
  it('ends a call whose OriginateResponse never comes as pbx_unavailable after ring time + margin', () => {
    const { tracker } = startedTracker(call({ ringSeconds: 30 }));

    expect(tracker.nextDeadlineAt()).toBe(T0 + 30_000 + 15_000);
    expect(tracker.expireDue(T0 + 44_999)).toEqual([]);
    expect(tracker.expireDue(T0 + 45_000)).toEqual([
      { requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' },
    ]);
    expect(tracker.nextDeadlineAt()).toBeUndefined();
  });

  it('gives the confirmation its own allowance, then ends the call as pbx_unavailable', () => {
    const tracker = new CallTracker({ confirmSeconds: 20, marginSeconds: 5 });
    tracker.track(call(), T0);
    tracker.originateAccepted('req-1', T0);
    drive(tracker, [callNow('req-1', 'confirm-prompt')], T0 + 1000);

    expect(tracker.expireDue(T0 + 1000 + 24_999)).toEqual([]);
    expect(tracker.expireDue(T0 + 1000 + 25_000)).toEqual([
      { requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' },
    ]);
  });

  it('restarts the visitor ring allowance when the visitor is dialled', () => {
    const tracker = new CallTracker({ marginSeconds: 5 });
    tracker.track(call({ ringSeconds: 20 }), T0);
    drive(tracker, [callNow('req-1', 'dialing-visitor')], T0 + 10_000);

    expect(tracker.expireDue(T0 + 10_000 + 24_999)).toEqual([]);
    expect(tracker.expireDue(T0 + 10_000 + 25_000)).toEqual([
      { requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' },
    ]);
  });

  it('reports a connected call whose end is never seen as completed, not failed', () => {
    const tracker = new CallTracker({ maxConnectedSeconds: 3600 });
    tracker.track(call(), T0);
    drive(tracker, [callNow('req-1', 'visitor-answered')]);

    expect(tracker.expireDue(T0 + 3_599_000)).toEqual([]);
    expect(tracker.expireDue(T0 + 3_600_000)).toEqual([{ requestId: 'req-1', status: 'completed' }]);
  });

  it('ends every call in flight, connected or not, as pbx_unavailable when Asterisk announces Shutdown (f2)', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);
    tracker.track(call({ requestId: 'req-2', actionId: 'callnow-req-2-1' }), T0);
    tracker.track(call({ requestId: 'req-3', actionId: 'callnow-req-3-1' }), T0);
    drive(tracker, [callNow('req-1', 'visitor-answered'), callNow('req-2', 'dialing-visitor')]);
    const before = drive(tracker, []);

    const updates = tracker.asteriskStopped().filter((update) => update.status === 'failed');

    expect(before).toEqual([]);
    expect(updates).toEqual([
      { requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' },
      { requestId: 'req-2', status: 'failed', reason: 'pbx_unavailable' },
      { requestId: 'req-3', status: 'failed', reason: 'pbx_unavailable' },
    ]);
    expect(tracker.size).toBe(0);
  });

  it('keeps following calls when only the AMI socket went, until they are checked', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);
    drive(tracker, [callNow('req-1', 'dialing-visitor'), callNow('req-1', 'visitor-answered')]);

    tracker.connectionLost();

    expect(tracker.size).toBe(1);
    expect(tracker.unverifiedCount).toBe(1);
    expect(tracker.callsToVerify()).toEqual([{ requestId: 'req-1', channel: 'PJSIP/101-00000002' }]);
  });

  it('ends unverified calls that began before Asterisk restarted (a crash, f5), and only those', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);
    tracker.connectionLost();
    tracker.track(call({ requestId: 'req-2', actionId: 'callnow-req-2-1' }), T0 + 60_000);

    const updates = tracker.asteriskBootedAt(T0 + 30_000);

    expect(updates.filter((update) => update.status === 'failed')).toEqual([
      { requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' },
    ]);
    expect(tracker.requestIds()).toEqual(['req-2']);
  });

  it('takes a call that survived as followed again, and one whose channel is gone as ended', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);
    tracker.track(call({ requestId: 'req-2', actionId: 'callnow-req-2-1' }), T0);
    tracker.track(call({ requestId: 'req-3', actionId: 'callnow-req-3-1' }), T0);
    drive(tracker, [
      callNow('req-1', 'visitor-answered'),
      callNow('req-1', 'dialing-visitor'),
      callNow('req-2', 'dialing-visitor'),
      callNow('req-3', 'visitor-answered'),
    ]);
    tracker.connectionLost();

    const alive = tracker.verified('req-1', true);
    const goneConnected = tracker.verified('req-3', false);
    const goneDialling = tracker.verified('req-2', false);

    expect(alive).toEqual([]);
    expect(goneConnected).toEqual([{ requestId: 'req-3', status: 'completed' }]);
    expect(goneDialling).toEqual([{ requestId: 'req-2', status: 'failed', reason: 'pbx_unavailable' }]);
    expect(tracker.unverifiedCount).toBe(0);
    expect(drive(tracker, [callNow('req-1', 'dial-end', { DialStatus: 'ANSWER' })])).toEqual([
      { requestId: 'req-1', status: 'completed' },
    ]);
  });

  it('gives up on unverified calls when AMI stays away, and an event proves a call alive', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);
    tracker.track(call({ requestId: 'req-2', actionId: 'callnow-req-2-1' }), T0);
    tracker.connectionLost();

    drive(tracker, [callNow('req-2', 'extension-answered')]);
    const updates = tracker.endUnverified();

    expect(updates).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' }]);
    expect(tracker.requestIds()).toEqual(['req-2']);
  });

  it('resumes a call of an earlier run from its last reported status, unverified, with a fresh safety timer', () => {
    const tracker = new CallTracker({ marginSeconds: 15 });

    tracker.resume(
      call({ confirm: false, ringSeconds: 20 }),
      { reported: 'dialing_visitor', channel: 'PJSIP/101-0000002a', startedAt: T0 - 10_000 },
      T0,
    );

    expect(tracker.callsToVerify()).toEqual([{ requestId: 'req-1', channel: 'PJSIP/101-0000002a' }]);
    expect(tracker.nextDeadlineAt()).toBe(T0 + 35_000);
    // Forward only from where it was: a repeated dialing-visitor reports nothing, the answer reports connected.
    expect(
      drive(tracker, [callNow('req-1', 'dialing-visitor'), callNow('req-1', 'visitor-answered')]),
    ).toEqual([{ requestId: 'req-1', status: 'connected' }]);
    expect(tracker.takeLearnedChannels()).toEqual([{ requestId: 'req-1', channel: 'PJSIP/101-00000002' }]);
  });

  it('learns the extension channel from OriginateResponse Success and the dialplan events', () => {
    const { tracker } = startedTracker();

    drive(tracker, [originateResponse('callnow-req-1-1', 'Success', '4', 'PJSIP/101-00000007')]);

    expect(tracker.takeLearnedChannels()).toEqual([{ requestId: 'req-1', channel: 'PJSIP/101-00000007' }]);
    expect(tracker.takeLearnedChannels()).toEqual([]);
  });

  it('lets the connector fail or forget a call whose Originate went wrong', () => {
    const tracker = new CallTracker();
    tracker.track(call(), T0);
    tracker.track(call({ requestId: 'req-2', actionId: 'callnow-req-2-1' }), T0);

    const failed = tracker.fail('req-1', 'pbx_unavailable');
    tracker.untrack('req-2');

    expect(failed).toEqual([{ requestId: 'req-1', status: 'failed', reason: 'pbx_unavailable' }]);
    expect(tracker.size).toBe(0);
    expect(tracker.fail('req-1', 'pbx_unavailable')).toEqual([]);
  });
});
