// Extension presence: Asterisk's hint states in the product's words, coalesced so a burst of events is one message.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PresenceState } from '../../contracts/messages.ts';
import { isOnThePhone, PresenceReporter, presenceFromHintStatus } from '../../edge-connector/src/presence.ts';

describe('hint states (fixture d_extensionstate_and_eventmask)', () => {
  it.each([
    ['0', 'idle'],
    ['1', 'in_use'],
    ['2', 'in_use'],
    ['4', 'unavailable'],
    ['8', 'ringing'],
    ['9', 'in_use'],
    ['16', 'in_use'],
    ['17', 'in_use'],
    ['-1', undefined],
    ['-2', undefined],
    ['', undefined],
    ['Idle', undefined],
  ])('status %s is %s', (status, presence) => {
    expect(presenceFromHintStatus(status)).toBe(presence);
  });

  it.each([
    ['1', true],
    ['2', true],
    ['9', true],
    ['16', true],
    ['0', false],
    ['8', false],
    ['4', false],
    ['-1', false],
  ])('status %s is on the phone: %s', (status, onThePhone) => {
    expect(isOnThePhone(status)).toBe(onThePhone);
  });
});

const START_MS = 1_800_000_000_000;
/** The cloud takes presence older than this as unknown (PRESENCE_FRESH_SECONDS in functions/domain/call-requests.ts). */
const CLOUD_FRESH_MS = 300_000;

describe('PresenceReporter', () => {
  let sent: Array<[string, PresenceState]>;
  /** When each of `sent` went out, in ms since the test began. */
  let sentAtMs: number[];
  let failNext: number;
  let reporter: PresenceReporter;

  beforeEach(() => {
    vi.useFakeTimers({ now: START_MS });
    sent = [];
    sentAtMs = [];
    failNext = 0;
    reporter = new PresenceReporter({
      intervalMs: 1000,
      retryMs: 5000,
      refreshMs: 120_000,
      now: () => Date.now(),
      send: async (extension, state) => {
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('SQS is down');
        }
        sent.push([extension, state]);
        sentAtMs.push(Date.now() - START_MS);
      },
    });
    reporter.watch('101');
    reporter.watch('102');
  });

  afterEach(() => {
    reporter.stop();
    vi.useRealTimers();
  });

  it('sends the last state of a burst at the end of its turn, then at most one per second per extension', async () => {
    reporter.update('101', 'ringing');
    reporter.update('101', 'in_use');
    reporter.update('101', 'idle');
    reporter.update('101', 'in_use');
    reporter.update('102', 'ringing');
    await vi.advanceTimersByTimeAsync(0);
    const atOnce = [...sent];
    expect(atOnce).toEqual([
      ['101', 'in_use'],
      ['102', 'ringing'],
    ]);

    reporter.update('101', 'idle');
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual(atOnce);
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([...atOnce, ['101', 'idle']]);
  });

  it('sends nothing when a burst ends where it started', async () => {
    reporter.update('101', 'idle');
    await vi.advanceTimersByTimeAsync(0);

    reporter.update('101', 'ringing');
    reporter.update('101', 'idle');
    await vi.advanceTimersByTimeAsync(5000);

    expect(sent).toEqual([['101', 'idle']]);
  });

  it('ignores extensions it does not watch', async () => {
    reporter.update('999', 'in_use');
    await vi.advanceTimersByTimeAsync(2000);

    expect(sent).toEqual([]);
    expect(reporter.watch('999')).toBe(true);
    expect(reporter.watch('999')).toBe(false);
  });

  it('sends again after a failure, with the state that is latest by then', async () => {
    failNext = 1;
    reporter.update('101', 'ringing');
    await vi.advanceTimersByTimeAsync(0);
    reporter.update('101', 'in_use');

    await vi.advanceTimersByTimeAsync(4999);
    const beforeRetry = [...sent];
    await vi.advanceTimersByTimeAsync(1);

    expect(beforeRetry).toEqual([]);
    expect(sent).toEqual([['101', 'in_use']]);
  });

  it('sends nothing after stop', async () => {
    reporter.update('101', 'ringing');
    await vi.advanceTimersByTimeAsync(0);
    reporter.update('101', 'idle');

    reporter.stop();
    await vi.advanceTimersByTimeAsync(CLOUD_FRESH_MS);

    expect(sent).toEqual([['101', 'ringing']]);
  });

  it('sends a long in_use again every refresh period, so the cloud never sees it stale', async () => {
    reporter.update('101', 'in_use');
    reporter.update('999', 'in_use');

    // Nineteen and a half minutes on the phone, with nothing from Asterisk after the first event.
    const callMs = 19.5 * 60_000;
    await vi.advanceTimersByTimeAsync(callMs);

    expect(sent).toEqual(Array.from({ length: 10 }, () => ['101', 'in_use']));
    expect(sentAtMs).toEqual(Array.from({ length: 10 }, (_, index) => index * 120_000));
    const agesMs = [...sentAtMs.slice(1), callMs].map((atMs, index) => atMs - (sentAtMs[index] ?? 0));
    expect(Math.max(...agesMs)).toBeLessThan(CLOUD_FRESH_MS);
  });

  it('sends nothing again for an extension it does not watch, or whose state it does not know', async () => {
    reporter.update('999', 'in_use');
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(sent).toEqual([]);
  });

  it('counts the period from the last message: a change pushes the refresh back, one message per period', async () => {
    reporter.update('101', 'in_use');
    reporter.update('102', 'idle');
    await vi.advanceTimersByTimeAsync(100_000);
    reporter.update('101', 'idle');
    // A burst that ends where it started sends nothing and does not move the refresh.
    reporter.update('102', 'ringing');
    reporter.update('102', 'idle');

    await vi.advanceTimersByTimeAsync(230_000);

    expect(sent.map(([extension, state], index) => [extension, state, sentAtMs[index]])).toEqual([
      ['101', 'in_use', 0],
      ['102', 'idle', 0],
      ['101', 'idle', 100_000],
      ['102', 'idle', 120_000],
      ['101', 'idle', 220_000],
      ['102', 'idle', 240_000],
    ]);
  });

  it('tries a refresh that failed again after the retry delay', async () => {
    reporter.update('101', 'in_use');
    await vi.advanceTimersByTimeAsync(119_999);
    failNext = 1;

    await vi.advanceTimersByTimeAsync(1);
    expect(sentAtMs).toEqual([0]);
    await vi.advanceTimersByTimeAsync(5000);

    expect(sent).toEqual([
      ['101', 'in_use'],
      ['101', 'in_use'],
    ]);
    expect(sentAtMs).toEqual([0, 125_000]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sentAtMs).toEqual([0, 125_000, 245_000]);
  });
});
