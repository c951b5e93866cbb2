// One Originate, played as the CallNow dialplan (edge-connector/asterisk/README.md) would play it on Asterisk 22:
// the extension rings and answers (or not), confirms with a key, the visitor is dialled, and each step is told with
// the AMI events a real Asterisk sends around it, including the dialplan's UserEvent(CallNow) stages.

import { randomUUID } from 'node:crypto';
import type { AmiHeader } from '../src/ami/protocol.ts';
import {
  amiEvent,
  type ChannelFactory,
  type ChannelState,
  channelEvent,
  channelHeaders,
  type DialTarget,
  hangupCauseText,
  parseDialString,
  type SimChannel,
  type SimLeg,
} from './channels.ts';
import type { ExtensionStates } from './extension-states.ts';

export interface OriginateRequest {
  readonly actionId?: string;
  /** The dial string as the Originate gave it, e.g. `PJSIP/101`. */
  readonly channel: string;
  readonly target: DialTarget;
  /** The digits after the technology (`PJSIP/101`, `Local/101@x`), if any. */
  readonly extension?: string;
  readonly context: string;
  readonly exten: string;
  readonly timeoutMs: number;
  readonly callerIdNum: string;
  readonly callerIdName: string;
  readonly variables: ReadonlyMap<string, string>;
  readonly async: boolean;
}

export interface CallEnvironment {
  readonly channels: ChannelFactory;
  readonly extensions: ExtensionStates;
  /** How the phone of an extension behaves; undefined: no such extension. */
  behaviourOf(extension: string): ExtensionBehaviour | undefined;
  /** The dialplan global CALLNOW_OUTBOUND_CALLERID (the site's number), if set. */
  readonly outboundCallerId?: string;
  /** false: the confirmation prompt's sound files are not installed, so Playback() fails. */
  promptSounds(): boolean;
  /** Applies the simulator's timeScale. */
  scaleMs(ms: number): number;
  emit(event: AmiHeader[]): void;
  /** The call is over (or was dropped by a crash); forget it. */
  ended(call: SimulatedCall): void;
}

export type ExtensionBehaviour =
  | { readonly kind: 'answers'; readonly key?: string }
  | { readonly kind: 'rings' }
  /**
   * `reason` 5: OriginateResponse Reason 5 as over Local channels (fixture c2); 0: as chan_pjsip reports a phone that
   * answers 486, Reason 0 first and the busy evidence (DialEnd BUSY, Hangup Cause 17) after it.
   */
  | { readonly kind: 'busy'; readonly reason?: 0 | 5 };

/** The simulated phones, by extension number. Any other extension does not exist (OriginateResponse Reason 0). */
export const EXTENSION_BEHAVIOURS: Readonly<Record<string, ExtensionBehaviour>> = {
  '101': { kind: 'answers', key: '0' },
  '102': { kind: 'rings' },
  '103': { kind: 'busy' },
  '106': { kind: 'busy', reason: 0 },
  '104': { kind: 'answers', key: '5' },
  '105': { kind: 'answers' },
};

type VisitorBehaviour = 'answers' | 'answers-stays' | 'busy' | 'rings' | 'congestion' | 'unallocated';

/** The simulated outside world, by the last four digits of CALLNOW_VISITOR_NUMBER; any other is unreachable. */
export const VISITOR_BEHAVIOURS: Readonly<Record<string, VisitorBehaviour>> = {
  '0100': 'answers',
  '0101': 'answers-stays',
  '0102': 'busy',
  '0103': 'rings',
  '0104': 'congestion',
  '0105': 'unallocated',
};

/** Realistic delays, before the timeScale is applied. */
export const CALL_TIMINGS_MS = {
  extensionRing: 1000,
  keyPress: 1000,
  confirmTimeout: 5000,
  visitorRing: 1000,
  visitorTalk: 3000,
  visitorLongTalk: 10_000,
} as const;

export const DEFAULT_VISITOR_DIAL = 'PJSIP/{number}@trunk';
const DEFAULT_RING_SECONDS = 30;

