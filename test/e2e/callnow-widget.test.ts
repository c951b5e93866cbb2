/// <reference lib="dom" />
// The button on another web site: a page on a second origin (another port of 127.0.0.1) pastes the snippet. Where
// the owner allowed that origin the widget places the call from the page; anywhere else the link just opens
// the CallNow page, and the browser refuses the JSON API to the page.

import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { CATALOGUES } from '../../functions/public/i18n/index.ts';
import { widgetSnippet } from '../../functions/public/snippets.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { LOOSE_PUBLIC_LIMITS, writeTarget } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { launchChromium, skipBrowserTests } from '../support/chromium.ts';
import { ARTIFACTS, accessibilityProblems, collectProblems } from './browser-support.ts';

const en = CATALOGUES.en;

/** A web site of its own origin: `/<callNowId>` is a page with that CallNow ID's snippet. */
async function startWebSite(apiUrl: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const callNowId = (request.url ?? '/').slice(1);
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Our shop</h1><p>Questions? We call you back.</p>
${widgetSnippet(`${apiUrl}/callnow/${callNowId}`)}
</main></body></html>`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.skipIf(skipBrowserTests)('the widget on another web site', () => {
  let stack: LocalStack;
  let browser: Browser;
  let site: { server: Server; origin: string };

  const requestCount = async () => {
    const { Items = [] } = await stack.documents.send(
      new ScanCommand({
        TableName: stack.tableName,
        FilterExpression: 'begins_with(pk, :request)',
        ExpressionAttributeValues: { ':request': 'REQUEST#' },
      }),
    );
    return Items.length;
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [stack, browser] = await Promise.all([
      startLocalStack({
        simulatorTimeScale: 0.2,
        connectorLogger: silentLogger,
        publicLimits: LOOSE_PUBLIC_LIMITS,
      }),
      launchChromium(),
    ]);
    site = await startWebSite(stack.url);
    const demo = await new DynamoCallNowStore(stack.documents, stack.tableName).getCallNowTarget('demo');
    if (!demo) throw new Error('the local stack has no demo CallNow ID');
    const allowed = structuredClone(demo);
    Object.assign(allowed.extension, { extensionId: 'e2e-widget' });
    // Written straight to the table: the management API takes https origins only, and this site is http.
    Object.assign(allowed.extension.callNow, { callNowId: 'widget', allowedOrigins: [site.origin] });
    await writeTarget(stack.documents, stack.tableName, allowed);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    await stack?.stop();
  });

  it('places the call from the page of an allowed origin and follows it to the end', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 780 }, bypassCSP: true });
    const page = await context.newPage();
    const problems = collectProblems(page);
    await page.goto(`${site.origin}/widget`);
    const link = page.getByRole('link', { name: 'Call Now' });
    await page.locator('.callnow-widget').waitFor({ state: 'attached' });
    await link.click();
    expect(await link.getAttribute('aria-expanded')).toBe('true');
    expect(page.context().pages()).toHaveLength(1);

    await page.getByLabel(en.nameLabel).fill('Grace');
    await page.getByLabel(en.phoneLabel).fill('+1 202 555 0100');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: en.callButton }).click();
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe(en.status_completed);
    await page.screenshot({ path: path.join(ARTIFACTS, 'widget-360.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('leaves the link a plain link on a site the owner did not allow, and the browser refuses the API', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.origin}/demo`);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('.callnow-widget').count()).toBe(0);

    const before = await requestCount();
    const outcome = await page.evaluate(async (api) => {
      try {
        await fetch(`${api}/callnow/demo/requests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phoneNumber: '+12025550100', callerName: 'Mallory' }),
        });
        return 'sent';
      } catch (error) {
        return (error as Error).name;
      }
    }, stack.url);
    expect(outcome).toBe('TypeError');
    expect(await requestCount()).toBe(before);

    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('link', { name: 'Call Now' }).click(),
    ]);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(`${stack.url}/callnow/demo`);
    expect(await popup.locator('h1').textContent()).toBe('Call Alex Demo');
    await context.close();
  });

  // Last: the page stays shielded for the rest of the file.
  it('shows a picture to answer once the page comes under attack after the widget was loaded', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${site.origin}/widget`);
    await page.locator('.callnow-widget').waitFor({ state: 'attached' });
    await page.getByRole('link', { name: 'Call Now' }).click();
    expect(await page.getByLabel(en.captchaLabel).count()).toBe(0);

    const store = new DynamoCallNowStore(stack.documents, stack.tableName);
    await store.raiseShield('widget', new Date(Date.now() + 3_600_000).toISOString());
    const before = await requestCount();
    await page.getByLabel(en.nameLabel).fill('Grace');
    await page.getByLabel(en.phoneLabel).fill('+1 212 555 0100');
    await page.getByRole('button', { name: en.callButton }).click();
    await page.getByLabel(en.captchaLabel).waitFor();
    expect(await page.getByRole('img', { name: en.captchaImageAlt }).getAttribute('src')).toMatch(
      /^data:image\/svg\+xml;base64,/,
    );
    expect(await requestCount()).toBe(before);
    await context.close();
  });
});
