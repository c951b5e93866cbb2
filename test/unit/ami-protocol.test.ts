import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AmiProtocolError, AmiUnsafeValueError } from '../../edge-connector/src/ami/errors.ts';
import {
  type AmiFrame,
  type AmiMessage,
  AmiStreamParser,
  headerValue,
  headerValues,
  messageFields,
  serializeAmiMessage,
} from '../../edge-connector/src/ami/protocol.ts';

const fixturesDir = join(import.meta.dirname, '../fixtures/asterisk');
const transcriptNames = readdirSync(fixturesDir).filter((name) => name.endsWith('.txt'));

/** The transcript without its `#` annotation lines (LF-terminated); what remains is the bytes on the wire. */
function readTranscript(name: string): { wire: string; directions: number } {
  const lines = readFileSync(join(fixturesDir, name), 'utf8').split('\n');
  // The last element is what follows the final LF: nothing.
  lines.pop();
  const wire = lines.filter((line) => !line.startsWith('#')).map((line) => `${line}\n`);
  const directions = lines.filter((line) => line.startsWith('#<<<') || line.startsWith('#>>>')).length;
  return { wire: wire.join(''), directions };
}

function parseAll(text: string): AmiFrame[] {
  return new AmiStreamParser().push(text);
}

function messagesOf(frames: AmiFrame[]): AmiMessage[] {
  return frames.flatMap((frame) => (frame.kind === 'message' ? [frame.message] : []));
}

function findEvent(messages: AmiMessage[], name: string): AmiMessage {
  const event = messages.find((message) => headerValue(message, 'Event') === name);
  if (!event) throw new Error(`no ${name} event`);
  return event;
}

describe('AmiStreamParser on the recorded Asterisk 22 transcripts', () => {
  it('found the copied transcripts', () => {
    expect(transcriptNames.length).toBeGreaterThanOrEqual(18);
  });

  it.each(transcriptNames)('reads every block of %s as one frame', (name) => {
    const { wire, directions } = readTranscript(name);

    const frames = parseAll(wire);

    // Each SENT/RECV annotation introduces exactly one message or one banner.
    expect(frames).toHaveLength(directions);
  });

  it.each([
    'a2_login_failure.txt',
    'b_originate_101_confirm_answer.txt',
    'd_extensionstate_and_eventmask.txt',
    'e_malformed_actions.txt',
  ])('gives the same frames for %s when the bytes arrive in odd pieces', (name) => {
    const { wire } = readTranscript(name);
    const parser = new AmiStreamParser();
    const pieces: string[] = [];
    // Pieces of 1 to 13 characters, so CR and LF land on every side of a boundary.
    for (let start = 0, size = 1; start < wire.length; start += size, size = (size % 13) + 1) {
      pieces.push(wire.slice(start, start + size));
    }

    const frames = pieces.flatMap((piece) => parser.push(piece));

    expect(frames).toEqual(parseAll(wire));
  });

  it('reads the banner, the Login response and FullyBooted of a1', () => {
    const frames = parseAll(readTranscript('a1_login_success.txt').wire);

    expect(frames[0]).toEqual({ kind: 'banner', text: 'Asterisk Call Manager/11.0.0' });
    const messages = messagesOf(frames);
    expect(messages[1]?.headers).toEqual([
      ['Response', 'Success'],
      ['ActionID', 'login-ok-1'],
      ['Message', 'Authentication accepted'],
    ]);
    expect(messageFields(findEvent(messages, 'FullyBooted'))).toEqual({
      event: 'FullyBooted',
      privilege: 'system,all',
      uptime: '10',
      lastreload: '10',
      status: 'Fully Booted',
    });
  });

  it('keeps empty values and values holding ": " (c10, b)', () => {
    const messages = messagesOf(parseAll(readTranscript('b_originate_101_confirm_answer.txt').wire));

    const newchannel = findEvent(messages, 'Newchannel');
    expect(headerValue(newchannel, 'AccountCode')).toBe('');
    const dialplanEvent = messages.find((message) =>
      headerValue(message, 'AppData')?.startsWith('CallNow,RequestId: req-1,Stage: dial-end'),
    );
    expect(headerValue(dialplanEvent ?? { headers: [] }, 'AppData')).toBe(
      'CallNow,RequestId: req-1,Stage: dial-end,DialStatus: ANSWER,DialedTime: 6,AnsweredTime: 5',
    );
  });

  it('reads a failed OriginateResponse with the dial string as Channel and no Uniqueid (c1)', () => {
    const messages = messagesOf(parseAll(readTranscript('c1_originate_102_noanswer.txt').wire));

    const response = findEvent(messages, 'OriginateResponse');

    expect(messageFields(response)).toMatchObject({
      actionid: 'orig-req-2',
      response: 'Failure',
      channel: 'Local/102@sim-phones',
      reason: '3',
      uniqueid: '<unknown>',
    });
  });

  it('reads lines ending in LF alone, lower-case names and a line without a colon (e)', () => {
    const messages = messagesOf(parseAll(readTranscript('e_malformed_actions.txt').wire));

    const lfOnly = messages.find((message) => headerValue(message, 'ActionID') === 'lf-only-1');
    const lowerCase = messages.find((message) => headerValue(message, 'ActionID') === 'lowercase-1');
    const noColon = messages.find((message) => headerValue(message, 'ActionID') === 'nocolon-1');
    expect(lfOnly?.headers).toEqual([
      ['Action', 'Ping'],
      ['ActionID', 'lf-only-1'],
    ]);
    expect(lowerCase?.headers).toEqual([
      ['action', 'ping'],
      ['actionid', 'lowercase-1'],
    ]);
    expect(noColon?.headers).toEqual([
      ['Action', 'Ping'],
      ['ActionID', 'nocolon-1'],
    ]);
  });

  it('reads a banner that comes after another connection (a2, three connections)', () => {
    const frames = parseAll(readTranscript('a2_login_failure.txt').wire);

    expect(frames.filter((frame) => frame.kind === 'banner')).toHaveLength(3);
  });
});

