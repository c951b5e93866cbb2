// The functions' log lines: JSON, with the Lambda request id of their invocation, and fields that cannot pose as
// the level, the message or the request id.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeError, log, setLogContext } from '../../functions/lib/log.ts';
import { publicHarness } from './public-harness.ts';

const linesOf = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map(([line]) => JSON.parse(String(line)));

afterEach(() => {
  vi.restoreAllMocks();
  setLogContext(undefined);
});

describe('log lines', () => {
  it('carry the request id, and keep their own level and message whatever fields are given', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    setLogContext('req-abc');
    log.warn('call to a refused number', {
      level: 'info',
      msg: 'forged',
      requestId: 'forged',
      rule: 'country',
    });
    expect(linesOf(warn)).toEqual([
      { level: 'warn', msg: 'call to a refused number', requestId: 'req-abc', rule: 'country' },
    ]);
  });

  it("say an error's cause", () => {
    const error = new Error('outer', { cause: new TypeError('inner') });
    expect(describeError(error)).toEqual({ error: 'Error', detail: 'outer', cause: 'TypeError: inner' });
  });

  it('name the invocation of the handler that wrote them', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await publicHarness().postJson({ phoneNumber: '+19002345678' });
    expect(linesOf(warn)).toContainEqual(
      expect.objectContaining({ msg: 'call to a refused number', requestId: 'test' }),
    );
  });
});
