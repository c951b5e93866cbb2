import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import { issueFormToken } from '../../functions/domain/form-tokens.ts';
import { createPublicHandler } from '../../functions/public/routes.ts';
import { apiEvent, lambdaContext, structured } from '../support/api-events.ts';
import { callableTarget } from '../support/fixtures.ts';
import { MemoryStore } from '../support/memory-store.ts';

const NOW = new Date('2026-11-26T10:00:00.000Z');
const POST = 'POST /callnow/{callNowId}/requests';
const PAGE = 'GET /callnow/{callNowId}';
const STATUS = 'GET /callnow/{callNowId}/requests/{requestId}';

function prepare(change: (target: ReturnType<typeof callableTarget>) => void = () => {}) {
  const store = new MemoryStore();
  const target = callableTarget();
  change(target);
  store.targets.set('demo', target);
  const sent: SiteQueueMessage[] = [];
  let next = 0;
  const handler = createPublicHandler({
    store,
    queue: { send: async (message) => void sent.push(message) },
    clock: { now: () => NOW },
    newRequestId: () => `req-${++next}`,
  });
  const call = async (event: ReturnType<typeof apiEvent>) => structured(await handler(event, lambdaContext));
  const postJson = (body: unknown, callNowId = 'demo') =>
    call(
      apiEvent(POST, {
        pathParameters: { callNowId },
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  const postForm = (body: string) =>
    call(
      apiEvent(POST, {
        pathParameters: { callNowId: 'demo' },
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: `${body}&csrfToken=${issueFormToken(store.formKey, 'demo', NOW.getTime())}`,
      }),
    );
  return { store, sent, call, postJson, postForm };
}

const errorOf = (response: { body?: string | undefined }) => JSON.parse(response.body ?? '{}').error;

afterEach(() => vi.restoreAllMocks());

describe('GET /callnow/{callNowId}', () => {
  it('shows the owner message, the name when shown, the fields and a Call button, under a strict CSP', async () => {
    const { call } = prepare((target) => {
      Object.assign(target.extension.callNow, { askCallerName: true });
    });
    const response = await call(apiEvent(PAGE, { pathParameters: { callNowId: 'demo' } }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Call Ada Lovelace');
    expect(response.body).toContain('Leave your number and I will call you right back.');
    expect(response.body).toContain('name="callerName"');
    expect(response.body).toContain('name="phoneNumber"');
    expect(response.body).toContain('<form id="call-form" method="post" action="/callnow/demo/requests">');
    expect(response.body).toMatch(/<button type="submit" class="call" id="call">Call<\/button>/);
    const csp = response.headers?.['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('hides the owner name and the name field when the owner says so', async () => {
    const { call } = prepare((target) => {
      Object.assign(target.extension.callNow, { showName: false, askCallerName: false });
    });
    const response = await call(apiEvent(PAGE, { pathParameters: { callNowId: 'demo' } }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<h1>Call us now</h1>');
    expect(response.body).toContain('name="phoneNumber"');
    expect(response.body).not.toContain('Ada Lovelace');
    expect(response.body).not.toContain('name="callerName"');
  });

  it('escapes what the owner wrote', async () => {
    const { call } = prepare((target) => {
      Object.assign(target.extension, { ownerName: '<script>alert(1)</script>' });
    });
    const response = await call(apiEvent(PAGE, { pathParameters: { callNowId: 'demo' } }));
    expect(response.body).not.toContain('<script>alert(1)');
    expect(response.body).toContain('&#60;script&#62;alert(1)');
  });

  it('shows the same neutral 404 for an unknown, a disabled and a malformed CallNow ID', async () => {
    const { call } = prepare((target) => {
      Object.assign(target.reseller, { callApiManagement: false });
    });
    const bodies = [];
    for (const callNowId of ['demo', 'nobody', '../../etc']) {
      const response = await call(apiEvent(PAGE, { pathParameters: { callNowId } }));
      expect(response.statusCode).toBe(404);
      bodies.push(response.body);
    }
    expect(new Set(bodies).size).toBe(1);
  });
});

describe('POST /callnow/{callNowId}/requests', () => {
  it('accepts JSON with 202, the request id and an absolute status URL', async () => {
    const { postJson, sent } = prepare();
    const response = await postJson({ phoneNumber: '+1 202 555 0100' });
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '')).toEqual({
      requestId: 'req-1',
      statusUrl: 'https://callnow.example.com/callnow/demo/requests/req-1',
    });
    expect(sent).toHaveLength(1);
  });

  it('answers a form post with a 303 to the status page, in the language of the page', async () => {
    const { postForm } = prepare();
    const response = await postForm('phoneNumber=%2B12025550100');
    expect(response.statusCode).toBe(303);
    expect(response.headers?.location).toBe('/callnow/demo/requests/req-1?lang=en');
  });

  it('shows the page again with the error and what the visitor typed when a form has a bad number', async () => {
    const { postForm, store } = prepare();
    const response = await postForm('phoneNumber=555-12&callerName=%3Cb%3EEve');
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('This does not look like a phone number.');
    expect(response.body).toMatch(/<input id="phoneNumber"[^>]* value="555-12"[^>]* aria-invalid="true"/);
    expect(store.requests.size).toBe(0);
  });

  it.each([
    ['a missing phoneNumber', {}, 'phoneNumber'],
    ['an empty phoneNumber', { phoneNumber: '' }, 'phoneNumber'],
    ['a phoneNumber that is not a string', { phoneNumber: 12025550100 }, 'phoneNumber'],
    ['an invalid phone number', { phoneNumber: '+1 555' }, 'phoneNumber'],
    [
      'a name with CR/LF',
      { phoneNumber: '+12025550100', callerName: 'Eve\r\nAction: Originate' },
      'callerName',
    ],
    ['a name that is too long', { phoneNumber: '+12025550100', callerName: 'x'.repeat(201) }, 'callerName'],
    ['an unknown field', { phoneNumber: '+12025550100', admin: true }, '(body)'],
  ])('refuses %s with a 400 naming the field, and writes nothing', async (_, body, field) => {
    const { postJson, store, sent } = prepare();
    const response = await postJson(body);
    expect(response.statusCode).toBe(400);
    expect(Object.keys(errorOf(response).fields)).toEqual([field]);
    expect(errorOf(response).message).toContain(field === '(body)' ? 'admin' : field);
    expect(store.requests.size).toBe(0);
    expect(sent).toHaveLength(0);
  });

  it('refuses a body that is not JSON with a 400', async () => {
    const { postJson } = prepare();
    const response = await postJson('{"phoneNumber":');
    expect(response.statusCode).toBe(400);
    expect(errorOf(response)).toEqual({
      code: 'invalid_json',
      message: 'the request body is not valid JSON',
    });
  });

  it('refuses JSON that is not an object with a 400', async () => {
    const { postJson } = prepare();
    expect((await postJson('"+12025550100"')).statusCode).toBe(400);
    expect((await postJson('null')).statusCode).toBe(400);
  });

  it('refuses other content types with a 415', async () => {
    const { call } = prepare();
    const response = await call(
      apiEvent(POST, {
        pathParameters: { callNowId: 'demo' },
        headers: { 'content-type': 'text/plain' },
        body: '+1202',
      }),
    );
    expect(response.statusCode).toBe(415);
    expect(errorOf(response).message).toContain('Content-Type');
  });

  it('refuses a body over 16 KB with a 413', async () => {
    const { postJson } = prepare();
    const response = await postJson({ phoneNumber: '+12025550100', callerName: 'x'.repeat(17_000) });
    expect(response.statusCode).toBe(413);
  });

  it('refuses a form field given twice', async () => {
    const { postForm } = prepare();
    const response = await postForm('phoneNumber=%2B12025550100&phoneNumber=%2B12025550102');
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).message).toContain('phoneNumber');
  });

  it("refuses a call outside the owner's availability interval with a 409", async () => {
    const { postJson, store } = prepare((target) => {
      // The test clock says Thursday 26 November 2026, 10:00 UTC: 12:00 in Bucharest.
      Object.assign(target.extension.callNow, {
        availability: {
          days: ['mon', 'tue', 'wed', 'thu', 'fri'],
          from: '13:00',
          to: '17:00',
          timeZone: 'Europe/Bucharest',
        },
      });
    });
    const response = await postJson({ phoneNumber: '+12025550100' });
    expect(response.statusCode).toBe(409);
    expect(errorOf(response).code).toBe('outside_availability');
    expect(store.requests.size).toBe(0);
  });

  it('answers 404 for a CallNow ID that cannot be called, before looking at the body', async () => {
    const { postJson, store } = prepare();
    for (const body of [{ phoneNumber: '+12025550100' }, { phoneNumber: 'not a number' }, { unknown: 1 }]) {
      const response = await postJson(body, 'nobody');
      expect(response.statusCode).toBe(404);
      expect(errorOf(response).code).toBe('not_available');
    }
    expect(store.requests.size).toBe(0);
  });

  it('answers 503 with Retry-After when the queue refuses the request, and the request ends failed', async () => {
    const { store } = prepare();
    const handler = createPublicHandler({
      store,
      queue: { send: async () => Promise.reject(new Error('SQS is down')) },
      clock: { now: () => new Date() },
      newRequestId: () => 'req-x',
    });
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = structured(
      await handler(
        apiEvent(POST, {
          pathParameters: { callNowId: 'demo' },
          headers: { 'content-type': 'application/json' },
          body: '{"phoneNumber":"+12025550100"}',
        }),
        lambdaContext,
      ),
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('60');
    expect(store.requests.get('req-x')).toMatchObject({ status: 'failed', reason: 'pbx_unavailable' });
  });

  it('hides an unexpected failure behind a generic 500 with no stack trace', async () => {
    const { store } = prepare();
    vi.spyOn(store, 'getCallNowTarget').mockRejectedValue(
      new Error('ProvisionedThroughputExceeded at line 42'),
    );
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handler = createPublicHandler({
      store,
      queue: { send: async () => {} },
      clock: { now: () => new Date() },
      newRequestId: () => 'r',
    });
    const response = structured(
      await handler(
        apiEvent(POST, {
          pathParameters: { callNowId: 'demo' },
          headers: { 'content-type': 'application/json' },
          body: '{"phoneNumber":"+12025550100"}',
        }),
        lambdaContext,
      ),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('line 42');
    expect(logged).toHaveBeenCalledOnce();
  });
});

describe('GET /callnow/{callNowId}/requests/{requestId}', () => {
  it('answers JSON with the status, and the reason once failed', async () => {
    const { postJson, store, call } = prepare();
    await postJson({ phoneNumber: '+12025550100' });
    const get = () => call(apiEvent(STATUS, { pathParameters: { callNowId: 'demo', requestId: 'req-1' } }));
    expect(JSON.parse((await get()).body ?? '')).toEqual({ requestId: 'req-1', status: 'queued' });
    await store.advanceCallRequest({ requestId: 'req-1', status: 'failed', reason: 'visitor_busy', at: 'x' });
    expect(JSON.parse((await get()).body ?? '')).toEqual({
      requestId: 'req-1',
      status: 'failed',
      reason: 'visitor_busy',
    });
  });

  it('shows browsers a status page that refreshes itself until the call ends', async () => {
    const { postJson, store, call } = prepare();
    await postJson({ phoneNumber: '+12025550100' });
    const get = () =>
      call(
        apiEvent(STATUS, {
          pathParameters: { callNowId: 'demo', requestId: 'req-1' },
          headers: { accept: 'text/html,application/xhtml+xml' },
        }),
      );
    const running = await get();
    expect(running.headers?.['content-type']).toContain('text/html');
    expect(running.body).toContain('http-equiv="refresh"');
    await store.advanceCallRequest({ requestId: 'req-1', status: 'completed', at: 'x' });
    const ended = await get();
    expect(ended.body).toContain('data-status="completed"');
    expect(ended.body).not.toContain('http-equiv="refresh"');
  });

  it('answers 404 for an unknown request, a malformed id, or a request of another CallNow ID', async () => {
    const { postJson, call } = prepare();
    await postJson({ phoneNumber: '+12025550100' });
    for (const [callNowId, requestId] of [
      ['demo', 'nope'],
      ['demo', 'bad\r\nid'],
      ['other', 'req-1'],
    ] as const) {
      const response = await call(apiEvent(STATUS, { pathParameters: { callNowId, requestId } }));
      expect(response.statusCode).toBe(404);
    }
  });
});
