// The public page's protections against toll fraud and harassment, through the handler: destination policy,
// limits, one call in progress per number, the shield, origin checks, the form's CSRF token and HSTS.
import { describe, expect, it, vi } from 'vitest';
import { SHIELD_TRIP_LIMIT } from '../../functions/domain/abuse.ts';
import { defaultDestinationPolicy } from '../../functions/domain/destination-policy.ts';
import { FORM_TOKEN_LIFETIME_SECONDS, issueFormToken } from '../../functions/domain/form-tokens.ts';
import { NOW, publicHarness, ROUTES } from './public-harness.ts';

const US_NUMBER = '+12025550100';
const US_PREMIUM = '+19002345678';
const UK_LANDLINE = '+442079460958';

const errorOf = (response: { body: string }) => JSON.parse(response.body).error;

/** Every request answered, and ended, so the number is free again. */
function endAll(harness: ReturnType<typeof publicHarness>) {
  for (const request of harness.store.requests.values()) {
    harness.store.requests.set(request.requestId, { ...request, status: 'completed' });
  }
}

describe('destination policy', () => {
  it.each([
    ['a premium-rate number', US_PREMIUM],
    ['a number abroad (only the server country by default)', UK_LANDLINE],
  ])(
    "refuses %s with a 422 that does not say which rule, writing and sending nothing but the visitor's count",
    async (_, phone) => {
      const harness = publicHarness();
      const response = await harness.postJson({ phoneNumber: phone });
      expect(response.statusCode).toBe(422);
      expect(errorOf(response)).toEqual({
        code: 'number_not_allowed',
        message: 'this number cannot be called from this page',
        fields: { phoneNumber: ['this number cannot be called from this page'] },
      });
      expect(harness.store.requests.size).toBe(0);
      expect([...harness.store.counters.keys()]).toEqual([expect.stringMatching(/^visitor#203\.0\.113\./)]);
      expect(harness.sent).toHaveLength(0);
    },
  );

  it("counts refused numbers against the visitor's limit, so nobody probes the policy for free", async () => {
    const harness = publicHarness((target) => {
      target.server.publicLimits.perVisitorAddress = { requests: 3, windowSeconds: 600 };
    });
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await harness.postJson({ phoneNumber: UK_LANDLINE })).statusCode);
    }
    expect(statuses).toEqual([422, 422, 422, 429]);
    expect((await harness.postJson({ phoneNumber: US_NUMBER })).statusCode).toBe(429);
    expect(harness.sent).toHaveLength(0);
  });

  it('logs which rule refused it, with the number masked', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await publicHarness().postJson({ phoneNumber: US_PREMIUM });
    const lines = warn.mock.calls.map(([line]) => String(line));
    warn.mockRestore();
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        msg: 'call to a refused number',
        rule: 'number_type',
        visitor: '+1********78',
      }),
    );
    expect(lines.join('\n')).not.toContain('9002345678');
  });

  it('answers a form with the page again, the number kept and the same neutral text', async () => {
    const harness = publicHarness();
    const response = await harness.postForm(`phoneNumber=${encodeURIComponent(US_PREMIUM)}`);
    expect(response.statusCode).toBe(422);
    expect(response.body).toContain('This number cannot be called from this page.');
    expect(response.body).toContain(`value="${US_PREMIUM}"`);
  });

  it('calls abroad when an allowed prefix says so, but never a premium number', async () => {
    const harness = publicHarness((target) => {
      target.server.destinationPolicy = { ...defaultDestinationPolicy(), allowedPrefixes: ['+44', '+1900'] };
    });
    expect((await harness.postJson({ phoneNumber: UK_LANDLINE })).statusCode).toBe(202);
    expect((await harness.postJson({ phoneNumber: US_PREMIUM })).statusCode).toBe(422);
  });

  it('lets the extension policy win over the client and the server', async () => {
    const harness = publicHarness((target) => {
      target.client.destinationPolicy = { ...defaultDestinationPolicy(), allowedCountries: ['GB'] };
      target.extension.destinationPolicy = { ...defaultDestinationPolicy(), blockedPrefixes: ['+1202'] };
    });
    expect((await harness.postJson({ phoneNumber: US_NUMBER })).statusCode).toBe(422);
    expect((await harness.postJson({ phoneNumber: UK_LANDLINE })).statusCode).toBe(422);
    expect((await harness.postJson({ phoneNumber: '+13125550100' })).statusCode).toBe(202);
  });
});

