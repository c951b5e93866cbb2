// The button for other web sites: the widget script, and CORS for the JSON API, only for the owner's origins.
import { describe, expect, it } from 'vitest';
import { widgetSnippet } from '../../functions/public/snippets.ts';
import { publicHarness, ROUTES } from './public-harness.ts';

const ALLOWED = 'https://shop.example.com';
const STRANGER = 'https://evil.example.net';

const withOrigins = () =>
  publicHarness((target) => {
    target.extension.callNow.allowedOrigins = [ALLOWED];
  });

describe('CORS for the JSON API', () => {
  it('answers the preflight of an allowed origin, for posting and for cancelling', async () => {
    const harness = withOrigins();
    for (const [routeKey, requestId] of [
      [ROUTES.preflight, undefined],
      ['OPTIONS /callnow/{callNowId}/requests/{requestId}', 'req-1'],
    ] as const) {
      const response = await harness.call(routeKey, {
        ...(requestId ? { requestId } : {}),
        headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
      });
      expect(response.statusCode).toBe(204);
      expect(response.headers).toMatchObject({
        'access-control-allow-origin': ALLOWED,
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': 'content-type',
        vary: 'Origin',
      });
    }
  });

  it.each([
    ['another origin', withOrigins, STRANGER],
    ['any origin when the owner listed none', () => publicHarness(), ALLOWED],
  ])('refuses the preflight of %s, with no CORS header', async (_, harnessOf, origin) => {
    const response = await harnessOf().call(ROUTES.preflight, { headers: { origin } });
    expect(response.statusCode).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets an allowed origin read the answers, errors included, and no other origin', async () => {
    const harness = withOrigins();
    const accepted = await harness.postJson(
      { phoneNumber: '+12025550100' },
      { headers: { origin: ALLOWED } },
    );
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['access-control-allow-origin']).toBe(ALLOWED);
    const refused = await harness.postJson({ phoneNumber: '555' }, { headers: { origin: ALLOWED } });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['access-control-allow-origin']).toBe(ALLOWED);
    const status = await harness.status('req-1', {
      headers: { origin: ALLOWED, accept: 'application/json' },
    });
    expect(status.headers['access-control-allow-origin']).toBe(ALLOWED);
    const cancel = await harness.call(ROUTES.cancel, { requestId: 'req-1', headers: { origin: ALLOWED } });
    expect(cancel.headers['access-control-allow-origin']).toBe(ALLOWED);

    const stranger = await harness.status('req-1', {
      headers: { origin: STRANGER, accept: 'application/json' },
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect(stranger.headers.vary).toBe('Origin');
    const sameSite = await harness.status('req-1', { headers: { accept: 'application/json' } });
    expect(sameSite.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('reads the CallNow target once per request, even when CORS needs it too', async () => {
    const harness = withOrigins();
    let reads = 0;
    const read = harness.store.getCallNowTarget.bind(harness.store);
    harness.store.getCallNowTarget = async (callNowId) => {
      reads += 1;
      return read(callNowId);
    };
    await harness.postJson({ phoneNumber: '+12025550100' }, { headers: { origin: ALLOWED } });
    expect(reads).toBe(1);
  });
});

describe('GET /callnow/{callNowId}/widget.js', () => {
  it('serves the widget, with its texts and settings, to an allowed origin', async () => {
    const harness = publicHarness((target) => {
      Object.assign(target.extension.callNow, {
        allowedOrigins: [ALLOWED],
        askCallerName: true,
        language: 'it',
      });
    });
    const response = await harness.call(ROUTES.widget, { headers: { origin: ALLOWED } });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'access-control-allow-origin': ALLOWED,
      vary: 'Origin, Accept-Language',
    });
    expect(response.body).toContain('"askCallerName":true');
    expect(response.body).toContain('"title":"Chiama Ada Lovelace"');
    expect(response.body).toContain('"phoneLabel":"Il tuo numero di telefono"');
    expect(Buffer.byteLength(response.body)).toBeLessThan(12 * 1024);
    expect(() => new Function(response.body)).not.toThrow();
  });

  it.each([
    ['another origin', { origin: STRANGER }, 'demo'],
    ['a page that loaded it without CORS (no Origin)', {}, 'demo'],
    ['an unknown CallNow ID', { origin: ALLOWED }, 'nobody'],
  ])('serves a script that does nothing to %s, so the link stays a link', async (_, headers, callNowId) => {
    const response = await withOrigins().call(ROUTES.widget, { callNowId, headers });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.body).toMatch(/^\/\* CallNow: .* \*\/\n$/);
  });

  it('comes with a snippet that works as a plain link and loads the widget with CORS', () => {
    const snippet = widgetSnippet('https://api.example.com/callnow/demo');
    expect(snippet).toMatch(
      /^<a href="https:\/\/api\.example\.com\/callnow\/demo" target="_blank" rel="noopener"/,
    );
    expect(snippet).toContain(
      '<script src="https://api.example.com/callnow/demo/widget.js" crossorigin="anonymous" async></script>',
    );
  });
});
