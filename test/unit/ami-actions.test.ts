import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ACTION_ID_PATTERN,
  checkActionId,
  encodeAction,
} from '../../edge-connector/src/ami/action-encoding.ts';
import { defaultRetryStrategy } from '../../edge-connector/src/ami/client.ts';
import {
  AmiActionTimeoutError,
  AmiConnectionClosedError,
  AmiInvalidActionError,
  AmiUnsafeValueError,
} from '../../edge-connector/src/ami/errors.ts';
import { PendingActions } from '../../edge-connector/src/ami/pending-actions.ts';
import type { AmiAction, AmiResponse } from '../../edge-connector/src/ami/types.ts';

const originate: AmiAction = {
  Action: 'Originate',
  Channel: 'PJSIP/101',
  Context: 'callnow',
  Exten: 's',
  Priority: '1',
  Timeout: '30000',
  CallerID: '"CallNow: Grace" <+12025550100>',
  Variable: [
    'CALLNOW_REQUEST_ID=req-1',
    'CALLNOW_CONFIRM=1',
    'CALLNOW_VISITOR_DIAL=PJSIP/+12025550100@trunk',
  ],
  Async: 'true',
};

function response(actionId: string): AmiResponse {
  return { response: 'Success', actionId, fields: { response: 'Success', actionid: actionId } };
}

describe('encodeAction', () => {
  it('lower-cases header names, adds the ActionID and turns Variable entries into one header each', () => {
    const { name, raw } = encodeAction(originate, 'callnow-req-1-1');

    expect(name).toBe('Originate');
    expect(raw).toEqual({
      action: 'Originate',
      actionid: 'callnow-req-1-1',
      channel: 'PJSIP/101',
      context: 'callnow',
      exten: 's',
      priority: '1',
      timeout: '30000',
      callerid: '"CallNow: Grace" <+12025550100>',
      variable: {
        CALLNOW_REQUEST_ID: 'req-1',
        CALLNOW_CONFIRM: '1',
        CALLNOW_VISITOR_DIAL: 'PJSIP/+12025550100@trunk',
      },
      async: 'true',
    });
  });

  it.each([
    [
      'a CR/LF in a Variable entry',
      { ...originate, Variable: ['CALLNOW_REQUEST_ID=r\r\nAction: Originate'] },
    ],
    ['a LF in the CallerID', { ...originate, CallerID: 'Grace\nAction: Hangup' }],
    ['a CR in the channel', { ...originate, Channel: 'PJSIP/101\r' }],
    ['a tab in the context', { ...originate, Context: 'call\tnow' }],
    ['a DEL in the exten', { ...originate, Exten: 's\u007f' }],
    ['a control character in the action name', { Action: 'Ping\r\nAction: Originate' }],
    ['a header name holding CR/LF', { Action: 'Ping', 'X\r\nAction: Originate\r\nY': '1' }],
    ['a header name holding a colon', { Action: 'Ping', 'Channel: PJSIP/1\r\nX': '1' }],
    [
      'a comma inside a Variable value',
      { ...originate, Variable: ['CALLNOW_CONFIRM=0,CALLNOW_REQUEST_ID=x'] },
    ],
    ['a comma inside a single Variable string', { ...originate, Variable: 'A=1,B=2' }],
  ])('refuses %s with AmiUnsafeValueError', (_, action) => {
    expect(() => encodeAction(action as AmiAction, 'id-1')).toThrow(AmiUnsafeValueError);
  });

  it.each([
    ['an ActionID given as a header', { Action: 'Ping', ActionID: 'mine' }],
    ['the same header twice in different cases', { Action: 'Ping', Channel: 'a', channel: 'b' }],
    ['a Variable entry without =', { ...originate, Variable: ['CALLNOW_CONFIRM'] }],
    ['the same variable twice', { ...originate, Variable: ['A=1', 'A=2'] }],
    ['a Login (the client logs in by itself)', { Action: 'Login', Username: 'x', Secret: 'y' }],
    ['an action name that is not a word', { Action: 'Core Show' }],
  ])('refuses %s with AmiInvalidActionError', (_, action) => {
    expect(() => encodeAction(action as AmiAction, 'id-1')).toThrow(AmiInvalidActionError);
  });
});

describe('checkActionId', () => {
  it.each(['callnow-req-1-1', 'cn0a1b2c3d-42', 'a', 'x.y:z@h+1#*_'])('accepts %s', (actionId) => {
    expect(() => checkActionId(actionId)).not.toThrow();
  });

  it.each([
    ['a CR/LF', 'id\r\nAction: Originate', AmiUnsafeValueError],
    ['a space', 'id 1', AmiInvalidActionError],
    ['an empty id', '', AmiInvalidActionError],
    ['a leading dash', '-id', AmiInvalidActionError],
    ['more than 128 characters', 'x'.repeat(129), AmiInvalidActionError],
    ['a name asterisk-manager uses for its own events', 'error', AmiInvalidActionError],
    ['another such name in capitals', 'RawEvent', AmiInvalidActionError],
  ])('refuses %s', (_, actionId, errorClass) => {
    expect(() => checkActionId(actionId)).toThrow(errorClass);
  });
});