// Originate's Reason codes (the last control frame seen on the outgoing channel).
const REASON_HANGUP = 1;
const REASON_NO_ANSWER = 3;
const REASON_ANSWERED = 4;
const REASON_BUSY = 5;
const REASON_FAILED = 0;

type Phase = 'ringing-extension' | 'in-dialplan' | 'dialing-visitor' | 'bridged' | 'ended';

let nextCallId = 1;

export class SimulatedCall {
  readonly id = nextCallId++;
  readonly #env: CallEnvironment;
  readonly #request: OriginateRequest;
  readonly #onOriginateResult: (answered: boolean) => void;
  readonly #timers = new Set<NodeJS.Timeout>();
  #phase: Phase = 'ringing-extension';
  #extensionLeg: SimLeg | undefined;
  #visitorLeg: SimLeg | undefined;
  #bridgeId: string | undefined;
  #dialStatus = '';
  #shutdownRequested = false;

  /** @param onOriginateResult told once whether the extension answered (a synchronous Originate waits for it) */
  constructor(
    env: CallEnvironment,
    request: OriginateRequest,
    onOriginateResult: (answered: boolean) => void,
  ) {
    this.#env = env;
    this.#request = request;
    this.#onOriginateResult = onOriginateResult;
  }

  get extension(): string | undefined {
    return this.#request.extension;
  }