describe('AmiStreamParser', () => {
  it('keeps repeated headers in order and reads them case-insensitively', () => {
    const [frame] = parseAll('Action: Originate\r\nVariable: A=1\r\nvariable: B=2,C=3\r\n\r\n');
    const message = frame?.kind === 'message' ? frame.message : { headers: [] };

    expect(headerValues(message, 'VARIABLE')).toEqual(['A=1', 'B=2,C=3']);
    expect(headerValue(message, 'action')).toBe('Originate');
  });

  it('accepts a value with no space after the colon and skips blank lines between messages', () => {
    const frames = parseAll('\r\n\r\nAction:Ping\r\n\r\n\r\n');

    expect(messagesOf(frames)).toEqual([{ headers: [['Action', 'Ping']] }]);
  });

  it('refuses a line longer than it buffers', () => {
    const parser = new AmiStreamParser();

    expect(() => parser.push(`Action: ${'x'.repeat(70_000)}`)).toThrow(AmiProtocolError);
  });
});

describe('serializeAmiMessage', () => {
  it('writes CRLF lines and an empty line that the parser reads back', () => {
    const text = serializeAmiMessage([
      ['Action', 'Ping'],
      ['ActionID', 'p-1'],
      ['Empty', ''],
    ]);

    expect(text).toBe('Action: Ping\r\nActionID: p-1\r\nEmpty: \r\n\r\n');
    expect(messagesOf(parseAll(text))[0]?.headers).toEqual([
      ['Action', 'Ping'],
      ['ActionID', 'p-1'],
      ['Empty', ''],
    ]);
  });

  it.each([
    ['a CR/LF in a value', ['Variable', 'A=1\r\nAction: Originate']],
    ['a bare LF in a value', ['CallerID', 'x\nAction: Hangup']],
    ['a NUL in a value', ['Channel', 'PJSIP/101\u0000']],
    ['a line separator in a value', ['CallerID', 'x\u2028y']],
    ['a colon in a name', ['Action: Originate\r\nX', 'y']],
    ['a space in a name', ['Caller ID', 'y']],
    ['an empty name', ['', 'y']],
  ] as const)('refuses %s', (_, header) => {
    expect(() => serializeAmiMessage([['Action', 'Ping'], header])).toThrow(AmiUnsafeValueError);
  });
});
