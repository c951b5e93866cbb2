import { describe, expect, it } from 'vitest';
import { callNowEligibility } from '../../functions/domain/eligibility.ts';
import { callableTarget } from '../support/fixtures.ts';

describe('callNowEligibility', () => {
  it('allows a phone terminal whose whole chain is enabled', () => {
    expect(callNowEligibility(callableTarget())).toEqual({ callable: true });
  });

  const ways = [
    [
      'server_call_api_off',
      (t: ReturnType<typeof callableTarget>) => ({ ...t, server: { ...t.server, callApiEnabled: false } }),
    ],
    [
      'reseller_call_api_management_off',
      (t: ReturnType<typeof callableTarget>) => ({
        ...t,
        reseller: { ...t.reseller, callApiManagement: false },
      }),
    ],
    [
      'client_call_api_management_off',
      (t: ReturnType<typeof callableTarget>) => ({ ...t, client: { ...t.client, callApiManagement: false } }),
    ],
    [
      'extension_call_api_management_off',
      (t: ReturnType<typeof callableTarget>) => ({
        ...t,
        extension: { ...t.extension, callApiManagement: false },
      }),
    ],
    [
      'not_a_phone_terminal',
      (t: ReturnType<typeof callableTarget>) => ({
        ...t,
        extension: { ...t.extension, type: 'queue' as const },
      }),
    ],
    [
      'extension_call_api_access_off',
      (t: ReturnType<typeof callableTarget>) => ({
        ...t,
        extension: { ...t.extension, callApiAccess: false },
      }),
    ],
    [
      'callnow_calls_off',
      (t: ReturnType<typeof callableTarget>) => ({
        ...t,
        extension: { ...t.extension, callNow: { ...t.extension.callNow, allowCalls: false } },
      }),
    ],
  ] as const;

  it.each(ways)('says no with %s when that link is off', (reason, switchOff) => {
    expect(callNowEligibility(switchOff(callableTarget()))).toEqual({ callable: false, reason });
  });

  it('names the highest link that is off when several are', () => {
    const target = callableTarget();
    const both = {
      ...target,
      server: { ...target.server, callApiEnabled: false },
      extension: { ...target.extension, callApiAccess: false },
    };
    expect(callNowEligibility(both)).toEqual({ callable: false, reason: 'server_call_api_off' });
  });
});
