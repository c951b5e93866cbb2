// The call event is a published contract: its JSON Schema in docs is the one the functions check with, the
// documented example is valid, and what the functions publish for a request fits it, the visitor's number masked
// unless the client chose otherwise.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CallStatusChanged,
  CallStatusChangedSchema,
  callStatusChanged,
} from '../../functions/domain/call-notifications.ts';
import type { CallRequest } from '../../functions/domain/model.ts';
import { CALL_EVENT_SCHEMA_FILE, renderCallEventSchema } from '../../scripts/call-event-schema.ts';

const repoFile = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');

function failedRequest(): CallRequest {
  return structuredClone({
    requestId: 'r-1',
    callNowId: 'demo',
    extensionId: 'e101',
    extensionNumber: '101',
    siteId: 'hq',
    clientId: 'c1',
    resellerId: 'r1',
    status: 'failed',
    reason: 'visitor_busy',
    visitorPhone: '+12025550100',
    visitorName: 'Grace',
    createdAt: '2026-12-05T10:20:49.003Z',
    expiresAt: '2026-12-05T10:22:49.003Z',
    statusTimes: {
      queued: '2026-12-05T10:20:49.003Z',
      dialing_extension: '2026-12-05T10:20:49.500Z',
      failed: '2026-12-05T10:21:07.412Z',
    },
  } satisfies CallRequest);
}

describe('the call event schema', () => {
  it(`is ${CALL_EVENT_SCHEMA_FILE} as it is now (run \`npx tsx scripts/call-event-schema.ts\` after a change)`, () => {
    expect(JSON.parse(repoFile(CALL_EVENT_SCHEMA_FILE))).toEqual(JSON.parse(renderCallEventSchema()));
  });

  it('takes the example that docs/call-events.md shows', () => {
    const example = /```json\n([\s\S]*?)\n```/.exec(repoFile('docs/call-events.md'))?.[1];
    expect(example).toBeDefined();
    const parsed = CallStatusChangedSchema.safeParse(JSON.parse(example ?? ''));
    expect(parsed.error).toBeUndefined();
  });

  it('takes a field added within the version, as receivers are told to', () => {
    const event = { ...callStatusChanged(failedRequest()), addedLater: 1 };
    expect(CallStatusChangedSchema.safeParse(event).success).toBe(true);
  });

  it('refuses an event of a state or version it does not know', () => {
    const event = callStatusChanged(failedRequest());
    expect(CallStatusChangedSchema.safeParse({ ...event, state: 'ringing' }).success).toBe(false);
    expect(CallStatusChangedSchema.safeParse({ ...event, version: '2' }).success).toBe(false);
  });
});

describe('the event of a request', () => {
  it('fits the schema, names the state, its reason and when it was reached, and masks the number', () => {
    const event = callStatusChanged(failedRequest());
    expect(CallStatusChangedSchema.parse(event)).toEqual(event);
    expect(event).toEqual({
      version: '1',
      eventId: 'r-1:failed',
      requestId: 'r-1',
      callNowId: 'demo',
      extensionId: 'e101',
      extensionNumber: '101',
      siteId: 'hq',
      clientId: 'c1',
      resellerId: 'r1',
      state: 'failed',
      reason: 'visitor_busy',
      at: '2026-12-05T10:21:07.412Z',
      createdAt: '2026-12-05T10:20:49.003Z',
      visitor: { number: '+1********00', numberMasked: true, name: 'Grace' },
    } satisfies CallStatusChanged);
  });

  it("carries the whole number when the request's client opted in", () => {
    const event = callStatusChanged({ ...failedRequest(), fullNumberInEvents: true });
    expect(event.visitor).toEqual({ number: '+12025550100', numberMasked: false, name: 'Grace' });
  });
});