describe('limits', () => {
  const limited = (
    change: (limits: ReturnType<typeof publicHarness>['target']['server']['publicLimits']) => void,
  ) => publicHarness((target) => change(target.server.publicLimits));

  it('refuses a visitor address past its limit with 429 and Retry-After, counting IPv6 per /64', async () => {
    const harness = limited((limits) => {
      limits.perVisitorAddress = { requests: 2, windowSeconds: 600 };
    });
    const post = (phone: string, sourceIp: string) => harness.postJson({ phoneNumber: phone }, { sourceIp });
    expect((await post('+12025550101', '2001:db8:1:2::1')).statusCode).toBe(202);
    expect((await post('+12025550102', '2001:db8:1:2:ffff::9')).statusCode).toBe(202);
    const third = await post('+12025550103', '2001:db8:1:2::abcd');
    expect(third.statusCode).toBe(429);
    expect(errorOf(third).code).toBe('too_many_requests');
    // 10:00:00 is the start of a 600 s window.
    expect(third.headers['retry-after']).toBe('600');
    expect((await post('+12025550104', '2001:db8:1:3::1')).statusCode).toBe(202);
    expect(harness.sent).toHaveLength(3);
  });

  it('calls one number only so often, however many addresses ask', async () => {
    const harness = limited((limits) => {
      limits.perDestinationNumber = { requests: 2, windowSeconds: 3600 };
    });
    for (const sourceIp of ['198.51.100.1', '198.51.100.2']) {
      expect((await harness.postJson({ phoneNumber: US_NUMBER }, { sourceIp })).statusCode).toBe(202);
      endAll(harness);
    }
    const third = await harness.postJson({ phoneNumber: US_NUMBER }, { sourceIp: '198.51.100.3' });
    expect(third.statusCode).toBe(429);
    expect(harness.sent).toHaveLength(2);
    expect([...harness.store.holds.values()].map((hold) => hold.requestId)).not.toContain('req-3');
    expect(harness.store.requests.has('req-3')).toBe(false);
  });

  it('does not count a second press against the number', async () => {
    const harness = limited((limits) => {
      limits.perDestinationNumber = { requests: 2, windowSeconds: 3600 };
    });
    expect((await harness.postJson({ phoneNumber: US_NUMBER })).statusCode).toBe(202);
    expect(harness.json(await harness.postJson({ phoneNumber: US_NUMBER }))).toMatchObject({
      duplicate: true,
    });
    endAll(harness);
    expect((await harness.postJson({ phoneNumber: US_NUMBER })).statusCode).toBe(202);
    endAll(harness);
    expect((await harness.postJson({ phoneNumber: US_NUMBER })).statusCode).toBe(429);
  });

  it('caps the requests on one page', async () => {
    const harness = limited((limits) => {
      limits.perCallNowId = { requests: 1, windowSeconds: 60 };
    });
    expect(
      (await harness.postJson({ phoneNumber: '+12025550101' }, { sourceIp: '198.51.100.1' })).statusCode,
    ).toBe(202);
    const second = await harness.postJson({ phoneNumber: '+12025550102' }, { sourceIp: '198.51.100.2' });
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('60');
  });

  it('answers a form past the limit with the page again and Retry-After', async () => {
    const harness = limited((limits) => {
      limits.perVisitorAddress = { requests: 1, windowSeconds: 600 };
    });
    expect((await harness.postForm('phoneNumber=%2B12025550101')).statusCode).toBe(303);
    const second = await harness.postForm('phoneNumber=%2B12025550102');
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('600');
    expect(second.body).toContain('Too many requests.');
  });

  it('turns image validation on by itself while a page keeps tripping its limits', async () => {
    const harness = limited((limits) => {
      limits.perVisitorAddress = { requests: 1, windowSeconds: 600 };
    });
    expect((await harness.page()).body).not.toContain('id="captcha"');
    await harness.postJson({ phoneNumber: '+12025550101' });
    for (let trip = 0; trip < SHIELD_TRIP_LIMIT; trip++) {
      expect((await harness.postJson({ phoneNumber: '+12025550102' })).statusCode).toBe(429);
    }
    expect(harness.store.shields.get('demo')).toBe('2026-11-26T11:00:00.000Z');
    expect((await harness.page()).body).toContain('id="captcha"');
    const fresh = await harness.postJson({ phoneNumber: '+12025550103' }, { sourceIp: '198.51.100.9' });
    expect(fresh.statusCode).toBe(400);
    expect(errorOf(fresh).code).toBe('captcha_failed');

    harness.clock.now.mockReturnValue(new Date('2026-11-26T11:00:01.000Z'));
    expect((await harness.page()).body).not.toContain('id="captcha"');
  });
});

