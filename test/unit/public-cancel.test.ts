// A visitor cancels a request that has not been dialled yet: with JavaScript (DELETE) or without (a form).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NOW, publicHarness, ROUTES } from './public-harness.ts';

afterEach(() => vi.restoreAllMocks());

async function queuedRequest() {
  const harness = publicHarness();
  await harness.postJson({ phoneNumber: '+12025550100' });
  harness.sent.length = 0;
  return harness;
}

describe('DELETE /callnow/{callNowId}/requests/{requestId}', () => {
  it('asks the connector of the site not to dial a queued request, and answers 202', async () => {
    const harness = await queuedRequest();
    const response = await harness.call(ROUTES.cancel, { requestId: 'req-1' });
    expect(response.statusCode).toBe(202);
    expect(harness.json(response)).toEqual({ requestId: 'req-1', cancelling: true });
    expect(harness.sent).toEqual([
      { v: 1, type: 'call.cancelled', requestId: 'req-1', siteId: 'hq', at: NOW.toISOString() },
    ]);
  });

  it('answers 409 once the PBX is dialling, and sends nothing', async () => {
    const harness = await queuedRequest();
    await harness.store.advanceCallRequest({ requestId: 'req-1', status: 'dialing_extension', at: 'x' });
    const response = await harness.call(ROUTES.cancel, { requestId: 'req-1' });
    expect(response.statusCode).toBe(409);
    expect(harness.json(response).error.code).toBe('already_dialled');
    expect(harness.sent).toEqual([]);
  });

  it('answers 404 for an unknown request and for a request of another CallNow ID', async () => {
    const harness = await queuedRequest();
    expect((await harness.call(ROUTES.cancel, { requestId: 'nope' })).statusCode).toBe(404);
    expect((await harness.call(ROUTES.cancel, { callNowId: 'other', requestId: 'req-1' })).statusCode).toBe(
      404,
    );
    expect(harness.sent).toEqual([]);
  });

  it('answers 503 when the cancel cannot be queued', async () => {
    const harness = await queuedRequest();
    harness.takeQueueDown();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await harness.call(ROUTES.cancel, { requestId: 'req-1' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
  });
});

describe('without JavaScript', () => {
  it('offers a cancel form on the status page while the request waits, and not once it is dialled', async () => {
    const harness = await queuedRequest();
    const html = { headers: { accept: 'text/html' }, query: { lang: 'en' } };
    const waiting = await harness.status('req-1', html);
    expect(waiting.body).toContain(
      '<form method="post" action="/callnow/demo/requests/req-1/cancel?lang=en">',
    );
    expect(waiting.body).toContain('Cancel the call</button>');
    await harness.store.advanceCallRequest({ requestId: 'req-1', status: 'dialing_extension', at: 'x' });
    expect((await harness.status('req-1', html)).body).not.toContain('/cancel');
  });

  it('posts the cancel, then shows "cancelling" until the connector says how it ended', async () => {
    const harness = await queuedRequest();
    const posted = await harness.call(ROUTES.cancelForm, {
      requestId: 'req-1',
      query: { lang: 'en' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/callnow/demo/requests/req-1?lang=en&cancelled=1');
    expect(harness.sent).toMatchObject([{ type: 'call.cancelled', requestId: 'req-1' }]);

    const html = { headers: { accept: 'text/html' }, query: { lang: 'en', cancelled: '1' } };
    expect((await harness.status('req-1', html)).body).toContain('Cancelling your request…');
    await harness.store.advanceCallRequest({
      requestId: 'req-1',
      status: 'failed',
      reason: 'rejected',
      at: 'x',
    });
    const ended = await harness.status('req-1', html);
    expect(ended.body).toContain('You cancelled the request. We will not call you.');
    expect(ended.body).not.toContain('http-equiv="refresh"');
  });

  it('goes back to the status page without cancelling when it is too late', async () => {
    const harness = await queuedRequest();
    await harness.store.advanceCallRequest({ requestId: 'req-1', status: 'dialing_visitor', at: 'x' });
    const posted = await harness.call(ROUTES.cancelForm, { requestId: 'req-1' });
    expect(posted.headers.location).toBe('/callnow/demo/requests/req-1');
    expect(harness.sent).toEqual([]);
  });
});