describe('PendingActions', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('generates ActionIDs that are unique and AMI-safe', () => {
    const pending = new PendingActions();

    const actionIds = Array.from({ length: 1000 }, () => pending.nextActionId());

    expect(new Set(actionIds).size).toBe(1000);
    expect(actionIds.every((actionId) => ACTION_ID_PATTERN.test(actionId))).toBe(true);
  });

  it('skips an ActionID that a caller already has pending', () => {
    const pending = new PendingActions();
    const first = pending.nextActionId();
    expect(first).toMatch(/-1$/);
    void pending.add(first.replace(/-1$/, '-2'), 'Ping', 1000).catch(() => {});

    expect(pending.nextActionId()).toBe(first.replace(/-1$/, '-3'));
  });

  it('refuses an ActionID that is already pending, synchronously', () => {
    const pending = new PendingActions();
    void pending.add('callnow-req-1-1', 'Originate', 1000).catch(() => {});

    expect(() => pending.add('callnow-req-1-1', 'Originate', 1000)).toThrow(AmiInvalidActionError);
  });

  it('resolves the action its response names and clears its timer', async () => {
    const settled: string[] = [];
    const pending = new PendingActions((actionId) => settled.push(actionId));
    const answered = pending.add('a-1', 'Ping', 1000);

    expect(pending.settle(response('a-1'))).toBe(true);

    await expect(answered).resolves.toEqual(response('a-1'));
    expect(vi.getTimerCount()).toBe(0);
    expect(settled).toEqual(['a-1']);
    expect(pending.settle(response('a-1'))).toBe(false);
  });

  it('rejects with AmiActionTimeoutError when no response comes in time, and not before', async () => {
    const pending = new PendingActions();
    const answered = pending.add('a-1', 'Originate', 5000);
    const outcome = answered.then(
      () => 'resolved',
      (error: unknown) => error,
    );

    await vi.advanceTimersByTimeAsync(4999);
    expect(pending.has('a-1')).toBe(true);
    await vi.advanceTimersByTimeAsync(1);

    const error = await outcome;
    expect(error).toBeInstanceOf(AmiActionTimeoutError);
    expect(error).toMatchObject({ action: 'Originate', actionId: 'a-1', timeoutMs: 5000 });
    expect(pending.size).toBe(0);
  });

  it('ignores a response that comes after the timeout', async () => {
    const pending = new PendingActions();
    const answered = pending.add('a-1', 'Ping', 100).catch((error: unknown) => error);

    await vi.advanceTimersByTimeAsync(100);

    expect(pending.settle(response('a-1'))).toBe(false);
    expect(await answered).toBeInstanceOf(AmiActionTimeoutError);
  });

  it('rejects every pending action with the error it is given', async () => {
    const pending = new PendingActions();
    const first = pending.add('a-1', 'Ping', 1000).catch((error: unknown) => error);
    const second = pending.add('a-2', 'Originate', 1000).catch((error: unknown) => error);

    pending.rejectAll((action, actionId) => new AmiConnectionClosedError(`${action} ${actionId} lost`));

    expect(await first).toMatchObject({ name: 'AmiConnectionClosedError', message: 'Ping a-1 lost' });
    expect(await second).toMatchObject({ name: 'AmiConnectionClosedError', message: 'Originate a-2 lost' });
    expect(pending.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('defaultRetryStrategy', () => {
  it('starts around 250 ms and doubles', () => {
    expect(defaultRetryStrategy(1, () => 0)).toBe(125);
    expect(defaultRetryStrategy(1, () => 1)).toBe(250);
    expect(defaultRetryStrategy(2, () => 1)).toBe(500);
    expect(defaultRetryStrategy(3, () => 1)).toBe(1000);
  });

  it('never waits more than 10 s, however many attempts failed', () => {
    for (const attempt of [7, 8, 20, 1000]) {
      expect(defaultRetryStrategy(attempt, () => 1)).toBe(10_000);
      expect(defaultRetryStrategy(attempt, () => 0)).toBe(5000);
    }
  });

  it('spreads the delays (jitter) so that connectors do not reconnect in step', () => {
    const delays = new Set(Array.from({ length: 50 }, () => defaultRetryStrategy(5)));

    expect(delays.size).toBeGreaterThan(10);
  });
});
