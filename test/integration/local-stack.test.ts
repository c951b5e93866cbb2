// The whole product on loopback, as `npm start` runs it: HTTP -> handler -> dynalite -> local SQS -> connector
// -> AMI simulator -> events queue -> consumer -> status over HTTP.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_STATES } from '../../contracts/call-states.ts';
import { headerValue, headerValues } from '../../edge-connector/src/ami/protocol.ts';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { keys } from '../../functions/store/records.ts';
import { LOOSE_PUBLIC_LIMITS } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';

const HAPPY_PATH = CALL_STATES.filter((state) => state !== 'failed');
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    simulatorTimeScale: 0.05,
    connectorLogger: silentLogger,
    publicLimits: LOOSE_PUBLIC_LIMITS,
  });
});
afterAll(async () => stack?.stop());

async function requestCall(body: Record<string, string>): Promise<{ requestId: string; statusUrl: string }> {
  const response = await fetch(`${stack.demoUrl}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as { requestId: string; statusUrl: string };
}

/** Polls the status URL as the page does, until the request ends; returns every distinct status seen. */
async function followToTheEnd(statusUrl: string): Promise<{ seen: string[]; last: Record<string, string> }> {
  const seen: string[] = [];
  for (const startedAt = Date.now(); Date.now() - startedAt < 15_000; ) {
    const last = (await (await fetch(statusUrl)).json()) as Record<string, string>;
    const status = last.status ?? '';
    if (seen.at(-1) !== status) seen.push(status);
    if (status === 'completed' || status === 'failed') return { seen, last };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`request did not end; saw ${seen.join(' -> ')}`);
}

describe('the local stack', () => {
  it('serves the demo CallNow page', async () => {
    const response = await fetch(stack.demoUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Call Alex Demo');
  });

  it('takes a click all the way to a completed call, through every state', async () => {
    const { requestId, statusUrl } = await requestCall({
      phoneNumber: '+1 202 555 0100',
      callerName: 'Grace',
    });
    expect(statusUrl).toBe(`${stack.url}/callnow/demo/requests/${requestId}`);

    const { seen, last } = await followToTheEnd(statusUrl);

    expect(last).toEqual({ requestId, status: 'completed' });
    expect(seen[0]).toBe('queued');
    const { Item } = await stack.documents.send(
      new GetCommand({ TableName: stack.tableName, Key: keys.callRequest(requestId) }),
    );
    const times = Item?.statusTimes as Record<string, string>;
    expect(Object.keys(times).sort()).toEqual([...HAPPY_PATH].sort());
    const reachedAt = HAPPY_PATH.map((state) => times[state]);
    expect(reachedAt).toEqual([...reachedAt].sort());
  });

  it('originates to extension 101 with the visitor and the request id in channel variables', async () => {
    const { requestId, statusUrl } = await requestCall({
      phoneNumber: '(202) 555-0100',
      callerName: 'Ada "x" <y>',
    });
    await followToTheEnd(statusUrl);

    const originate = stack.simulator?.actions.find(
      (action) => action.name === 'Originate' && action.actionId?.includes(requestId),
    );
    expect(originate).toBeDefined();
    if (!originate) return;
    expect(headerValue(originate, 'Channel')).toBe('PJSIP/101');
    expect(headerValue(originate, 'Async')).toBe('true');
    expect(headerValue(originate, 'CallerID')).toBe('"CallNow: Ada x y" <+12025550100>');
    expect(headerValues(originate, 'Variable')).toEqual(
      expect.arrayContaining([
        `CALLNOW_REQUEST_ID=${requestId}`,
        'CALLNOW_VISITOR_NUMBER=+12025550100',
        'CALLNOW_CONFIRM=1',
      ]),
    );
  });

  it.each([
    ['+1 202 555 0102', 'visitor_busy'],
    ['+1 202 555 0104', 'visitor_unreachable'],
  ])('tells the visitor how it ended when %s fails: %s', async (phoneNumber, reason) => {
    const { statusUrl, requestId } = await requestCall({ phoneNumber, callerName: 'Grace' });
    const { last } = await followToTheEnd(statusUrl);
    expect(last).toEqual({ requestId, status: 'failed', reason });
  });

  it('serves the no-JavaScript path: a form post, a 303, and a status page that ends the call', async () => {
    const form = await (await fetch(stack.demoUrl)).text();
    const csrfToken = /name="csrfToken" value="([^"]+)"/.exec(form)?.[1] ?? '';
    const response = await fetch(`${stack.demoUrl}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: `callerName=Grace&phoneNumber=%2B12025550100&csrfToken=${encodeURIComponent(csrfToken)}`,
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/callnow\/demo\/requests\/[0-9a-f-]{36}\?lang=en$/);

    let page = '';
    for (const startedAt = Date.now(); Date.now() - startedAt < 15_000; ) {
      page = await (await fetch(`${stack.url}${location}`, { headers: { accept: 'text/html' } })).text();
      if (page.includes('data-status="completed"')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(page).toContain('data-status="completed"');
  });

  it('answers bad input with a 4xx and no request', async () => {
    const bad = await fetch(`${stack.demoUrl}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: '+1 202 555 0100', callerName: 'Eve\r\nAction: Originate' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { fields: { callerName: expect.any(Array) } } });
    expect((await fetch(`${stack.url}/callnow/nobody`)).status).toBe(404);
    expect((await fetch(`${stack.url}/nothing/here`)).status).toBe(404);
  });
});