  /**
   * What `Getvar` on one of this call's channels answers: the Originate's variables on the extension's leg, empty on
   * the call's other channels, undefined when the channel is not this call's (or is gone).
   */
  channelVariable(channelName: string, variable: string): string | undefined {
    if (this.#phase === 'ended') return undefined;
    const extensionChannels = this.#extensionLeg ? legChannels(this.#extensionLeg) : [];
    if (extensionChannels[0]?.name === channelName) return this.#variable(variable) ?? '';
    const others = [
      ...extensionChannels.slice(1),
      ...(this.#visitorLeg ? legChannels(this.#visitorLeg) : []),
    ];
    return others.some((channel) => channel.name === channelName) ? '' : undefined;
  }

  start(): void {
    const { extension, target } = this.#request;
    const behaviour = extension === undefined ? undefined : this.#env.behaviourOf(extension);
    const presence = extension === undefined ? 'idle' : this.#env.extensions.presence(extension);
    if (!behaviour || presence === 'unavailable') {
      this.#noSuchExtension(target);
      return;
    }
    const leg = this.#env.channels.create(target, {
      context: this.#request.context,
      exten: this.#request.exten,
    });
    this.#extensionLeg = leg;
    this.#announceNewLeg(leg);
    for (const [name, value] of this.#request.variables) {
      this.#emit(
        channelEvent('VarSet', leg.channel, [
          ['Variable', name],
          ['Value', value],
        ]),
      );
    }
    for (const channel of legChannels(leg)) {
      channel.callerIdNum = this.#request.callerIdNum;
      channel.callerIdName = this.#request.callerIdName;
      channel.connectedLineNum = this.#request.callerIdNum;
      channel.connectedLineName = this.#request.callerIdName;
    }
    this.#emit(
      channelEvent('NewCallerid', leg.channel, [
        ['CID-CallingPres', '0 (Presentation Allowed, Not Screened)'],
      ]),
    );
    this.#emit(
      amiEvent('DialBegin', 'call,all', channelHeaders(leg.channel, 'Dest'), [
        ['DialString', leg.dialString],
      ]),
    );

    if (behaviour.kind === 'busy' || presence === 'in_use' || presence === 'busy') {
      this.#extensionBusy(leg, behaviour.kind === 'busy' ? (behaviour.reason ?? REASON_BUSY) : REASON_BUSY);
      return;
    }
    this.#setState(leg.channel, 5);
    this.#setExtensionState('ringing');
    this.#emit(
      amiEvent('DialState', 'call,all', channelHeaders(leg.channel, 'Dest'), [['DialStatus', 'RINGING']]),
    );
    if (behaviour.kind === 'answers' && CALL_TIMINGS_MS.extensionRing < this.#request.timeoutMs) {
      this.#after(CALL_TIMINGS_MS.extensionRing, () => this.#extensionAnswers(leg, behaviour.key));
    } else {
      this.#after(this.#request.timeoutMs, () => this.#extensionNoAnswer(leg));
    }
  }

  /** `SoftHangupRequest` with Cause 4 (AST_SOFTHANGUP_SHUTDOWN) on each of the call's channels, once. */
  requestShutdownHangup(): void {
    if (this.#phase === 'ended' || this.#shutdownRequested) return;
    this.#shutdownRequested = true;
    const channels = [
      ...(this.#extensionLeg ? legChannels(this.#extensionLeg) : []),
      ...(this.#visitorLeg ? legChannels(this.#visitorLeg) : []),
    ];
    for (const channel of channels) this.#emit(channelEvent('SoftHangupRequest', channel, [['Cause', '4']]));
  }

  /** Ends the call now. `shutdown` hangs every channel up with the usual events; `crash` drops it silently. */
  terminate(kind: 'shutdown' | 'crash'): void {
    if (this.#phase === 'ended') return;
    this.#clearTimers();
    const leg = this.#extensionLeg;
    if (kind === 'crash' || !leg) {
      this.#end();
      return;
    }
    this.requestShutdownHangup();
    if (this.#phase === 'ringing-extension') {
      this.#hangUpLeg(leg, 16);
      this.#originateFailed(REASON_HANGUP);
      this.#setExtensionState(undefined);
      this.#end();
      return;
    }
    if (this.#phase === 'dialing-visitor') this.#dialStatus = 'CANCEL';
    this.#dropVisitor(16);
    this.#hangUpExtension(leg);
  }

  #noSuchExtension(target: DialTarget): void {
    // Asterisk creates a Local channel pair and tears it down at once; other technologies fail before any channel.
    if (target.technology.toLowerCase() === 'local') {
      const leg = this.#env.channels.create(target, {
        context: this.#request.context,
        exten: this.#request.exten,
      });
      this.#announceNewLeg(leg);
      if (leg.localHalf) this.#hangUp(leg.localHalf, 0);
      this.#originateFailed(REASON_FAILED);
      this.#hangUp(leg.channel, 0);
    } else {
      this.#originateFailed(REASON_FAILED);
    }
    this.#end();
  }

  #extensionBusy(leg: SimLeg, reason: number): void {
    this.#setState(leg.localHalf ?? leg.channel, 7);
    if (reason !== REASON_BUSY) this.#originateFailed(reason);
    this.#emit(
      amiEvent('DialEnd', 'call,all', channelHeaders(leg.channel, 'Dest'), [['DialStatus', 'BUSY']]),
    );
    if (reason === REASON_BUSY) this.#originateFailed(REASON_BUSY);
    if (leg.localHalf) {
      this.#hangUp(leg.channel, 0);
      this.#hangUp(leg.localHalf, 17);
    } else {
      this.#hangUp(leg.channel, 17);
    }
    this.#end();
  }

  #extensionNoAnswer(leg: SimLeg): void {
    this.#hangUp(leg.channel, 19);
    this.#originateFailed(REASON_NO_ANSWER);
    this.#setExtensionState(undefined);
    if (leg.localHalf) this.#hangUp(leg.localHalf, 19);
    this.#end();
  }

  #extensionAnswers(leg: SimLeg, key: string | undefined): void {
    this.#clearTimers();
    if (leg.localHalf) this.#setState(leg.localHalf, 6);
    this.#setState(leg.channel, 6);
    this.#emit(
      amiEvent('DialEnd', 'call,all', channelHeaders(leg.channel, 'Dest'), [['DialStatus', 'ANSWER']]),
    );
    this.#setExtensionState('in_use');
    this.#phase = 'in-dialplan';
    leg.channel.context = this.#request.context;
    leg.channel.exten = this.#request.exten;
    leg.channel.priority = 1;
    this.#originateSucceeded(leg.channel);
    this.#stage(leg.channel, 'extension-answered');
    if (this.#variable('CALLNOW_CONFIRM') !== '1') {
      this.#dialVisitor(leg);
      return;
    }
    this.#stage(leg.channel, 'confirm-prompt');
    if (!this.#env.promptSounds()) {
      // Playback() of the prompt fails at once: PLAYBACKSTATUS FAILED, the no-prompt branch.
      this.#stage(leg.channel, 'confirm', [
        ['Outcome', 'prompt-missing'],
        ['Prompt', 'vm-press&digits/0'],
      ]);
      this.#hangUpExtension(leg);
      return;
    }
    if (key === undefined) {
      this.#after(CALL_TIMINGS_MS.confirmTimeout, () => {
        this.#stage(leg.channel, 'confirm', [['Outcome', 'timeout']]);
        this.#hangUpExtension(leg);
      });
      return;
    }
    this.#after(CALL_TIMINGS_MS.keyPress, () => {
      this.#emit(
        channelEvent('DTMFBegin', leg.channel, [
          ['Digit', key],
          ['Direction', 'Received'],
        ]),
      );
      this.#emit(
        channelEvent('DTMFEnd', leg.channel, [
          ['Digit', key],
          ['DurationMs', '100'],
          ['Direction', 'Received'],
        ]),
      );
      if (key === '0') {
        this.#stage(leg.channel, 'confirm', [['Outcome', 'accepted']]);
        this.#dialVisitor(leg);
      } else {
        this.#stage(leg.channel, 'confirm', [['Outcome', 'refused']]);
        this.#hangUpExtension(leg);
      }
    });
  }

  #dialVisitor(extensionLeg: SimLeg): void {
    this.#phase = 'dialing-visitor';
    this.#stage(extensionLeg.channel, 'dialing-visitor');
    const number = this.#variable('CALLNOW_VISITOR_NUMBER') ?? '';
    const behaviour = VISITOR_BEHAVIOURS[number.replace(/\D/g, '').slice(-4)];
    const dialString = (this.#variable('CALLNOW_VISITOR_DIAL') ?? DEFAULT_VISITOR_DIAL).replaceAll(
      '{number}',
      number,
    );
    const target = parseDialString(dialString);
    const ringSeconds = Number(this.#variable('CALLNOW_RING_SECONDS') ?? DEFAULT_RING_SECONDS);
    const ringMs =
      (Number.isFinite(ringSeconds) && ringSeconds > 0 ? ringSeconds : DEFAULT_RING_SECONDS) * 1000;
    const caller = extensionLeg.channel;
    this.#showSiteCallerId(caller);

    if (!target) {
      this.#dialEnded(extensionLeg, 'CHANUNAVAIL');
      return;
    }
    const leg = this.#env.channels.create(target, {
      linkedid: caller.linkedid,
      context: this.#request.context,
      exten: 's',
    });
    for (const channel of legChannels(leg)) {
      channel.connectedLineNum = caller.callerIdNum;
      channel.connectedLineName = caller.callerIdName;
    }
    this.#announceNewLeg(leg);
    if (!behaviour) {
      // The number does not exist: the outgoing channel cannot be set up and Dial never begins.
      if (leg.localHalf) this.#hangUp(leg.localHalf, 0);
      this.#hangUp(leg.channel, 0);
      this.#dialEnded(extensionLeg, 'CHANUNAVAIL');
      return;
    }
    this.#visitorLeg = leg;
    this.#emit(
      amiEvent('DialBegin', 'call,all', channelHeaders(caller), channelHeaders(leg.channel, 'Dest'), [
        ['DialString', leg.dialString],
      ]),
    );
    const failures = {
      busy: ['BUSY', 17],
      congestion: ['CONGESTION', 34],
      unallocated: ['CHANUNAVAIL', 1],
    } as const;
    if (behaviour === 'busy' || behaviour === 'congestion' || behaviour === 'unallocated') {
      const [dialStatus, cause] = failures[behaviour];
      if (behaviour !== 'unallocated') this.#setState(leg.localHalf ?? leg.channel, 7);
      this.#emitDialEnd(caller, leg.channel, dialStatus);
      this.#dropVisitor(cause);
      this.#dialEnded(extensionLeg, dialStatus);
      return;
    }
    this.#setState(leg.channel, 5);
    this.#emit(
      amiEvent('DialState', 'call,all', channelHeaders(caller), channelHeaders(leg.channel, 'Dest'), [
        ['DialStatus', 'RINGING'],
      ]),
    );
    if (behaviour !== 'rings' && CALL_TIMINGS_MS.visitorRing < ringMs) {
      const talkMs = behaviour === 'answers' ? CALL_TIMINGS_MS.visitorTalk : CALL_TIMINGS_MS.visitorLongTalk;
      this.#after(CALL_TIMINGS_MS.visitorRing, () => this.#visitorAnswers(extensionLeg, leg, talkMs));
      return;
    }
    this.#after(ringMs, () => {
      this.#emitDialEnd(caller, leg.channel, 'NOANSWER');
      this.#dropVisitor(0);
      this.#dialEnded(extensionLeg, 'NOANSWER');
    });
  }

  #visitorAnswers(extensionLeg: SimLeg, leg: SimLeg, talkMs: number): void {
    const caller = extensionLeg.channel;
    if (leg.localHalf) this.#setState(leg.localHalf, 6);
    this.#setState(leg.channel, 6);
    this.#emitDialEnd(caller, leg.channel, 'ANSWER');
    this.#stage(leg.channel, 'visitor-answered');
    this.#dialStatus = 'ANSWER';
    this.#phase = 'bridged';
    const bridgeId = randomUUID();
    this.#bridgeId = bridgeId;
    this.#emit(amiEvent('BridgeCreate', 'call,all', bridgeHeaders(bridgeId, 0)));
    this.#emit(amiEvent('BridgeEnter', 'call,all', bridgeHeaders(bridgeId, 1), channelHeaders(leg.channel)));
    this.#emit(amiEvent('BridgeEnter', 'call,all', bridgeHeaders(bridgeId, 2), channelHeaders(caller)));
    this.#after(talkMs, () => {
      this.#emit(channelEvent('HangupRequest', leg.channel, [['Cause', '16']]));
      this.#dropVisitor(16);
      this.#dialEnded(extensionLeg, 'ANSWER');
    });
  }

  #dialEnded(extensionLeg: SimLeg, dialStatus: string): void {
    this.#dialStatus = dialStatus;
    this.#stage(extensionLeg.channel, 'dial-end', [['DialStatus', dialStatus]]);
    this.#hangUpExtension(extensionLeg);
  }

  /** The dialplan ends: the hangup handler reports the last DIALSTATUS, then the extension's channel goes. */
  #hangUpExtension(leg: SimLeg): void {
    this.#clearTimers();
    const channel = leg.channel;
    this.#emit(channelEvent('SoftHangupRequest', channel, [['Cause', '16']]));
    channel.exten = 'h';
    channel.priority = 1;
    this.#stage(channel, 'hangup', [['DialStatus', this.#dialStatus]]);
    this.#hangUpLeg(leg, 16);
    this.#setExtensionState(undefined);
    this.#end();
  }

  /** Takes the visitor's leg out of the bridge, if any, and hangs it up. */
  #dropVisitor(cause: number): void {
    const leg = this.#visitorLeg;
    if (!leg) return;
    this.#visitorLeg = undefined;
    const bridgeId = this.#bridgeId;
    this.#bridgeId = undefined;
    if (bridgeId) {
      this.#emit(
        amiEvent('BridgeLeave', 'call,all', bridgeHeaders(bridgeId, 1), channelHeaders(leg.channel)),
      );
    }
    this.#hangUpLeg(leg, cause);
    const caller = this.#extensionLeg?.channel;
    if (bridgeId && caller) {
      this.#emit(amiEvent('BridgeLeave', 'call,all', bridgeHeaders(bridgeId, 0), channelHeaders(caller)));
      this.#emit(amiEvent('BridgeDestroy', 'call,all', bridgeHeaders(bridgeId, 0)));
    }
  }

  /**
   * The dialplan's `Set(CALLERID(num)=...)` before Dial(): the visitor sees CALLNOW_VISITOR_CALLERID, else the global
   * CALLNOW_OUTBOUND_CALLERID, else the extension's number; never their own number.
   */
  #showSiteCallerId(caller: SimChannel): void {
    const shown =
      this.#variable('CALLNOW_VISITOR_CALLERID') ||
      this.#env.outboundCallerId ||
      this.#variable('CALLNOW_EXTENSION') ||
      this.#request.extension ||
      '<unknown>';
    caller.callerIdNum = shown;
    caller.callerIdName = '<unknown>';
    this.#emit(
      channelEvent('NewCallerid', caller, [['CID-CallingPres', '0 (Presentation Allowed, Not Screened)']]),
    );
  }

  #originateSucceeded(channel: SimChannel): void {
    this.#onOriginateResult(true);
    if (this.#request.async)
      this.#emitOriginateResponse('Success', channel.name, REASON_ANSWERED, channel.uniqueid);
  }

  #originateFailed(reason: number): void {
    this.#onOriginateResult(false);
    // On failure Asterisk reports the requested dial string, not a channel, and no Uniqueid.
    if (this.#request.async)
      this.#emitOriginateResponse('Failure', this.#request.channel, reason, '<unknown>');
  }

  #emitOriginateResponse(response: string, channel: string, reason: number, uniqueid: string): void {
    const { actionId, context, exten, callerIdNum, callerIdName } = this.#request;
    this.#emit(
      amiEvent('OriginateResponse', 'call,all', actionId === undefined ? [] : [['ActionID', actionId]], [
        ['Response', response],
        ['Channel', channel],
        ['Context', context],
        ['Exten', exten],
        ['Reason', String(reason)],
        ['Uniqueid', uniqueid],
        ['CallerIDNum', callerIdNum],
        ['CallerIDName', callerIdName],
      ]),
    );
  }

  /** `UserEvent(CallNow,RequestId: ...,Stage: ...)` as the dialplan contract defines it. */
  #stage(channel: SimChannel, stage: string, extra: readonly AmiHeader[] = []): void {
    channel.priority += 1;
    this.#emit(
      channelEvent('UserEvent', channel, [
        ['UserEvent', 'CallNow'],
        ['RequestId', this.#variable('CALLNOW_REQUEST_ID') ?? ''],
        ['Stage', stage],
        ...extra,
      ]),
    );
  }

  #emitDialEnd(caller: SimChannel, callee: SimChannel, dialStatus: string): void {
    this.#emit(
      amiEvent('DialEnd', 'call,all', channelHeaders(caller), channelHeaders(callee, 'Dest'), [
        ['DialStatus', dialStatus],
      ]),
    );
  }

  #announceNewLeg(leg: SimLeg): void {
    for (const channel of legChannels(leg)) this.#emit(channelEvent('Newchannel', channel));
  }

  #setState(channel: SimChannel, state: ChannelState): void {
    channel.state = state;
    this.#emit(channelEvent('Newstate', channel));
  }

  #hangUpLeg(leg: SimLeg, cause: number): void {
    for (const channel of legChannels(leg)) this.#hangUp(channel, cause);
  }

  #hangUp(channel: SimChannel, cause: number): void {
    this.#emit(
      channelEvent('Hangup', channel, [
        ['Cause', String(cause)],
        ['Cause-txt', hangupCauseText(cause)],
      ]),
    );
  }

  #setExtensionState(state: 'ringing' | 'in_use' | undefined): void {
    const extension = this.#request.extension;
    if (extension !== undefined) this.#env.extensions.setCall(extension, this.id, state);
  }

  #variable(name: string): string | undefined {
    return this.#request.variables.get(name);
  }

  #emit(event: AmiHeader[]): void {
    this.#env.emit(event);
  }

  #after(delayMs: number, step: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#phase !== 'ended') step();
    }, this.#env.scaleMs(delayMs));
    this.#timers.add(timer);
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #end(): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    this.#clearTimers();
    this.#env.ended(this);
  }
}

function legChannels(leg: SimLeg): SimChannel[] {
  return leg.localHalf ? [leg.channel, leg.localHalf] : [leg.channel];
}

function bridgeHeaders(bridgeId: string, channelCount: number): AmiHeader[] {
  return [
    ['BridgeUniqueid', bridgeId],
    ['BridgeType', 'basic'],
    ['BridgeTechnology', 'simple_bridge'],
    ['BridgeCreator', '<unknown>'],
    ['BridgeName', '<unknown>'],
    ['BridgeNumChannels', String(channelCount)],
    ['BridgeVideoSourceMode', 'none'],
  ];
}
