// Channels of the simulated PBX and the AMI event headers that describe them, shaped like Asterisk 22's
// (see test/fixtures/asterisk/b_originate_101_confirm_answer.txt).

import type { AmiHeader } from '../src/ami/protocol.ts';

export type ChannelState = 0 | 4 | 5 | 6 | 7;

const CHANNEL_STATE_DESCRIPTIONS: Record<ChannelState, string> = {
  0: 'Down',
  4: 'Ring',
  5: 'Ringing',
  6: 'Up',
  7: 'Busy',
};

const HANGUP_CAUSE_TEXTS: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'User alerting, no answer',
  34: 'Circuit/channel congestion',
};

export interface SimChannel {
  readonly name: string;
  readonly uniqueid: string;
  readonly linkedid: string;
  state: ChannelState;
  callerIdNum: string;
  callerIdName: string;
  connectedLineNum: string;
  connectedLineName: string;
  context: string;
  exten: string;
  priority: number;
}

/** What dialling one dial string creates: the channel, plus the second half when it is a Local channel. */
export interface SimLeg {
  readonly channel: SimChannel;
  readonly localHalf?: SimChannel;
  /** The dial string without its technology, as DialBegin's `DialString` shows it. */
  readonly dialString: string;
}

export interface DialTarget {
  readonly technology: string;
  readonly resource: string;
}

/** `PJSIP/101` -> { PJSIP, 101 }; `Local/101@from-internal` -> { Local, 101@from-internal }. */
export function parseDialString(dialString: string): DialTarget | undefined {
  const slash = dialString.indexOf('/');
  if (slash <= 0 || slash === dialString.length - 1) return undefined;
  return { technology: dialString.slice(0, slash), resource: dialString.slice(slash + 1) };
}

export class ChannelFactory {
  readonly #epochSeconds = Math.floor(Date.now() / 1000);
  #channelSequence = 0;
  #uniqueSequence = 0;

  /**
   * `PJSIP/101` gives `PJSIP/101-0000002a`; `PJSIP/+12025550100@trunk` gives `PJSIP/trunk-0000002b`;
   * `Local/101@ctx` gives `Local/101@ctx-0000002c;1` and its `;2` half, which runs extension 101 of ctx.
   */
  create(target: DialTarget, options: { linkedid?: string; context: string; exten: string }): SimLeg {
    this.#channelSequence += 1;
    const suffix = this.#channelSequence.toString(16).padStart(8, '0');
    const uniqueid = this.#nextUniqueid();
    const linkedid = options.linkedid ?? uniqueid;
    const base = {
      callerIdNum: '<unknown>',
      callerIdName: '<unknown>',
      connectedLineNum: '<unknown>',
      connectedLineName: '<unknown>',
      priority: 1,
      linkedid,
    };
    if (target.technology.toLowerCase() === 'local') {
      const at = target.resource.indexOf('@');
      const localContext = at === -1 ? 'default' : target.resource.slice(at + 1);
      const localExten = at === -1 ? target.resource : target.resource.slice(0, at);
      const name = `${target.technology}/${target.resource}-${suffix}`;
      return {
        channel: { ...base, name: `${name};1`, uniqueid, state: 0, context: localContext, exten: localExten },
        localHalf: {
          ...base,
          name: `${name};2`,
          uniqueid: this.#nextUniqueid(),
          state: 4,
          context: localContext,
          exten: localExten,
        },
        dialString: target.resource,
      };
    }
    const at = target.resource.indexOf('@');
    const device = at === -1 ? target.resource : target.resource.slice(at + 1);
    return {
      channel: {
        ...base,
        name: `${target.technology}/${device}-${suffix}`,
        uniqueid,
        state: 0,
        context: options.context,
        exten: options.exten,
      },
      dialString: target.resource,
    };
  }

  #nextUniqueid(): string {
    const uniqueid = `${this.#epochSeconds}.${this.#uniqueSequence}`;
    this.#uniqueSequence += 1;
    return uniqueid;
  }
}

export function channelStateDescription(state: ChannelState): string {
  return CHANNEL_STATE_DESCRIPTIONS[state];
}

export function hangupCauseText(cause: number): string {
  return HANGUP_CAUSE_TEXTS[cause] ?? 'Unknown';
}

/** The block every channel event carries; `prefix` is `Dest` for the called side of Dial events. */
export function channelHeaders(channel: SimChannel, prefix = ''): AmiHeader[] {
  return [
    [`${prefix}Channel`, channel.name],
    [`${prefix}ChannelState`, String(channel.state)],
    [`${prefix}ChannelStateDesc`, channelStateDescription(channel.state)],
    [`${prefix}CallerIDNum`, channel.callerIdNum],
    [`${prefix}CallerIDName`, channel.callerIdName],
    [`${prefix}ConnectedLineNum`, channel.connectedLineNum],
    [`${prefix}ConnectedLineName`, channel.connectedLineName],
    [`${prefix}Language`, 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, channel.context],
    [`${prefix}Exten`, channel.exten],
    [`${prefix}Priority`, String(channel.priority)],
    [`${prefix}Uniqueid`, channel.uniqueid],
    [`${prefix}Linkedid`, channel.linkedid],
  ];
}

export function amiEvent(name: string, privilege: string, ...blocks: (readonly AmiHeader[])[]): AmiHeader[] {
  return [['Event', name], ['Privilege', privilege], ...blocks.flat()];
}

const EVENT_PRIVILEGES: Readonly<Record<string, string>> = {
  VarSet: 'dialplan,all',
  Newexten: 'dialplan,all',
  UserEvent: 'user,all',
  DTMFBegin: 'dtmf,all',
  DTMFEnd: 'dtmf,all',
};

export function channelEvent(
  name: string,
  channel: SimChannel,
  extra: readonly AmiHeader[] = [],
): AmiHeader[] {
  return amiEvent(name, EVENT_PRIVILEGES[name] ?? 'call,all', channelHeaders(channel), extra);
}
