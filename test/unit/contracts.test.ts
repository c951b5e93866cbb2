import { describe, expect, it } from 'vitest';
import { hasControlCharacters, toAmiSafeText } from '../../contracts/ami-safe.ts';
import { CALL_STATES, isForwardTransition } from '../../contracts/call-states.ts';
import { maskPhoneNumber } from '../../contracts/log-masking.ts';
import {
  CallEventSchema,
  CallRequestedSchema,
  CallStatusSchema,
  parseWireMessage,
} from '../../contracts/messages.ts';
import { callRequested } from '../support/fixtures.ts';

const at = '2026-11-26T10:00:00.000Z';
const requested = callRequested({ createdAt: at, expiresAt: at });

describe('call.requested', () => {
  it('accepts a well-formed message', () => {
    expect(parseWireMessage(CallRequestedSchema, JSON.stringify(requested))).toEqual({
      ok: true,
      message: requested,
    });
  });

  it.each([
    ['not JSON', '{"v":1,'],
    ['an unknown version', JSON.stringify({ ...requested, v: 2 })],
    ['an unknown field', JSON.stringify({ ...requested, extra: true })],
    ['a number that is not E.164', JSON.stringify({ ...requested, visitor: { phone: '2025550100' } })],
    ['a CR/LF in the caller id name', JSON.stringify({ ...requested, callerIdName: 'x\r\nAction: Hangup' })],
    ['a CR/LF in the request id', JSON.stringify({ ...requested, requestId: 'r\r\nAction: Hangup' })],
    [
      'a channel that breaks out of the header',
      JSON.stringify({ ...requested, extension: { number: '101', channel: 'PJSIP/101\r\nX: y' } }),
    ],
  ])('refuses %s', (_, body) => {
    expect(parseWireMessage(CallRequestedSchema, body).ok).toBe(false);
  });
});

describe('call.status', () => {
  const status = { v: 1, type: 'call.status', requestId: 'req-1', siteId: 'hq', at };

  it('requires a reason with failed, and only then', () => {
    expect(CallStatusSchema.safeParse({ ...status, status: 'failed', reason: 'visitor_busy' }).success).toBe(
      true,
    );
    expect(CallStatusSchema.safeParse({ ...status, status: 'failed' }).success).toBe(false);
    expect(
      CallStatusSchema.safeParse({ ...status, status: 'connected', reason: 'visitor_busy' }).success,
    ).toBe(false);
  });

  it('never carries queued: only the cloud puts a request in the queue', () => {
    expect(CallStatusSchema.safeParse({ ...status, status: 'queued' }).success).toBe(false);
  });

  it('is told apart from extension.presence on the events queue', () => {
    const presence = {
      v: 1,
      type: 'extension.presence',
      siteId: 'hq',
      extension: '101',
      state: 'in_use',
      at,
    };
    expect(CallEventSchema.parse(presence)).toEqual(presence);
    expect(CallEventSchema.parse({ ...status, status: 'connected' })).toMatchObject({ type: 'call.status' });
  });
});

describe('state machine', () => {
  it('only moves forward, and never out of a terminal state', () => {
    expect(isForwardTransition('queued', 'dialing_extension')).toBe(true);
    expect(isForwardTransition('dialing_visitor', 'awaiting_confirmation')).toBe(false);
    expect(isForwardTransition('connected', 'connected')).toBe(false);
    for (const state of CALL_STATES) {
      expect(isForwardTransition('completed', state)).toBe(false);
      expect(isForwardTransition('failed', state)).toBe(false);
    }
    expect(isForwardTransition('connected', 'failed')).toBe(true);
  });
});

describe('values bound for AMI', () => {
  it('strips line breaks, controls, quotes and separators from free text', () => {
    const safe = toAmiSafeText('Eve "the\r\nAction: Originate" <x>, |y|');
    expect(hasControlCharacters(safe)).toBe(false);
    expect(safe).not.toMatch(/["<>,|]/);
    expect(safe).toBe('Eve the Action: Originate x y');
  });

  it('catches Unicode line separators too', () => {
    expect(hasControlCharacters('a\u2028b')).toBe(true);
    expect(hasControlCharacters('Zoë Ñandú 山田')).toBe(false);
  });

  it('catches bidi controls and other invisible format characters, which let a name pose as another', () => {
    for (const format of ['\u202e', '\u202a', '\u2066', '\u2069', '\u200e', '\u200b', '\ufeff', '\u00ad']) {
      expect(hasControlCharacters(`Bob${format}ecnarG`), format).toBe(true);
      expect(toAmiSafeText(`Bob${format}ecnarG`), format).toBe('Bob ecnarG');
    }
    expect(hasControlCharacters('Zoë O\u2019Brien-Ñandú 山田 👋')).toBe(false);
  });

  it('bounds the length', () => {
    expect(toAmiSafeText('x'.repeat(100))).toHaveLength(40);
  });
});

describe('maskPhoneNumber', () => {
  it('keeps the country code and the last two digits', () => {
    expect(maskPhoneNumber('+12025550100')).toBe('+1********00');
  });
});
