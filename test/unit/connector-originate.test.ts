import { describe, expect, it } from 'vitest';
import { CHANNEL_PATTERN } from '../../contracts/ami-safe.ts';
import type { CallRequested } from '../../contracts/messages.ts';
import {
  buildOriginate,
  OriginateBuildError,
  type OriginateConfig,
} from '../../edge-connector/src/originate.ts';
import { callRequested } from '../support/fixtures.ts';

const CONFIG: OriginateConfig = {
  extensionChannelTemplate: 'PJSIP/{extension}',
  visitorDialTemplate: 'PJSIP/{number}@trunk',
  callnowContext: 'callnow',
};

function request(overrides: Partial<CallRequested> = {}): CallRequested {
  return callRequested({ requestId: 'req-8f3a', ...overrides });
}

/** Every line that would go on the AMI wire for these headers, as the client writes them. */
function wireLines(action: Record<string, string | readonly string[]>): string[] {
  return Object.entries(action).flatMap(([header, value]) =>
    (typeof value === 'string' ? [value] : value).map((v) => `${header}: ${v}`),
  );
}

describe('buildOriginate', () => {
  it('builds the Originate of the dialplan contract for a normal request', () => {
    const plan = buildOriginate(request(), CONFIG, 1);

    expect(plan.actionId).toBe('callnow-req-8f3a-1');
    expect(plan.extensionChannel).toBe('PJSIP/101');
    expect(plan.action).toEqual({
      Action: 'Originate',
      Channel: 'PJSIP/101',
      Context: 'callnow',
      Exten: 's',
      Priority: '1',
      Timeout: '30000',
      CallerID: '"CallNow: Alice" <+12025550100>',
      Async: 'true',
      Variable: [
        'CALLNOW_REQUEST_ID=req-8f3a',
        'CALLNOW_EXTENSION=101',
        'CALLNOW_CONFIRM=1',
        'CALLNOW_VISITOR_DIAL=PJSIP/+12025550100@trunk',
        'CALLNOW_VISITOR_NUMBER=+12025550100',
        'CALLNOW_RING_SECONDS=30',
      ],
    });
  });

  it('never originates an application: always the CallNow context, never Application or Data', () => {
    const { action } = buildOriginate(request(), CONFIG, 1);

    expect(Object.keys(action).map((header) => header.toLowerCase())).not.toContain('application');
    expect(Object.keys(action).map((header) => header.toLowerCase())).not.toContain('data');
    expect(action).toMatchObject({ Context: 'callnow', Exten: 's' });
  });

  it("tells the dialplan which number the visitor sees: the request's, else the site's, else none", () => {
    const variablesOf = (plan: ReturnType<typeof buildOriginate>) =>
      plan.action.Variable as readonly string[];

    const fromRequest = buildOriginate(
      request({ visitorCallerId: '+442071234567' }),
      {
        ...CONFIG,
        outboundCallerId: '+12025550199',
      },
      1,
    );
    const fromSite = buildOriginate(request(), { ...CONFIG, outboundCallerId: '+12025550199' }, 1);
    const unset = buildOriginate(request(), CONFIG, 1);

    expect(variablesOf(fromRequest)).toContain('CALLNOW_VISITOR_CALLERID=+442071234567');
    expect(variablesOf(fromSite)).toContain('CALLNOW_VISITOR_CALLERID=+12025550199');
    expect(variablesOf(unset).some((variable) => variable.startsWith('CALLNOW_VISITOR_CALLERID='))).toBe(
      false,
    );
  });

  it('puts the receive attempt in the ActionID so deliveries of one request are told apart', () => {
    expect(buildOriginate(request(), CONFIG, 3).actionId).toBe('callnow-req-8f3a-3');
  });

  it('sends CALLNOW_CONFIRM=0 and the ring time when no confirmation is asked', () => {
    const plan = buildOriginate(request({ confirm: false, ringSeconds: 45 }), CONFIG, 1);

    expect(plan.action.Timeout).toBe('45000');
    expect(plan.action.Variable).toContain('CALLNOW_CONFIRM=0');
    expect(plan.action.Variable).toContain('CALLNOW_RING_SECONDS=45');
  });

  it('cannot produce a header break from a hostile caller name (CR, LF, quotes, commas, angle brackets)', () => {
    // The wire schema refuses control characters; the builder must hold even when handed a value that got past it.
    const hostile = 'Eve"\r\nAction: Originate\r\nChannel: Local/666@x,<+1999>\u2028;|\\';

    const plan = buildOriginate(request({ callerIdName: hostile }), CONFIG, 1);

    const callerId = plan.action.CallerID;
    expect(typeof callerId).toBe('string');
    expect(callerId).not.toMatch(/[\r\n\u2028]/);
    expect(callerId).toMatch(/^"[^"<>,]*" <\+12025550100>$/);
    for (const line of wireLines(plan.action)) expect(line).not.toMatch(/[\r\n]/);
    expect(wireLines(plan.action).filter((line) => line.startsWith('Action:'))).toEqual([
      'Action: Originate',
    ]);
  });

  it('sends a bare number as CallerID when the name is nothing but unsafe characters', () => {
    const plan = buildOriginate(request({ callerIdName: '"<>"' }), CONFIG, 1);

    expect(plan.action.CallerID).toBe('<+12025550100>');
  });

  it('uses the templates as given: Local/{number}@from-internal reuses the PBX outbound routes', () => {
    const plan = buildOriginate(
      request(),
      {
        ...CONFIG,
        extensionChannelTemplate: 'Local/{extension}@from-internal',
        visitorDialTemplate: 'Local/{number}@from-internal',
      },
      1,
    );

    expect(plan.action.Channel).toBe('Local/101@from-internal');
    expect(plan.action.Variable).toContain('CALLNOW_VISITOR_DIAL=Local/+12025550100@from-internal');
    expect(plan.extensionChannel).toMatch(CHANNEL_PATTERN);
    expect(plan.visitorDial).toMatch(CHANNEL_PATTERN);
  });

  it('offers {digits} for trunks that want the number without its plus', () => {
    const plan = buildOriginate(request(), { ...CONFIG, visitorDialTemplate: 'PJSIP/{digits}@trunk' }, 1);

    expect(plan.visitorDial).toBe('PJSIP/12025550100@trunk');
  });

  it("prefers the extension's own channel when the request carries one", () => {
    const plan = buildOriginate(
      request({ extension: { number: '101', channel: 'PJSIP/alice-desk' } }),
      CONFIG,
      1,
    );

    expect(plan.action.Channel).toBe('PJSIP/alice-desk');
    expect(plan.extensionChannel).toBe('PJSIP/alice-desk');
  });

  it('refuses a template that expands to something that is not a dial string', () => {
    expect(() =>
      buildOriginate(request(), { ...CONFIG, visitorDialTemplate: 'PJSIP/{number}@trunk,60' }, 1),
    ).toThrow(OriginateBuildError);
  });
});
