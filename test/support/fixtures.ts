// Records for tests: a fully enabled chain, cloned per test so one test's change cannot leak into another.
import type { CallNowTarget } from '../../functions/domain/model.ts';

export function callableTarget(): CallNowTarget {
  return structuredClone({
    server: { callApiEnabled: true, defaultCountry: 'US', adminUsername: 'admin', preferredAgent: 'none' },
    reseller: { resellerId: 'r1', name: 'Reseller One', callApiManagement: true },
    client: { clientId: 'c1', resellerId: 'r1', name: 'Client One', callApiManagement: true },
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
      },
    },
  } satisfies CallNowTarget);
}