describe('one call in progress per number', () => {
  it('answers a second press with the first request, sending nothing more', async () => {
    const harness = publicHarness();
    const first = await harness.postJson({ phoneNumber: US_NUMBER });
    const second = await harness.postJson({ phoneNumber: '(202) 555-0100' });
    expect(second.statusCode).toBe(202);
    expect(harness.json(second)).toEqual({ ...harness.json(first), duplicate: true });
    expect(harness.sent).toHaveLength(1);

    endAll(harness);
    const third = await harness.postJson({ phoneNumber: US_NUMBER });
    expect(harness.json(third).requestId).not.toBe(harness.json(first).requestId);
    expect(harness.sent).toHaveLength(2);
  });

  it('sends a form press to the first request status page', async () => {
    const harness = publicHarness();
    await harness.postForm('phoneNumber=%2B12025550100');
    const again = await harness.postForm('phoneNumber=%2B12025550100');
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/callnow/demo/requests/req-1?lang=en');
  });

  it('does not show another visitor the request: a 409 without its id, even on the same page', async () => {
    const harness = publicHarness();
    const first = await harness.postJson({ phoneNumber: US_NUMBER }, { sourceIp: '198.51.100.1' });
    for (const sourceIp of ['198.51.100.2', '2001:db8::1', '::ffff:198.51.100.3']) {
      const response = await harness.postJson({ phoneNumber: US_NUMBER }, { sourceIp });
      expect(response.statusCode, sourceIp).toBe(409);
      expect(errorOf(response).code).toBe('call_in_progress');
      expect(response.body).not.toContain(harness.json(first).requestId);
    }
    const mapped = await harness.postJson({ phoneNumber: US_NUMBER }, { sourceIp: '::ffff:198.51.100.1' });
    expect(harness.json(mapped)).toEqual({ ...harness.json(first), duplicate: true });
    expect(harness.sent).toHaveLength(1);
  });

  it('does not show another page its request: it answers 409 while that call is under way', async () => {
    const harness = publicHarness();
    const other = structuredClone(harness.target);
    other.extension.callNow.callNowId = 'other';
    harness.store.targets.set('other', other);
    await harness.postJson({ phoneNumber: US_NUMBER });
    const response = await harness.postJson({ phoneNumber: US_NUMBER }, { callNowId: 'other' });
    expect(response.statusCode).toBe(409);
    expect(errorOf(response).code).toBe('call_in_progress');
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('takes over the hold of a request that was never picked up', async () => {
    const harness = publicHarness();
    await harness.postJson({ phoneNumber: US_NUMBER });
    harness.clock.now.mockReturnValue(new Date(NOW.getTime() + 10 * 60_000));
    const later = await harness.postJson({ phoneNumber: US_NUMBER });
    expect(harness.json(later)).toMatchObject({ requestId: 'req-2' });
    expect(harness.store.holds.get(US_NUMBER)?.requestId).toBe('req-2');
  });
});

describe('origins and the form token', () => {
  it('refuses a POST from a site the owner did not allow, before anything is written', async () => {
    const harness = publicHarness();
    const response = await harness.postJson(
      { phoneNumber: US_NUMBER },
      { headers: { origin: 'https://evil.example' } },
    );
    expect(response.statusCode).toBe(403);
    expect(errorOf(response).code).toBe('origin_not_allowed');
    expect(harness.store.requests.size).toBe(0);
    expect(harness.store.counters.size).toBe(0);
  });

  it('tells a null Origin (a form under no-referrer) by its fetch metadata', async () => {
    const harness = publicHarness();
    const post = (site: string) =>
      harness.postForm(`phoneNumber=${encodeURIComponent(US_NUMBER)}`, {
        headers: { origin: 'null', 'sec-fetch-site': site },
      });
    expect((await post('cross-site')).statusCode).toBe(403);
    expect((await post('same-site')).statusCode).toBe(403);
    expect((await post('same-origin')).statusCode).toBe(303);
  });

  it('takes the fetch metadata over Origin, so the page works under another host name (CloudFront)', async () => {
    const harness = publicHarness();
    const post = (site: string) =>
      harness.postJson(
        { phoneNumber: US_NUMBER },
        { headers: { origin: 'https://d111111abcdef8.cloudfront.net', 'sec-fetch-site': site } },
      );
    expect((await post('cross-site')).statusCode).toBe(403);
    expect((await post('same-origin')).statusCode).toBe(202);
  });

  it('accepts this site and the allowed origins', async () => {
    const harness = publicHarness((target) => {
      target.extension.callNow.allowedOrigins = ['https://shop.example'];
    });
    const own = await harness.postJson(
      { phoneNumber: '+12025550101' },
      { headers: { origin: 'https://callnow.example.com' } },
    );
    expect(own.statusCode).toBe(202);
    const widget = await harness.postJson(
      { phoneNumber: '+12025550102' },
      { headers: { origin: 'https://shop.example' } },
    );
    expect(widget.statusCode).toBe(202);
    expect(widget.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('refuses a cancel from another site', async () => {
    const harness = publicHarness();
    const { requestId } = harness.json(await harness.postJson({ phoneNumber: US_NUMBER }));
    const response = await harness.call(ROUTES.cancel, {
      requestId,
      headers: { origin: 'https://evil.example' },
    });
    expect(response.statusCode).toBe(403);
    expect(harness.sent).toHaveLength(1);
  });

  it('draws a token bound to the page into the form', async () => {
    const harness = publicHarness();
    const page = (await harness.page()).body;
    expect(page).toContain(`name="csrfToken" value="${harness.formToken('demo')}"`);
  });

  it.each([
    ['no token', () => ''],
    ['a token of another page', (key: Uint8Array) => issueFormToken(key, 'other', NOW.getTime())],
  ])('refuses a form with %s, showing the page again to press Call once more', async (_, token) => {
    const harness = publicHarness();
    const response = await harness.postForm(
      `phoneNumber=%2B12025550100&csrfToken=${token(harness.store.formKey)}`,
    );
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('This page was open too long. Please press Call again.');
    expect(response.body).toContain(`name="csrfToken" value="${harness.formToken('demo')}"`);
    expect(harness.store.requests.size).toBe(0);
  });

  it('refuses a token older than its lifetime', async () => {
    const harness = publicHarness();
    const old = issueFormToken(
      harness.store.formKey,
      'demo',
      NOW.getTime() - (FORM_TOKEN_LIFETIME_SECONDS + 1) * 1000,
    );
    const response = await harness.postForm(`phoneNumber=%2B12025550100&csrfToken=${old}`);
    expect(response.statusCode).toBe(403);
  });
});

describe('transport security', () => {
  it('sends HSTS over https only, on pages and on errors', async () => {
    const harness = publicHarness();
    expect((await harness.page()).headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
    const refused = await harness.postJson({ phoneNumber: US_PREMIUM });
    expect(refused.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const local = await harness.page({ headers: { 'x-forwarded-proto': 'http' } });
    expect(local.headers['strict-transport-security']).toBeUndefined();
  });
});
