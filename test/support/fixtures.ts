// Records for tests: a fully enabled chain, cloned per test so one test's change cannot leak into another.
import type { CallRequested } from '../../contracts/messages.ts';
import { DEFAULT_SERVER_SETTINGS } from '../../functions/domain/defaults.ts';
import type { CallNowTarget } from '../../functions/domain/model.ts';

export function callableTarget(): CallNowTarget {
  return structuredClone({
    server: { ...DEFAULT_SERVER_SETTINGS, callApiEnabled: true },
    reseller: { resellerId: 'r1', name: 'Reseller One', callApiManagement: true, callerIds: [] },
    client: { clientId: 'c1', resellerId: 'r1', name: 'Client One', callApiManagement: true, callerIds: [] },
    extension: {
      extensionId: 'e101',
      clientId: 'c1',
      resellerId: 'r1',
      number: '101',
      siteId: 'hq',
      type: 'phone_terminal',
      ownerName: 'Ada Lovelace',
      callApiManagement: true,
      callApiAccess: true,
      callNow: {
        allowCalls: true,
        callNowId: 'demo',
        notWhileOnPhone: false,
        confirm: true,
        showName: true,
        askCallerName: false,
        imageValidation: false,
        language: 'en',
        message: 'Hello! Leave your number and I will call you right back.',
        ringSeconds: 30,
        availability: null,
        allowedOrigins: [],
      },
    },
  } satisfies CallNowTarget);
}

let requestCounter = 0;

/** A valid call.requested, created now and expiring in two minutes, with a fresh request id unless given. */
export function callRequested(overrides: Partial<CallRequested> = {}): CallRequested {
  requestCounter += 1;
  const now = Date.now();
  return {
    v: 1,
    type: 'call.requested',
    requestId: `req-${now.toString(36)}-${requestCounter}`,
    siteId: 'hq',
    extension: { number: '101' },
    visitor: { phone: '+12025550100', name: 'Alice' },
    confirm: true,
    notWhileOnPhone: false,
    ringSeconds: 30,
    callerIdName: 'CallNow: Alice',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 120_000).toISOString(),
    ...overrides,
  };
}
